"""WebSocket: handshake validation, limits, UTF-8, heartbeats, slow clients, shutdown."""
import socket
import time

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

import wsraw
from conftest import parse_response, wait_until


def test_malformed_handshakes_are_refused(server_factory):
    server = server_factory(workers=1).start()
    cases = [
        (dict(key="short"), 400),
        (dict(key="not base64!!"), 400),
        (dict(version="8"), 426),
    ]
    for kwargs, expected in cases:
        s, head = wsraw.handshake(server, **kwargs)
        s.close()
        status, headers, _ = parse_response(head)
        assert status == expected, (kwargs, head)
        if expected == 426:
            assert headers["sec-websocket-version"] == "13"
    raw_cases = [
        (b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n", 400),
        (b"POST /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nContent-Length: 0\r\n"
         b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", 400),
        (b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n"
         b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", 400),
        (b"GET /ws HTTP/1.1\r\nHost: x\r\n\r\n", 426),
    ]
    for raw, expected in raw_cases:
        with server.connect() as s:
            s.sendall(raw)
            assert parse_response(s.recv(4096))[0] == expected, raw
    s, head = wsraw.handshake(server, key="dGhlIHNhbXBsZSBub25jZQ==")
    assert head.startswith(b"HTTP/1.1 101") and b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" in head
    s.close()


def test_echo_exists_only_with_the_flag(server_factory):
    plain = server_factory(workers=1).start()
    s, head = wsraw.handshake(plain, path="/echo")
    s.close()
    assert parse_response(head)[0] == 404
    echo = server_factory(workers=1, args=["--echo"]).start()
    with connect(echo.ws_url("/echo")) as ws:
        ws.send("héllo ✓")
        assert ws.recv(timeout=5) == "héllo ✓"
        ws.send(b"\x00\x01\x02")
        assert ws.recv(timeout=5) == b"\x00\x01\x02"


def test_message_size_limit_closes_with_1009(server_factory):
    server = server_factory(workers=1, args=["--echo", "--max-message-size", "4096"]).start()
    with connect(server.ws_url("/echo"), max_size=None) as ws:
        ws.send("a" * 4096)
        assert len(ws.recv(timeout=5)) == 4096
        ws.send("a" * 4097)
        with pytest.raises(ConnectionClosed) as info:
            ws.recv(timeout=5)
        assert info.value.rcvd.code == 1009
    # Across fragments too (the close may come while the client is still sending the last fragment).
    with connect(server.ws_url("/echo"), max_size=None) as ws:
        with pytest.raises(ConnectionClosed) as info:
            ws.send(iter(["a" * 3000, "b" * 3000]))
            ws.recv(timeout=5)
        assert info.value.rcvd.code == 1009


def test_invalid_utf8_and_protocol_errors(server_factory):
    server = server_factory(workers=1, args=["--echo"]).start()
    cases = [
        (wsraw.frame(0x1, b"ok \xff bad"), 1007),
        (wsraw.frame(0x1, b"unmasked", mask=False), 1002),
        (wsraw.frame(0x3, b"reserved opcode"), 1002),
        (wsraw.frame(0x0, b"continuation first"), 1002),
        (wsraw.frame(0x9, b"x" * 126), 1002),
    ]
    for data, expected in cases:
        s, head = wsraw.handshake(server, path="/echo")
        assert head.startswith(b"HTTP/1.1 101")
        s.sendall(data)
        opcode, payload = wsraw.read_frame(s)
        assert opcode == 0x8 and wsraw.close_code(payload) == expected, (data[:20], payload)
        s.close()
    # A text message split across fragments with a ping in between is fine.
    s, _ = wsraw.handshake(server, path="/echo")
    s.sendall(wsraw.frame(0x1, "frag".encode(), fin=False) + wsraw.frame(0x9, b"p") +
              wsraw.frame(0x0, "ment é".encode()))
    assert wsraw.read_frame(s) == (0xA, b"p")
    assert wsraw.read_frame(s) == (0x1, "fragment é".encode())
    s.sendall(wsraw.frame(0x8, b"\x03\xe8bye"))
    opcode, payload = wsraw.read_frame(s)
    assert opcode == 0x8 and wsraw.close_code(payload) == 1000
    assert s.recv(10) == b""
    s.close()


def test_idle_clients_are_pinged_and_dead_ones_closed(server_factory):
    server = server_factory(workers=1, args=["--echo", "--ping-interval", "1", "--ping-timeout", "1"]).start()
    # A live client (the library answers pings) stays connected.
    with connect(server.ws_url("/echo")) as alive:
        s, _ = wsraw.handshake(server, path="/echo")
        opcode, _ = wsraw.read_frame(s)
        assert opcode == 0x9  # the server pinged our silent raw client
        started = time.monotonic()
        s.settimeout(6)
        with pytest.raises((ConnectionError, OSError)):
            while True:
                wsraw.read_frame(s)  # never answered: the server drops us
        assert time.monotonic() - started < 5
        time.sleep(1.5)
        alive.send("still here")
        assert alive.recv(timeout=5) == "still here"


def test_slow_client_is_disconnected_not_buffered_forever(server_factory):
    server = server_factory(workers=1, args=["--echo", "--max-output-buffer", "65536", "--max-message-size", "16384"]).start()
    s, head = wsraw.handshake(server, path="/echo")
    assert head.startswith(b"HTTP/1.1 101")
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    # The client sends and never reads: the echoes pile up at the server until the cap is hit.
    payload = b"z" * 16000
    s.settimeout(5)
    try:
        for _ in range(400):
            s.sendall(wsraw.frame(0x2, payload))
    except OSError:
        pass  # the server has already cut us off
    wait_until(lambda: server.counter_total("slowClientsDropped") >= 1, timeout=10, message="slow client dropped")
    s.close()
    # The worker is fine and serves others.
    with connect(server.ws_url("/echo")) as ws:
        ws.send("after")
        assert ws.recv(timeout=5) == "after"


def test_stop_closes_websockets_with_1001(server_factory):
    server = server_factory(workers=2).start()
    with connect(server.ws_url("/ws")) as ws:
        result = {}

        def stop():
            result["stop"] = server.stop()

        import threading
        thread = threading.Thread(target=stop)
        thread.start()
        with pytest.raises(ConnectionClosed) as info:
            ws.recv(timeout=10)
        thread.join()
        assert info.value.rcvd.code == 1001
        assert result["stop"].returncode == 0


@pytest.mark.parametrize("path", ["/echo", "/echo.io/?EIO=4&transport=websocket"], ids=["echo", "engineio"])
def test_a_client_close_is_answered_with_exactly_one_close_frame(server_factory, path):
    server = server_factory(workers=1, args=["--echo"]).start()
    s, head = wsraw.handshake(server, path=path)
    assert head.startswith(b"HTTP/1.1 101")
    data = head.partition(b"\r\n\r\n")[2]
    if "echo.io" in path:
        s.sendall(wsraw.frame(0x1, b"40"))
        time.sleep(0.2)  # let the Socket.IO connect be answered first
    s.sendall(wsraw.frame(0x8, b"\x03\xe8"))
    s.settimeout(5)
    while True:  # everything the server sends until it closes the TCP connection
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    frames = []
    while data:
        length, offset = data[1] & 0x7F, 2
        if length == 126:
            length, offset = int.from_bytes(data[2:4], "big"), 4
        frames.append((data[0] & 0x0F, data[offset:offset + length]))
        data = data[offset + length:]
    closes = [wsraw.close_code(payload) for opcode, payload in frames if opcode == 0x8]
    assert closes == [1000], frames
    if "echo.io" in path:
        assert frames[0][1].startswith(b"0{") and frames[1][1].startswith(b"40")
