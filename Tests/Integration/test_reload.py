"""`chatroom reload` replaces every worker with a new process of the binary and keeps every client:
each worker passes its connections (socket, protocol state, unread and unsent bytes) and its polling
sessions to its successor. A client connected during the reload notices nothing: no disconnect, no
lost and no doubled message."""
import http.client
import json
import re
import threading
import time

from websockets.sync.client import connect

from chat_fixtures import (Eio4Client, Sio3Swarm, chat_server, clients, make_user, psql_query,  # noqa: F401
                           receipt, text_payload)
from conftest import wait_until

def test_three_reloads_under_traffic_keep_200_socketio_clients(chat_server, clients):
    server = chat_server(workers=2, task_workers=1)
    eio4_kinds = [("websocket",)] * 60 + [("polling",)] * 40
    eio3_kinds = [["polling", "websocket"]] * 50 + [["polling"]] * 50
    users = [make_user(server, prefix=f"rl{i}") for i in range(len(eio4_kinds) + len(eio3_kinds) + 1)]
    sender_user = users.pop()

    eio4 = []
    for index, transports in enumerate(eio4_kinds):
        user = users[index]
        client = clients.add(Eio4Client(server, token=user.token, transports=transports, label=f"eio4#{index}"))
        client.room = 1 + index % 2
        mark = client.mark()
        client.join(client.room, token=user.token)
        client.wait_for("room", since=mark, timeout=20)
        client.first_sid = client.sio.eio.sid
        eio4.append(client)
    specs = [{"token": users[len(eio4_kinds) + i].token, "room": 1 + i % 2, "transports": transports}
             for i, transports in enumerate(eio3_kinds)]
    swarm = clients.add(Sio3Swarm(server, specs))
    assert swarm.ready["transports"].count("websocket") == 50, swarm.ready["transports"]
    assert {c.transport() for c in eio4} == {"websocket", "polling"}
    sids_before = [c.sio.get_sid() for c in eio4]

    sender = clients.add(Eio4Client(server, token=sender_user.token, label="sender"))
    sent = {1: [], 2: []}
    failures = []
    stop = threading.Event()

    def send_loop():
        k = 0
        while not stop.is_set():
            room = 1 + k % 2
            text = f"reload-{k}"
            try:
                answer = sender.call("message", text_payload(room, text, sender_user.token), timeout=30)
            except Exception as error:  # a timeout, or the sender's connection gone
                failures.append(repr(error))
                return
            stored = receipt([answer])
            if stored is None:
                failures.append(f"{text}: no receipt but {answer!r}")
                return
            sent[room].append((stored["seq"], text))
            k += 1
            time.sleep(0.02)

    thread = threading.Thread(target=send_loop, daemon=True)
    thread.start()
    time.sleep(1.0)
    rows_before = server.status()["connections"]
    pid_sets = [set(server.worker_pids())]
    for _ in range(3):
        result = server.run("reload", *server.common_args(), check=True)
        assert "reloaded 2 workers" in result.stdout, result.stdout
        pid_sets.append(set(server.worker_pids()))
        # The shared table keeps every client's row (user, room) through the hand-over.
        assert server.status()["connections"] == rows_before
        time.sleep(1.0)
    # The task workers too: each finishes its batch; jobs queued meanwhile wait for the successor.
    tasks_before = {p["pid"] for p in server.status()["processes"] if p["role"] == "task"}
    server.run("reload", "--task", *server.common_args(), check=True)
    assert not tasks_before & {p["pid"] for p in server.status()["processes"] if p["role"] == "task"}
    time.sleep(1.0)
    stop.set()
    thread.join(timeout=40)
    assert not failures, failures
    assert not thread.is_alive() and sender.sio.connected
    for before, after in zip(pid_sets, pid_sets[1:]):
        assert len(after) == 2 and not (before & after), f"worker pids did not all change: {before} -> {after}"
    assert len(sent[1]) + len(sent[2]) >= 20, sent

    expected = sent
    for room, entries in expected.items():
        assert [seq for seq, _ in entries] == sorted(seq for seq, _ in entries), f"receipts out of order in {room}"

    def eio4_done(client):
        got = [(m["seq"], m["msg"]) for m in client.received("message") if int(m["roomid"]) == client.room]
        return len(got) >= len(expected[client.room])

    try:
        wait_until(lambda: all(eio4_done(c) for c in eio4), timeout=60, message="every EIO4 client has every message")
    except AssertionError:
        lagging = [(c.recorder.label, c.kind, c.connected, len(c.received("message")), len(expected[c.room]),
                    sorted(set(expected[c.room]) - {(m["seq"], m["msg"]) for m in c.received("message")})[:4])
                   for c in eio4 if not eio4_done(c)]
        raise AssertionError(f"{len(lagging)} EIO4 clients lack messages: {lagging[:6]} {[c.first_sid for c in eio4 if not eio4_done(c)]}")
    for client in eio4:
        got = [(m["seq"], m["msg"]) for m in client.received("message")]
        assert got == expected[client.room], f"{client.recorder.label} ({client.kind}): {got[:5]}... vs {expected[client.room][:5]}..."
        assert not client.received("disconnect"), f"{client.recorder.label} was disconnected"
        assert client.connected
    assert [c.sio.get_sid() for c in eio4] == sids_before

    def swarm_done():
        report = swarm.report()
        return all(len(c["messages"]) >= len(expected[spec["room"]]) for c, spec in zip(report, specs)) and report

    report = wait_until(swarm_done, timeout=60, message="every EIO3 client has every message")
    for index, (client, spec) in enumerate(zip(report, specs)):
        got = [(seq, text) for _, seq, text in client["messages"]]
        assert got == expected[spec["room"]], f"eio3#{index} ({spec['transports']}): {got[:5]}..."
        assert client["disconnects"] == 0, f"eio3#{index} was disconnected"
    assert [c["sid"] for c in report] == swarm.ready["sids"]

    rows = psql_query(server.db_uri, "SELECT room_id, seq, msg FROM messages WHERE msg LIKE 'reload-%' ORDER BY room_id, seq")
    for room in (1, 2):
        assert [(r["seq"], r["msg"]) for r in rows if r["room_id"] == room] == expected[room]
    log = server.log()
    assert log.count("connections handed over") == 6, log[-3000:]
    assert re.findall(r'"connections handed over" .*dropped=(\d+)', log) == ["0"] * 6


def test_reload_keeps_ws_clients_and_keep_alive_http_connections(chat_server):
    # A short handshake timeout: an adopted connection that has had its requests is not new again.
    server = chat_server(workers=2, task_workers=1, args=["--handshake-timeout", "1"])
    user = make_user(server, prefix="wsr")
    sockets = [connect(server.ws_url("/ws"), open_timeout=10) for _ in range(10)]
    keep_alive = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        keep_alive.request("GET", "/health")
        first = keep_alive.getresponse()
        assert first.status == 200
        first.read()
        http_socket = keep_alive.sock

        def exchange(tag):
            sockets[0].send(json.dumps({"token": user.token, "room_id": 1, "type": "text", "content": tag}))
            for ws in sockets:
                message = json.loads(ws.recv(timeout=10))
                assert message["content"] == tag

        exchange("before")
        pids = set(server.worker_pids())
        server.run("reload", *server.common_args(), check=True)
        assert not (pids & set(server.worker_pids()))
        exchange("after")
        time.sleep(2.5)
        # The same TCP connection answers again, now from a new worker process.
        keep_alive.request("GET", "/health")
        again = keep_alive.getresponse()
        assert again.status == 200 and json.loads(again.read())["status"] == "ok"
        assert keep_alive.sock is http_socket
        for ws in sockets:
            try:
                extra = ws.recv(timeout=0.2)
            except TimeoutError:
                extra = None
            assert extra is None, f"a message came twice: {extra}"
    finally:
        keep_alive.close()
        for ws in sockets:
            ws.close()


def test_reload_runs_the_binary_installed_now(server_factory, tmp_path, monkeypatch):
    import conftest
    import os
    import shutil

    real = conftest.BIN
    binary = tmp_path / "bin" / "chatroom"
    binary.parent.mkdir()
    shutil.copy(real, binary)
    monkeypatch.setattr(conftest, "BIN", str(binary))
    server = server_factory(workers=2, args=["--echo"]).start()
    # A new build is installed the usual way: a new file renamed over the old one.
    shutil.copy(conftest.BIN, tmp_path / "bin" / "chatroom.new")
    os.rename(tmp_path / "bin" / "chatroom.new", binary)
    installed = os.stat(binary).st_ino
    server.run("reload", *server.common_args(), check=True)
    for pid in server.worker_pids():
        assert os.readlink(f"/proc/{pid}/exe") == str(binary)
        assert os.stat(f"/proc/{pid}/exe").st_ino == installed
    assert os.readlink(f"/proc/{server.master_pid()}/exe").endswith("(deleted)")

    # A file that cannot join the running server (exit status 78): the master says so and goes on
    # with its own image; the reload still completes and keeps the clients.
    with connect(server.ws_url("/echo"), open_timeout=10) as ws:
        (tmp_path / "bin" / "broken").write_text("#!/bin/sh\nexit 78\n")
        os.chmod(tmp_path / "bin" / "broken", 0o755)
        os.rename(tmp_path / "bin" / "broken", binary)
        monkeypatch.setattr(conftest, "BIN", real)  # the commands themselves come from a working copy
        pids = set(server.worker_pids())
        server.run("reload", *server.common_args(), check=True)
        assert not pids & set(server.worker_pids())
        assert "cannot join the running server" in server.log()
        ws.send("still here")
        assert ws.recv(timeout=10) == "still here"
