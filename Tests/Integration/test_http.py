"""HTTP/1.1: keep-alive, bodies, limits, timeouts and static files."""
import json
import os
import time

from conftest import http_request, parse_response, read_response, read_until_close


def test_health(server_factory):
    server = server_factory(workers=1).start()
    status, headers, body = parse_response(http_request(server, b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
    assert status == 200
    assert json.loads(body)["status"] == "ok"
    assert headers["content-type"].startswith("application/json")
    assert "date" in headers and headers["server"] == "chatroom"


def test_keep_alive_pipelining_and_bodies(server_factory):
    server = server_factory(workers=1).start()
    with server.connect() as s:
        # Two pipelined requests, then a chunked POST whose body must be consumed exactly.
        s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        status1, _, _, rest = read_response(s)
        assert status1 == 200
        status2, _, _, rest = read_response(s, pending=rest)
        assert status2 == 200 and rest == b""
        s.sendall(b"POST /health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                  b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n")
        status, headers, body, _ = read_response(s)
        assert status == 405 and headers["allow"] == "GET, HEAD"
        s.sendall(b"POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world")
        status, _, _, _ = read_response(s)
        assert status == 405
        s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        status, _, body, _ = read_response(s)
        assert status == 200 and b"ok" in body
    # HTTP/1.0 closes after the response unless asked otherwise.
    raw = http_request(server, b"GET /health HTTP/1.0\r\n\r\n")
    assert raw.startswith(b"HTTP/1.1 200") and b"Connection: close" in raw


def test_limits_answer_with_status_and_reason(server_factory):
    server = server_factory(workers=1, args=["--max-body-size", "1024"]).start()
    cases = [
        (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 20000 + b"\r\n\r\n", 431),
        (b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(150)) + b"\r\n", 431),
        (b"POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" + b"x" * 5000, 413),
        (b"POST /health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + b"800\r\n" + b"y" * 2048 + b"\r\n0\r\n\r\n", 413),
        (b"GARBAGE\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\n\r\n", 400),  # no Host
        (b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        (b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
    ]
    for raw, expected in cases:
        response = http_request(server, raw)
        status, headers, body = parse_response(response)
        assert status == expected, (raw[:60], response[:200])
        reason = json.loads(body)["error"]
        assert len(reason) > 5, reason
        assert headers["connection"] == "close"
    # The server is fine afterwards.
    assert parse_response(http_request(server, b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))[0] == 200


def test_slow_request_gets_408_and_idle_keep_alive_is_closed(server_factory):
    server = server_factory(workers=1, args=["--request-timeout", "1", "--keepalive-timeout", "2"]).start()
    with server.connect(timeout=5) as s:
        s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # never finished
        started = time.monotonic()
        raw = read_until_close(s, timeout=5)
        assert parse_response(raw)[0] == 408
        assert time.monotonic() - started < 4
    with server.connect(timeout=6) as s:
        s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        status, _, _, _ = read_response(s)
        assert status == 200
        started = time.monotonic()
        assert read_until_close(s, timeout=6) == b""
        assert 1.0 < time.monotonic() - started < 5


def test_static_files_types_and_escapes(server_factory, tmp_path):
    server = server_factory(workers=1)
    root = server.static_dir
    (root / "index.html").write_text("<h1>chat</h1>")
    (root / "css").mkdir()
    (root / "css" / "app.css").write_text("body{}")
    (root / "app.js").write_text("console.log(1)")
    (root / "pic.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    os.symlink(secret, root / "leak.txt")
    os.symlink(tmp_path, root / "up")
    server.start()

    def get(path, extra=b""):
        raw = http_request(server, b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + extra + b"\r\n")
        return parse_response(raw)

    status, headers, body = get(b"/")
    assert status == 200 and body == b"<h1>chat</h1>" and headers["content-type"].startswith("text/html")
    status, headers, _ = get(b"/css/app.css?v=3")
    assert status == 200 and headers["content-type"].startswith("text/css")
    assert get(b"/app.js")[1]["content-type"].startswith("text/javascript")
    status, headers, body = get(b"/pic.png?imageView2/2/w/120/h/120")
    assert status == 200 and headers["content-type"] == "image/png" and len(body) == 108
    assert get(b"/missing.txt")[0] == 404
    for attack in [b"/../secret.txt", b"/%2e%2e/secret.txt", b"/css/%2E%2E/%2e%2e/secret.txt", b"/..%2fsecret.txt",
                   b"/leak.txt", b"/up/secret.txt", b"/%00", b"/css\\..\\..\\secret.txt"]:
        status, _, body = get(attack)
        assert status in (400, 403, 404), attack
        assert b"top secret" not in body
    status, headers, _ = get(b"/css")
    assert status == 301 and headers["location"] == "/css/"
    last_modified = get(b"/app.js")[1]["last-modified"]
    assert get(b"/app.js", b"If-Modified-Since: " + last_modified.encode() + b"\r\n")[0] == 304
    raw = http_request(server, b"HEAD /app.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    status, headers, body = parse_response(raw)
    assert status == 200 and headers["content-length"] == "14" and body == b""


def test_large_static_file_is_sent_whole(server_factory):
    server = server_factory(workers=1)
    blob = os.urandom(3 * 1024 * 1024)
    (server.static_dir / "big.bin").write_bytes(blob)
    server.start()
    raw = http_request(server, b"GET /big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeout=10)
    status, headers, body = parse_response(raw)
    assert status == 200 and body == blob


def test_full_connection_table_refuses_clearly(server_factory):
    server = server_factory(workers=1, args=["--max-connections", "16"]).start()
    held = [server.connect() for _ in range(16)]
    try:
        time.sleep(0.3)
        raw = http_request(server, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        status, _, body = parse_response(raw)
        assert status == 503 and b"too many connections" in body
        assert server.counter_total("connectionsRefused") >= 1
    finally:
        for s in held:
            s.close()
    time.sleep(0.5)
    raw = http_request(server, b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert parse_response(raw)[0] == 200
