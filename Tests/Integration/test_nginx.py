"""ChatRoom behind a real nginx (Debian's, from scripts/lib/nginx.sh) running the shipped site,
deploy/nginx/chatroom.conf, on a loopback port in front of the real server (2 workers, its own
database). The test's nginx.conf is built from the shipped file by plain text replacement of the
upstream port, the listen address and the two directories, so what is tested is what ships.

Through nginx: the HTTP API, Socket.IO over polling only and over WebSocket (Engine.IO 4) and over
Engine.IO 3 polling, /ws, an image upload and the image served back from disk by nginx, the web
page served by nginx, forwarded headers, /health and /metrics for localhost only, and keep-alive
to the upstream while polling requests hop between the server's workers."""
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.parse

import pytest
import requests
from websockets.sync.client import connect as ws_connect

from chat_fixtures import (  # noqa: F401 - fixtures are found by name
    Eio4Client, Sio3Client, assert_message_fields, chat_server, clients, data_url, history, make_user, png_bytes,
    rooms, sha256_hex, text_payload, wait_rows)
from conftest import ROOT, LoopbackAddresses, connect_from, free_port, wait_until

SITE = ROOT / "deploy" / "nginx" / "chatroom.conf"
PUBLIC = ROOT / "public"
RS = "\x1e"  # Engine.IO 4 packet separator in a polling body


def nginx_binary():
    """$NGINX_BIN (exported by scripts/lib/nginx.sh), else nginx on PATH or in /usr/sbin."""
    wanted = os.environ.get("NGINX_BIN")
    if wanted:
        if not os.access(wanted, os.X_OK):
            pytest.fail(f"NGINX_BIN={wanted!r} is not an executable")
        return wanted
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)
    if found is None:
        pytest.skip("these tests need Debian's nginx (scripts/test installs it through scripts/lib/nginx.sh)")
    return found


def replace_once(text, old, new):
    """The shipped file must still contain `old` exactly once, or the test would test something else."""
    assert text.count(old) == 1, f"{SITE.name} no longer has exactly one {old!r}; update test_nginx.py"
    return text.replace(old, new)


def site_config(upstream_port, listen_port, storage_dir):
    text = SITE.read_text()
    text = replace_once(text, "server 127.0.0.1:5200;", f"server 127.0.0.1:{upstream_port};")
    text = replace_once(text, "listen 80;", f"listen 127.0.0.1:{listen_port};")
    # The loopback interface of a container may have no IPv6.
    text = replace_once(text, "listen [::]:80;", "")
    text = replace_once(text, "root /usr/local/share/chatroom/public;", f"root {PUBLIC};")
    text = replace_once(text, "alias /var/lib/chatroom/storage/;", f"alias {storage_dir}/;")
    return text


def main_config(directory, site_path):
    """A whole nginx.conf around the site, everything it writes kept in `directory`. One nginx worker,
    so that requests made one after another go over one cached upstream connection."""
    temp = {name: directory / name for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir()
    mime = "include /etc/nginx/mime.types;" if os.path.exists("/etc/nginx/mime.types") else \
        "types { text/html html; text/css css; application/javascript js; image/png png; image/svg+xml svg; }"
    # As root, nginx would run its workers as `nobody`, who cannot read pytest's private temp dirs.
    user = "user root;" if os.geteuid() == 0 else ""
    return f"""
{user}
worker_processes 1;
daemon off;
pid {directory}/nginx.pid;
error_log {directory}/error.log info;
events {{ worker_connections 512; }}
http {{
    {mime}
    default_type application/octet-stream;
    sendfile on;
    log_format upstream '$remote_addr "$request" $status up=$upstream_addr '
                        'upstream_connect=$upstream_connect_time';
    access_log {directory}/access.log upstream;
    client_body_temp_path {temp["client_body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    include {site_path};
}}
"""


class Nginx(LoopbackAddresses):
    """nginx in the foreground (daemon off) with the generated configuration; `url`/`ws_url` make it
    usable by the chat_fixtures helpers in place of the server."""

    def __init__(self, binary, directory, upstream):
        self.binary = binary
        self.dir = directory
        self.dir.mkdir()
        self.upstream = upstream
        self.port = free_port()
        self.site = self.dir / "chatroom.conf"
        self.site.write_text(site_config(upstream.port, self.port, upstream.storage_dir))
        self.conf = self.dir / "nginx.conf"
        self.conf.write_text(main_config(self.dir, self.site))
        self.proc = None

    def command(self, *extra):
        # -e: the error log before the configuration is read (not /var/log/nginx, which a user cannot write).
        return [self.binary, "-p", f"{self.dir}/", "-c", str(self.conf), "-e", str(self.dir / "error.log"), *extra]

    def check(self):
        return subprocess.run(self.command("-t"), capture_output=True, text=True, timeout=30)

    def start(self):
        with open(self.dir / "stdout.log", "wb") as out:
            self.proc = subprocess.Popen(self.command(), stdout=out, stderr=subprocess.STDOUT)

        def listening():
            assert self.proc.poll() is None, \
                f"nginx exited: {(self.dir / 'stdout.log').read_text(errors='replace')!r}\n{self.error_log()}"
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return True
            except OSError:
                return False

        try:
            wait_until(listening, timeout=10, message="nginx listening")
        except BaseException:
            self.stop()  # nginx runs in the foreground as our child: never leave it behind
            raise
        return self

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGQUIT)  # graceful: workers finish, then the master exits
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def error_log(self):
        try:
            return (self.dir / "error.log").read_text(errors="replace")[-4000:]
        except FileNotFoundError:
            return ""


@pytest.fixture
def proxied(chat_server, tmp_path, request):
    """(nginx, server): the chat server with 2 workers behind nginx running the shipped site."""
    server = chat_server(workers=2)
    nginx = Nginx(nginx_binary(), tmp_path / "nginx", server)
    checked = nginx.check()
    assert checked.returncode == 0, f"nginx -t failed:\n{checked.stderr}\n--- config ---\n{nginx.site.read_text()}"
    nginx.start()
    yield nginx, server
    nginx.stop()
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        print(f"--- nginx error.log ---\n{nginx.error_log()}")
        print(f"--- nginx access.log ---\n{(nginx.dir / 'access.log').read_text(errors='replace')[-4000:]}")


def get(url, **kwargs):
    return requests.get(url, timeout=15, **kwargs)


# ------------------------------------------------------------------------------------------------
# The configuration itself
# ------------------------------------------------------------------------------------------------
def test_the_shipped_site_passes_nginx_t(proxied):
    nginx, _ = proxied
    result = nginx.check()
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr and "test is successful" in result.stderr, result.stderr
    # The site is an `http`-level snippet: main-context directives (user, pid, daemon, ...) belong
    # to nginx.conf, and the test's `user root;` to its wrapper only.
    directives = [line.split("#")[0].strip() for line in SITE.read_text().splitlines()]
    assert not [d for d in directives if d.split(" ")[0] in ("user", "pid", "daemon", "worker_processes")]


# ------------------------------------------------------------------------------------------------
# HTTP API and Socket.IO
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("transport", ["polling", "websocket", "upgrade"])
def test_chat_over_socketio_through_nginx(proxied, clients, transport):
    """Polling only, WebSocket only, and polling upgraded to WebSocket (what browsers do)."""
    nginx, server = proxied
    alice, bob = make_user(nginx, "alice"), make_user(nginx, "bob")  # register + login through nginx
    assert set(rooms(nginx, alice.token)) == {1, 2}

    transports = None if transport == "upgrade" else (transport,)
    a = clients.add(Eio4Client(nginx, token=alice.token, transports=transports, label="alice"))
    b = clients.add(Eio4Client(nginx, token=bob.token, transports=transports, label="bob"))
    if transport == "upgrade":
        transport = "websocket"
        wait_until(lambda: a.transport() == b.transport() == "websocket", message="upgrade through nginx")
    assert a.transport() == transport and b.transport() == transport
    a.join(1)
    b.join(1)
    a.wait_for("room", lambda m: str(bob.id) in m)

    text = f"hello over {transport} through nginx"
    receipt = a.call("message", text_payload(1, text))
    assert isinstance(receipt, dict) and receipt.get("seq") == 1, receipt
    for client in (a, b):
        assert_message_fields(client.wait_for("message", lambda m: m.get("msg") == text), alice, text, 1)
    page = history(nginx, 1)["data"]
    assert [m["msg"] for m in page["data"]] == [text] and page["total"] == 1, page
    # Still the transport asked for (a polling-only client never upgraded behind our back).
    assert a.transport() == transport


def test_eio3_polling_through_nginx(proxied, clients):
    nginx, server = proxied
    alice, bob = make_user(nginx, "alice3"), make_user(nginx, "bob3")
    a = clients.add(Sio3Client(nginx, token=alice.token, transports=("polling",), label="alice eio3"))
    b = clients.add(Eio4Client(nginx, token=bob.token, transports=("websocket",), label="bob eio4"))
    assert a.transport() == "polling"
    a.join(1)
    b.join(1)
    a.wait_for("room", lambda m: str(bob.id) in m)
    b.send_text(1, "to the EIO3 client")
    assert_message_fields(a.wait_for("message"), bob, "to the EIO3 client", 1)
    a.send_text(1, "from the EIO3 client")
    assert_message_fields(b.wait_for("message", lambda m: m.get("msg") == "from the EIO3 client"),
                          alice, "from the EIO3 client", 1)
    rows = wait_rows(server.db_uri, "SELECT msg FROM messages ORDER BY seq", 2)
    assert [r["msg"] for r in rows] == ["to the EIO3 client", "from the EIO3 client"]


def test_ws_broadcast_through_nginx(proxied):
    nginx, server = proxied
    user = make_user(nginx, "ws")
    with ws_connect(nginx.ws_url("/ws"), open_timeout=10) as sender, \
            ws_connect(nginx.ws_url("/ws"), open_timeout=10) as listener:
        wait_until(lambda: server.counter_total("webSocketConnections") == 2, message="both /ws connections")
        sender.send(json.dumps({"token": user.token, "room_id": 1, "type": "text", "content": "via nginx"}))
        for ws in (sender, listener):
            message = json.loads(ws.recv(timeout=10))
            assert message["content"] == "via nginx" and message["name"] == user.name, message
            assert "token" not in message
        sender.send(json.dumps({"room_id": 1, "type": "text", "content": "no token"}))
        assert sender.recv(timeout=10) == "User offline cannot send message"


# ------------------------------------------------------------------------------------------------
# Images: uploads up to the server's limit pass nginx; nginx serves them back from disk
# ------------------------------------------------------------------------------------------------
def test_image_upload_and_storage_through_nginx(proxied, clients):
    nginx, server = proxied
    alice = make_user(nginx, "img")
    # Near --max-image-size (5 MiB): nginx's own default body limit (1 MiB) would refuse it with 413.
    image = png_bytes(padding=4 * 1024 * 1024 + 512 * 1024)
    response = requests.post(nginx.url("/api/file/uploadimg"), files={"file": ("big.png", image, "image/png")},
                             data={"api_token": alice.token, "roomid": "1"}, timeout=60)
    assert response.status_code == 200, f"HTTP {response.status_code}: {response.text[:300]}"
    answer = response.json()
    assert answer["errno"] == 0, answer
    url = answer["data"]["url"]
    assert url == f"/storage/images/messages/{sha256_hex(image)}.png", url

    fetched = get(nginx.url(url))
    assert fetched.status_code == 200 and fetched.content == image
    assert fetched.headers["content-type"] == "image/png"
    # nginx's /storage/ location answered from disk: chatroom would have said `no-cache`.
    assert fetched.headers["cache-control"] == "public, max-age=31536000, immutable", fetched.headers
    assert get(nginx.url("/storage/images/messages/" + "0" * 64 + ".png")).status_code == 404
    assert get(nginx.url("/storage/../chatroom.pid")).status_code in (400, 403, 404)

    # An image message as a data URL in a polling POST: a third bigger than the image in base64.
    a = clients.add(Eio4Client(nginx, token=alice.token, transports=("polling",), label="alice"))
    a.join(1)
    a.wait_for("room")
    inline = png_bytes(padding=3 * 1024 * 1024)
    receipt = a.call("message", {"roomid": "1", "msg": "", "img": data_url(inline)}, timeout=30)
    assert isinstance(receipt, dict) and "seq" in receipt, receipt
    sent = a.wait_for("message", lambda m: m.get("img", "").startswith("/storage/"))
    assert get(nginx.url(sent["img"])).content == inline


# ------------------------------------------------------------------------------------------------
# The web page, served by nginx
# ------------------------------------------------------------------------------------------------
def test_web_page_served_by_nginx(proxied):
    nginx, server = proxied
    # The server's own --static-dir is an empty folder here: the page can only come from nginx.
    assert not any(server.static_dir.iterdir())
    page = get(nginx.url("/"))
    assert page.status_code == 200 and page.content == (PUBLIC / "index.html").read_bytes()
    assert page.headers["content-type"].startswith("text/html")
    script = get(nginx.url("/js/app.js"), headers={"Accept-Encoding": "identity"})
    assert script.status_code == 200 and script.content == (PUBLIC / "js" / "app.js").read_bytes()
    assert script.headers["content-type"].startswith("application/javascript")  # modules need a JS type
    assert script.headers["cache-control"] == "no-cache"
    again = get(nginx.url("/js/app.js"), headers={"If-None-Match": script.headers["etag"]})
    assert again.status_code == 304
    assert get(nginx.url("/no/such/file.js")).status_code == 404


# ------------------------------------------------------------------------------------------------
# Forwarded headers, and what only localhost may see
# ------------------------------------------------------------------------------------------------
def test_forwarded_headers_from_clients_break_nothing(proxied):
    nginx, _ = proxied
    spoofed = {"X-Forwarded-For": "203.0.113.7, 198.51.100.1", "X-Real-IP": "203.0.113.7",
               "X-Forwarded-Proto": "https", "Forwarded": "for=203.0.113.7;proto=https"}
    email = f"fwd-{os.getpid()}-{time.monotonic_ns()}@example.com"
    registered = requests.post(nginx.url("/api/register"), json={"name": email, "password": "secret123"},
                               headers=spoofed, timeout=15).json()
    assert registered["errno"] == 0, registered
    token = registered["user"]["api_token"]
    assert get(nginx.url("/api/rooms"), params={"api_token": token}, headers=spoofed).json()["errno"] == 0
    handshake = get(nginx.url("/socket.io/?EIO=4&transport=polling"), headers=spoofed)
    assert handshake.status_code == 200 and handshake.text.startswith('0{"sid":'), handshake.text
    with ws_connect(nginx.ws_url("/ws"), additional_headers=spoofed, open_timeout=10) as ws:
        ws.send(json.dumps({"token": token, "room_id": 1, "type": "text", "content": "forwarded"}))
        assert json.loads(ws.recv(timeout=10))["content"] == "forwarded"


def get_from(address, port, path):
    """The status of a GET made from local `address` (127.0.0.2 is not 127.0.0.1 to nginx's allow)."""
    with connect_from(address, port, timeout=10) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return int(data.split(b" ", 2)[1]), data


def test_health_and_metrics_for_localhost_only(proxied):
    nginx, _ = proxied
    health = get(nginx.url("/health"))
    assert health.status_code == 200 and health.json()["status"] == "ok"
    for path in ("/health", "/metrics"):
        status, raw = get_from("127.0.0.2", nginx.port, path)
        assert status == 403, raw[:300]
    assert get_from("127.0.0.1", nginx.port, "/health")[0] == 200
    assert get_from("127.0.0.1", nginx.port, "/metrics")[0] == 200
    # Everything else is open to any address.
    assert get_from("127.0.0.2", nginx.port, "/api/rooms")[0] == 200


# ------------------------------------------------------------------------------------------------
# Keep-alive to the upstream while polling requests hop between the server's workers
# ------------------------------------------------------------------------------------------------
def polling_url(base, sid=None, token=None):
    query = {"EIO": "4", "transport": "polling"}
    if sid:
        query["sid"] = sid
    if token:
        query["api_token"] = token
    return f"{base}/socket.io/?{urllib.parse.urlencode(query)}&t={time.monotonic_ns()}"


def test_upstream_keepalive_with_sessions_on_both_workers(proxied):
    """Sessions owned by both workers (an id's first two characters name its owner), then their
    requests one after another through nginx. With one nginx worker and keep-alive, they share one
    upstream connection, which the server passes back and forth to the owner of each session."""
    nginx, server = proxied
    user = make_user(nginx, "keepalive")
    direct = server.url("").rstrip("/")
    sessions = {}
    for _ in range(100):  # fresh connections straight to the server, until each worker made one
        r = requests.get(polling_url(direct, token=user.token), headers={"Connection": "close"}, timeout=10)
        sid = json.loads(r.text[1:])["sid"]
        sessions.setdefault(sid[:2], sid)
        if len(sessions) == 2:
            break
    assert len(sessions) == 2, f"every handshake landed on one worker: {sessions}"

    http = requests.Session()
    base = nginx.url("").rstrip("/")
    for sid in sessions.values():  # Socket.IO CONNECT of each session
        assert http.post(polling_url(base, sid), data=b"40", timeout=10).text == "ok"
        assert http.get(polling_url(base, sid), timeout=10).text.startswith('40{"sid":')
    accepted = server.counter_total("connectionsAccepted")
    handed = server.counter_total("connectionsHandedOff")
    rounds = 8
    for k in range(rounds):
        for sid in sessions.values():
            posted = http.post(polling_url(base, sid), data=f'42["login",{{"name":"r{k}"}}]'.encode(), timeout=10)
            assert posted.status_code == 200 and posted.text == "ok", posted.text
            answer = http.get(polling_url(base, sid), timeout=10)
            assert answer.status_code == 200, answer.text
            assert any(p.startswith('42["count",') for p in answer.text.split(RS)), answer.text
    # Every other request needed the other worker: the connection moved between them...
    assert server.counter_total("connectionsHandedOff") - handed >= rounds
    # ...and it was one connection (a few at most), not one per request as with `Connection: close`.
    assert server.counter_total("connectionsAccepted") - accepted <= 2, "nginx did not keep upstream connections"
