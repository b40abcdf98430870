"""/ws: a frame with a valid token reaches every /ws connection on every worker exactly once,
without its token; without a valid token the sender alone is told it is offline."""
import collections
import json
import threading
import time

from websockets.sync.client import connect

from chat_fixtures import chat_server, make_user, psql_query  # noqa: F401
from conftest import wait_until


def test_sixty_clients_on_four_workers_get_every_message_once(chat_server):
    server = chat_server(workers=4, task_workers=2)
    users = [make_user(server, prefix=f"ws{i}") for i in range(6)]
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
                content = f"from {index} round {round_}"
                expected.append(content)
                ws.send(json.dumps({"token": users[index].token, "room_id": 1, "type": "text", "content": content}))

        received = collections.defaultdict(list)

        def drain(i, ws):
            while len(received[i]) < len(expected):
                received[i].append(json.loads(ws.recv(timeout=10)))

        threads = [threading.Thread(target=drain, args=(i, ws)) for i, ws in enumerate(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for i in range(60):
            assert sorted(m["content"] for m in received[i]) == sorted(expected), f"client {i}"
            for message in received[i]:
                assert "token" not in message
                assert message["room_id"] == 1
        # The sender's name comes from its token, not from the frame.
        sample = received[0][0]
        assert sample["name"] == users[int(sample["content"].split()[1])].name
        # Nothing more arrives: every message came exactly once.
        time.sleep(0.3)
        for ws in clients[::7]:
            try:
                extra = ws.recv(timeout=0.2)
            except TimeoutError:
                extra = None
            assert extra is None
        assert server.counter_total("peerMessagesIn") > 0
        # And each was stored once, numbered 1..n in its room.
        rows = wait_until(lambda: (r := psql_query(server.db_uri, "SELECT seq, msg FROM messages WHERE room_id = 1 ORDER BY seq"))
                          and len(r) == len(expected) and r, timeout=10, message="messages stored")
        assert [row["seq"] for row in rows] == list(range(1, len(expected) + 1))
        assert sorted(row["msg"] for row in rows) == sorted(expected)
        assert wait_until(lambda: server.counter_total("messagesStored", role="task") == len(expected), timeout=10,
                          message="task workers counted the stored messages")
    finally:
        for ws in clients:
            ws.close()


def test_without_a_valid_token_only_the_sender_hears_it(chat_server):
    server = chat_server(workers=2)
    with connect(server.ws_url("/ws")) as sender, connect(server.ws_url("/ws")) as other:
        for frame in [{"room_id": 1, "type": "text", "content": "hi"},
                      {"token": "not-a-real-token-0123456789", "room_id": 1, "type": "text", "content": "hi"},
                      {"token": False, "room_id": 1, "type": "text", "content": "hi"}]:
            sender.send(json.dumps(frame))
            assert sender.recv(timeout=5) == "User offline cannot send message"
        sender.send("not json")
        assert "error" in json.loads(sender.recv(timeout=5))
        try:
            leaked = other.recv(timeout=0.5)
        except TimeoutError:
            leaked = None
        assert leaked is None
    assert psql_query(server.db_uri, "SELECT count(*) AS n FROM messages")[0]["n"] == 0
