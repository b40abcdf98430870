"""Production limits with the real binary (README "Limits"): connections per client address across
workers (--max-connections-per-ip), the handshake timeout (first request head; Socket.IO CONNECT)
and the idle timeout (Socket.IO connections that stay anonymous).

The server listens on 127.0.0.1, which is exempt from the per-address limit (a reverse proxy on the
same machine); the limited clients connect from other loopback addresses (127.0.0.2, 127.0.0.3),
which Linux routes to the same listener."""
import json
import os
import signal
import socket
import time

import socketio
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect as ws_connect

from chat_fixtures import chat_server, make_user  # noqa: F401 - fixtures are found by name
from conftest import connect_from, read_response, read_until_close, parse_response, wait_until

LIMIT = 4


def open_from(server, source):
    return connect_from(source, server.port)


def health_on(sock):
    """A keep-alive GET /health on an open socket: (status, headers, body)."""
    sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    status, headers, body, _ = read_response(sock)
    return status, headers, body


def admitted(server, source):
    """Opens a connection and proves it is served: the socket, or None if it was refused (429)."""
    s = open_from(server, source)
    status, _, body = health_on(s)
    if status == 429:
        s.close()
        return None
    assert status == 200, (status, body)
    return s


def assert_refused(server, source):
    s = open_from(server, source)
    s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    raw = read_until_close(s)
    s.close()
    status, headers, body = parse_response(raw)
    assert status == 429, raw
    assert headers["content-type"].startswith("application/json")
    assert "connections" in json.loads(body)["error"]
    assert int(headers["retry-after"]) > 0
    assert headers.get("connection", "").lower() == "close"


def try_hold_limit(server, source):
    """LIMIT served connections from `source`, or None (all closed again) if one was refused."""
    held = []
    for _ in range(LIMIT):
        s = admitted(server, source)
        if s is None:
            for h in held:
                h.close()
            return None
        held.append(s)
    return held


def fill_to_limit(server, source):
    """Waits until LIMIT connections from `source` are served (the server learns of closes a moment
    after the client made them), then proves that one more is refused."""
    held = wait_until(lambda: try_hold_limit(server, source), timeout=10,
                      message=f"{LIMIT} connections from {source} served")
    assert_refused(server, source)
    return held


def test_per_address_limit_holds_across_workers(server_factory):
    server = server_factory(workers=2, args=("--max-connections-per-ip", str(LIMIT)))
    server.start()
    held = []
    workers = set()
    for _ in range(LIMIT):
        s = open_from(server, "127.0.0.2")
        status, _, body = health_on(s)
        assert status == 200
        workers.add(json.loads(body)["worker"])
        held.append(s)
    assert workers == {0, 1}, "the client's connections are spread over both workers"
    assert_refused(server, "127.0.0.2")
    assert server.counter_total("connectionsRefused") == 1

    # Other addresses are not affected, nor is 127.0.0.1 (where a local reverse proxy connects from).
    other = [admitted(server, "127.0.0.3") for _ in range(LIMIT)]
    assert all(other)
    local = [admitted(server, "127.0.0.1") for _ in range(LIMIT * 2)]
    assert all(local)

    # Closing one lets exactly one new connection in.
    held.pop().close()
    held.append(wait_until(lambda: admitted(server, "127.0.0.2"), timeout=10, message="a freed slot is usable"))
    assert_refused(server, "127.0.0.2")
    for s in held + other + local:
        s.close()


def test_counts_do_not_leak(server_factory):
    server = server_factory(workers=2, args=("--max-connections-per-ip", str(LIMIT)))
    server.start()
    source = "127.0.0.2"
    for _ in range(15):
        # Served and closed by the client, reset by it (SO_LINGER 0), never used, and refused ones.
        held = fill_to_limit(server, source)
        for i, s in enumerate(held):
            if i % 2:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            s.close()
        for _ in range(2):
            open_from(server, source).close()

    # Polling requests on fresh connections: about half land on the worker that does not own the
    # session and are handed over to it (SCM_RIGHTS). The count must follow the socket, not double.
    s = wait_until(lambda: admitted(server, source), timeout=10, message="a connection after the closes")
    s.sendall(b"GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n\r\n")
    status, _, body, _ = read_response(s)
    s.close()
    assert status == 200, body
    sid = json.loads(body[1:])["sid"]
    packets = [b"40"] + [b'42["limits-noop"]'] * 20
    for packet in packets:
        c = open_from(server, source)
        c.sendall(b"POST /socket.io/?EIO=4&transport=polling&sid=" + sid.encode() + b" HTTP/1.1\r\nHost: x\r\n"
                  b"Content-Type: text/plain\r\nConnection: close\r\nContent-Length: "
                  + str(len(packet)).encode() + b"\r\n\r\n" + packet)
        status, _, body = parse_response(read_until_close(c))
        c.close()
        assert status == 200, body
    assert server.counter_total("connectionsHandedOff") >= 1, "some requests were handed over"

    # Every count given back: the whole limit is usable again, and not one connection more.
    for s in fill_to_limit(server, source):
        s.close()


def test_a_killed_workers_connections_give_their_counts_back(server_factory):
    server = server_factory(workers=2, args=("--max-connections-per-ip", str(LIMIT)))
    server.start()
    held = fill_to_limit(server, "127.0.0.2")
    on = {}
    for s in held:
        status, _, body = health_on(s)
        on.setdefault(json.loads(body)["worker"], []).append(s)
    assert set(on) == {0, 1}
    victim = server.worker_pids()[0]
    os.kill(victim, signal.SIGKILL)
    wait_until(lambda: (p := server.worker_pids()) and p[0] not in (0, victim), timeout=15,
               message="worker 0 respawned")
    # Only the dead worker's connections were freed (by the master's reclaim): exactly that many fit.
    survivors = on[1]
    fresh = [admitted(server, "127.0.0.2") for _ in range(len(on[0]))]
    assert all(fresh), "the dead worker's counts were given back"
    assert_refused(server, "127.0.0.2")
    for s in survivors + fresh + on[0]:
        s.close()


def test_handshake_timeout_closes_silent_and_half_sent_connections(server_factory):
    server = server_factory(workers=1, args=("--handshake-timeout", "2", "--request-timeout", "60",
                                             "--keepalive-timeout", "60"))
    server.start()
    silent = server.connect()
    half = server.connect()
    half.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
    served = server.connect()
    assert health_on(served)[0] == 200

    started = time.monotonic()
    assert read_until_close(silent, timeout=20) == b"", "a silent connection is closed without a word"
    assert time.monotonic() - started < 20, "closed by the handshake timeout, not by the test's patience"
    status, headers, body = parse_response(read_until_close(half, timeout=20))
    assert status == 408
    assert "error" in json.loads(body)

    # A connection that sent its first request in time is a keep-alive connection, not a handshake.
    time.sleep(3)
    assert health_on(served)[0] == 200
    for s in (silent, half, served):
        s.close()


def test_engineio_session_that_never_connects_the_namespace_is_closed(server_factory):
    server = server_factory(workers=1, args=("--handshake-timeout", "2"))
    server.start()
    url = server.ws_url("/socket.io/?EIO=4&transport=websocket")
    with ws_connect(url, open_timeout=10) as silent, ws_connect(url, open_timeout=10) as connected:
        assert silent.recv(timeout=5).startswith("0{")
        assert connected.recv(timeout=5).startswith("0{")
        connected.send("40")
        assert connected.recv(timeout=5).startswith("40{")
        deadline = time.monotonic() + 20
        try:
            while time.monotonic() < deadline:
                silent.recv(timeout=deadline - time.monotonic())
            raise AssertionError("the session without CONNECT was not closed")
        except ConnectionClosed:
            pass
        # The one that connected is still served (ping interval is 25 s, so no heartbeat yet).
        time.sleep(1)
        connected.send('42["limits-noop"]')
        assert connected.ping().wait(5), "the CONNECTed session was closed too"


def test_idle_timeout_closes_anonymous_socketio_connections_only(chat_server):
    server = chat_server(workers=2, args=("--idle-timeout", "2"))
    user = make_user(server, "idle")
    url = f"http://127.0.0.1:{server.port}"
    anonymous = socketio.Client(reconnection=False)
    member = socketio.Client(reconnection=False)
    rooms = []
    member.on("room", lambda data: rooms.append(data))
    try:
        anonymous.connect(url, transports=["websocket"], wait_timeout=10)
        member.connect(url, transports=["websocket"], auth={"token": user.token}, wait_timeout=10)
        wait_until(lambda: not anonymous.connected, timeout=20, message="the anonymous connection is closed")
        time.sleep(1)
        assert member.connected, "a connection with a valid token is never idle"
        member.emit("room", {"roomid": "1"})
        wait_until(lambda: any(str(user.id) in m for m in rooms), timeout=10, message="member joins room1")
    finally:
        anonymous.disconnect()
        member.disconnect()
