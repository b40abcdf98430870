"""/ws: every text message reaches every connection on every worker exactly once."""
import collections
import json
import threading
import time

from websockets.sync.client import connect

from conftest import wait_until


def test_sixty_clients_on_four_workers_get_every_message_once(server_factory):
    server = server_factory(workers=4, task_workers=2).start()
    clients = [connect(server.ws_url("/ws"), open_timeout=10) for _ in range(60)]
    try:
        per_worker = wait_until(
            lambda: (c := [p["counters"]["webSocketConnections"] for p in server.workers_status()]) and sum(c) == 60 and c,
            timeout=10, message="60 connections registered")
        assert sum(1 for n in per_worker if n > 0) >= 2, f"connections did not spread over workers: {per_worker}"

        senders = clients[:6]
        expected = []
        for round_ in range(5):
            for index, ws in enumerate(senders):
                message = json.dumps({"from": index, "n": round_})
                expected.append(message)
                ws.send(message)

        received = collections.defaultdict(list)

        def drain(i, ws):
            while len(received[i]) < len(expected):
                received[i].append(ws.recv(timeout=10))

        threads = [threading.Thread(target=drain, args=(i, ws)) for i, ws in enumerate(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for i in range(60):
            assert sorted(received[i]) == sorted(expected), f"client {i}"
        # Nothing more arrives: every message came exactly once.
        time.sleep(0.3)
        for ws in clients[::7]:
            try:
                extra = ws.recv(timeout=0.2)
            except TimeoutError:
                extra = None
            assert extra is None
        assert server.counter_total("peerMessagesIn") > 0
    finally:
        for ws in clients:
            ws.close()
