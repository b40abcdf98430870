"""Shared helpers of the chat-room integration tests (test_chat_*.py).

- `chat_server`: a factory fixture that starts the real binary through conftest's `server_factory`
  with a fresh PostgreSQL database (created in the cluster named by $CHATROOM_TEST_PG, dropped
  afterwards) and its own storage directory. Skips when $CHATROOM_TEST_PG is unset.
- `psql_query(uri, sql)`: rows of a SELECT as a list of dicts (through the `psql` CLI and json_agg).
- HTTP API helpers (register, login, ...) built on requests.
- Socket.IO clients with one interface: `Eio4Client` (python-socketio 5.x in this process) and
  `Sio3Client` (python-socketio 4.6 / Engine.IO 3 in the $SIO3_PYTHON venv, via sio3_client.py).
  Both record every event they receive; tests wait on them with `wait_for`, never with bare sleeps.

Test modules import the fixture by name: `from chat_fixtures import chat_server  # noqa: F401`.
"""
import base64
import datetime
import hashlib
import json
import os
import pathlib
import queue
import random
import re
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
import zlib

import pytest
import requests
import socketio  # python-socketio 5.x (EIO4 client)

from conftest import ROOT

HERE = pathlib.Path(__file__).resolve().parent
PG_ENV = "CHATROOM_TEST_PG"
SIO3_SCRIPT = HERE / "sio3_client.py"

LOGIN_REQUIRED = "登录后才能进入聊天室"
ROOMS = {1: "room1", 2: "room2"}
ISO_UTC_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
# Keys an online-map value may have (PROTOCOL.md F1); anything else (api_token, email, ...) leaks.
ONLINE_VALUE_KEYS = {"id", "name", "avatar", "src"}
SECRET_KEYS = {"api_token", "email", "password", "remember_token", "token"}
DEFAULT_TIMEOUT = 10.0


# ------------------------------------------------------------------------------------------------
# PostgreSQL
# ------------------------------------------------------------------------------------------------
def pg_base_uri():
    uri = os.environ.get(PG_ENV, "").strip()
    if not uri:
        pytest.skip(f"{PG_ENV} is not set: the chat tests need a PostgreSQL cluster; set it to the libpq URI "
                    f"of its maintenance database, e.g. postgresql:///postgres?host=/path/to/socket&user=postgres")
    if shutil.which("psql") is None:
        pytest.skip("the chat tests need the psql client (Debian package postgresql-client)")
    return uri


def database_uri(base, name):
    """The URI of database `name` in the cluster of `base` (a libpq URI or key=value string)."""
    if base.startswith(("postgresql://", "postgres://")):
        parts = urllib.parse.urlsplit(base)
        query = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True) if k != "dbname"]
        encoded = urllib.parse.urlencode(query, quote_via=urllib.parse.quote, safe="/")
        # urlunsplit would drop the "//" of an empty host (postgresql:///db?host=/socket).
        return f"{parts.scheme}://{parts.netloc}/{name}" + (f"?{encoded}" if encoded else "")
    without = re.sub(r"(^|\s)dbname\s*=\s*('(?:[^'\\]|\\.)*'|\S+)", " ", base)
    return f"{without.strip()} dbname={name}".strip()


def psql_exec(uri, sql, timeout=30):
    """Runs SQL (one or more statements) with psql; raises with psql's message on error."""
    result = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", uri, "-c", sql],
                            capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise AssertionError(f"psql failed ({result.returncode}) for {sql!r}:\n{result.stderr}")
    return result.stdout


def psql_query(uri, sql, timeout=30):
    """The rows of one SELECT as a list of dicts, with JSON types (numbers, strings, null; timestamps
    as ISO strings)."""
    inner = sql.strip().rstrip(";")
    wrapped = f"SELECT coalesce(json_agg(row_to_json(q)), '[]'::json) FROM ({inner}) AS q"
    result = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", uri, "-c", wrapped],
                            capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise AssertionError(f"psql failed ({result.returncode}) for {sql!r}:\n{result.stderr}")
    return json.loads(result.stdout)


def wait_rows(uri, sql, count, timeout=DEFAULT_TIMEOUT):
    """The rows of `sql` once there are `count` of them (a broadcast may come before its commit)."""
    deadline = time.monotonic() + timeout
    while True:
        rows = psql_query(uri, sql)
        if len(rows) >= count or time.monotonic() > deadline:
            return rows
        time.sleep(0.05)


def psql_scalar(uri, sql):
    rows = psql_query(uri, sql)
    assert len(rows) == 1 and len(rows[0]) == 1, rows
    return next(iter(rows[0].values()))


# ------------------------------------------------------------------------------------------------
# The chat server fixture
# ------------------------------------------------------------------------------------------------
@pytest.fixture
def chat_server(server_factory, tmp_path):
    """Factory: chat_server(workers=2, task_workers=1, message_rate=100000, args=(), start=True).

    The returned conftest.Server has extra attributes: `db_uri` (its own database), `storage_dir`.
    Registration is made cheap with --bcrypt-cost 4; the per-connection rate limit is lifted unless a
    test asks for one (message_rate=N)."""
    base = pg_base_uri()
    created = []

    def make(workers=2, task_workers=1, message_rate=100000, args=(), env=None, start=True):
        name = f"t_{os.getpid()}_{uuid.uuid4().hex[:12]}"
        psql_exec(base, f'CREATE DATABASE "{name}"')
        uri = database_uri(base, name)
        storage = tmp_path / f"storage{len(created)}"
        storage.mkdir()
        flags = ["--database-url", uri, "--storage-dir", str(storage), "--bcrypt-cost", "4",
                 "--message-rate", str(message_rate), *args]
        server = server_factory(workers=workers, task_workers=task_workers, args=flags, env=env)
        server.db_uri = uri
        server.db_name = name
        server.storage_dir = storage
        created.append(server)
        if start:
            server.start()
        return server

    yield make
    for server in created:
        if server.pid_file.exists():
            server.stop()
    for server in created:
        try:
            psql_exec(base, f'DROP DATABASE IF EXISTS "{server.db_name}" WITH (FORCE)')
        except AssertionError as error:  # a leftover database must not hide the test's own result
            print(f"warning: {error}", file=sys.stderr)


# ------------------------------------------------------------------------------------------------
# HTTP API
# ------------------------------------------------------------------------------------------------
HTTP_TIMEOUT = 15


def unique_email(prefix="user"):
    return f"{prefix}-{uuid.uuid4().hex[:12]}@example.com"


def api_url(server, path):
    return server.url("/api" + path)


def post_json(server, path, body, **kwargs):
    response = requests.post(api_url(server, path), json=body, timeout=HTTP_TIMEOUT, **kwargs)
    assert response.status_code == 200, f"POST /api{path}: HTTP {response.status_code} {response.text[:300]}"
    return response.json()


def get_json(server, path, params=None, **kwargs):
    response = requests.get(api_url(server, path), params=params, timeout=HTTP_TIMEOUT, **kwargs)
    assert response.status_code == 200, f"GET /api{path}: HTTP {response.status_code} {response.text[:300]}"
    return response.json()


def register(server, email, password="secret123", src="//s3.qiufengh.com/avatar/17.jpeg"):
    body = {"name": email, "password": password}
    if src is not None:
        body["src"] = src
    return post_json(server, "/register", body)


def login(server, email, password="secret123"):
    return post_json(server, "/login", {"name": email, "password": password})


class User(dict):
    """A registered, logged-in user: id, name, email, avatar, token (the login's api_token)."""

    @property
    def token(self):
        return self["token"]

    @property
    def id(self):
        return self["id"]

    @property
    def email(self):
        return self["email"]

    @property
    def name(self):
        return self["name"]


def make_user(server, prefix="user", password="secret123"):
    """Registers a user with a unique email and logs in over HTTP; returns a User."""
    email = unique_email(prefix)
    answer = register(server, email, password)
    assert answer.get("errno") == 0, answer
    logged = login(server, email, password)
    assert logged.get("errno") == 0, logged
    user = logged["user"]
    return User(id=user["id"], name=user["name"], email=user["email"], avatar=user["avatar"],
                token=user["api_token"], password=password)


def user_object(answer):
    """The user object of a GET /api/user answer, whether under "user" or "data"."""
    for key in ("user", "data"):
        if isinstance(answer.get(key), dict):
            return answer[key]
    return None


def rooms(server, token=None):
    params = {"api_token": token} if token is not None else None
    answer = get_json(server, "/rooms", params=params)
    assert answer.get("errno") == 0, answer
    return {room["id"]: room for room in answer["data"]}


def history(server, roomid, current=1, total=None, token=None):
    params = {}
    if total is not None:
        params["total"] = str(total)
    params["current"] = str(current)
    params["roomid"] = str(roomid)
    if token is not None:
        params["api_token"] = token
    return get_json(server, "/history/message", params=params)


def health(server):
    response = requests.get(server.url("/health"), timeout=HTTP_TIMEOUT)
    assert response.status_code == 200, response.text
    return response.json()


# ------------------------------------------------------------------------------------------------
# Images
# ------------------------------------------------------------------------------------------------
def png_bytes(width=2, height=2, color=None, padding=0):
    """A valid PNG; `padding` bytes of an ancillary chunk make it as large as wanted."""
    color = color or tuple(random.randrange(256) for _ in range(3))
    raw = b"".join(b"\x00" + bytes(color) * width for _ in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    parts = [b"\x89PNG\r\n\x1a\n", chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))]
    if padding:
        parts.append(chunk(b"teSt", os.urandom(padding)))
    parts += [chunk(b"IDAT", zlib.compress(raw)), chunk(b"IEND", b"")]
    return b"".join(parts)


def data_url(data, mime="image/png"):
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


# ------------------------------------------------------------------------------------------------
# Assertions on payloads
# ------------------------------------------------------------------------------------------------
def parse_time(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)


def assert_message_fields(message, sender, text, roomid, img=""):
    """PROTOCOL.md §5.3: the fields of a live `message` (and of a history item)."""
    assert isinstance(message, dict), message
    assert message.get("userid") == sender.email, message
    assert message.get("username") == sender.name, message
    assert isinstance(message.get("src"), str), f"src must be a non-null string: {message}"
    assert message.get("msg") == text, message
    assert message.get("img") == img, message
    assert type(message.get("roomid")) is int and message["roomid"] == roomid, f"roomid must be a number: {message}"
    assert isinstance(message.get("time"), str) and ISO_UTC_MS.match(message["time"]), \
        f"time must be ISO 8601 UTC with milliseconds: {message}"
    skew = abs((parse_time(message["time"]) - datetime.datetime.now(datetime.timezone.utc)).total_seconds())
    assert skew < 300, f"time is server time, not {message['time']}"


def assert_online_map(online, expected_users):
    """`room`/`roomout` payload: keyed by user id, exactly `expected_users`, no secrets (F1)."""
    assert isinstance(online, dict), online
    assert set(online) == {str(u.id) for u in expected_users}, (online, [u.id for u in expected_users])
    for key, value in online.items():
        assert set(value) <= ONLINE_VALUE_KEYS, f"online map value has extra keys: {value}"
        assert value.get("id") == int(key), value
        assert isinstance(value.get("avatar"), str), value
    by_id = {str(u.id): u for u in expected_users}
    for key, value in online.items():
        assert value.get("name") == by_id[key].name, value


def find_secrets(payload, secrets=()):
    """Paths in `payload` where a secret key or one of the `secrets` values appears."""
    found = []

    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in SECRET_KEYS:
                    found.append(f"{path}.{key}")
                walk(value, f"{path}.{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{path}[{index}]")
        elif isinstance(node, str):
            for secret in secrets:
                if secret and secret in node:
                    found.append(f"{path} contains a token")

    walk(payload, "$")
    return found


def online_ids(online):
    return {int(k) for k in online}


# ------------------------------------------------------------------------------------------------
# Socket.IO clients
# ------------------------------------------------------------------------------------------------
class Recorder:
    """Every (event, data) a client received, in order, with waiting by predicate."""

    def __init__(self, label):
        self.label = label
        self.cond = threading.Condition()
        self.events = []

    def add(self, event, data):
        with self.cond:
            self.events.append((event, data))
            self.cond.notify_all()

    def mark(self):
        with self.cond:
            return len(self.events)

    def received(self, event, since=0):
        with self.cond:
            return [data for name, data in self.events[since:] if name == event]

    def wait_for(self, event, predicate=None, timeout=DEFAULT_TIMEOUT, since=0):
        """The data of the first `event` at or after index `since` that satisfies `predicate`."""
        deadline = time.monotonic() + timeout
        with self.cond:
            index = since
            while True:
                while index < len(self.events):
                    name, data = self.events[index]
                    index += 1
                    if name == event and (predicate is None or predicate(data)):
                        return data
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    summary = [(n, _short(d)) for n, d in self.events[since:]][-15:]
                    raise AssertionError(f"{self.label}: no {event!r} event matching within {timeout}s; "
                                         f"received since mark: {summary}")
                self.cond.wait(remaining)

    def wait_count(self, event, count, predicate=None, timeout=DEFAULT_TIMEOUT, since=0):
        """Waits until at least `count` matching events arrived; returns them all."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                found = [d for n, d in self.events[since:] if n == event and (predicate is None or predicate(d))]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"{self.label}: {len(found)} of {count} {event!r} events within {timeout}s")
                self.cond.wait(remaining)


def _short(data, limit=160):
    text = json.dumps(data, ensure_ascii=False) if not isinstance(data, str) else data
    return text if len(text) <= limit else text[:limit] + "…"


def socket_url(server, token=None):
    url = server.url("/")
    if token is not None:
        url += "?" + urllib.parse.urlencode({"api_token": token})
    return url


class ChatClient:
    """Common helpers over `emit` and the recorder."""

    kind = "?"

    def wait_for(self, event, predicate=None, timeout=DEFAULT_TIMEOUT, since=0):
        return self.recorder.wait_for(event, predicate, timeout, since)

    def wait_count(self, event, count, predicate=None, timeout=DEFAULT_TIMEOUT, since=0):
        return self.recorder.wait_count(event, count, predicate, timeout, since)

    def received(self, event, since=0):
        return self.recorder.received(event, since)

    def mark(self):
        return self.recorder.mark()

    def join(self, roomid, token=None, name="x", src="//s3.qiufengh.com/avatar/1.jpeg"):
        payload = {"name": name, "src": src, "roomid": str(roomid)}
        if token is not None:
            payload["api_token"] = token
        self.emit("room", payload)

    def leave(self, roomid, token=None, name="x"):
        payload = {"name": name, "roomid": str(roomid)}
        if token is not None:
            payload["api_token"] = token
        self.emit("roomout", payload)

    def send_text(self, roomid, text, token=None):
        self.emit("message", text_payload(roomid, text, token))

    def sync(self, token=None, timeout=DEFAULT_TIMEOUT):
        """A round trip through the server: `login` answered by `count` to this connection.
        Anything the server sent this connection before handling the `login` has arrived after it."""
        mark = self.mark()
        payload = {"name": "sync"}
        if token is not None:
            payload["api_token"] = token
        self.emit("login", payload)
        return self.wait_for("count", timeout=timeout, since=mark)


def receipt(args):
    """The receipt in an ack's arguments ({"id", "seq"}), or None for an empty/other ack."""
    if len(args) >= 1 and isinstance(args[0], dict) and "id" in args[0]:
        return args[0]
    return None


def text_payload(roomid, text, token=None):
    payload = {"username": "ignored", "src": "ignored", "img": "", "msg": text, "roomid": str(roomid),
               "time": "2019-12-11T08:00:00.000Z"}
    if token is not None:
        payload["api_token"] = token
    return payload


class Eio4Client(ChatClient):
    """python-socketio 5.x: Engine.IO 4 / Socket.IO v5. transports=None is polling, then upgrade."""

    def __init__(self, server, token=None, transports=("websocket",), auth=None, label=None, connect=True):
        self.server = server
        self.token = token
        self.transports = list(transports) if transports else None
        self.kind = "eio4-" + ("websocket" if self.transports == ["websocket"] else "polling")
        self.auth = auth
        self.recorder = Recorder(label or f"{self.kind} client")
        self.sio = socketio.Client(reconnection=False, request_timeout=10)
        self.sio.on("*", self._on_any)
        self.sio.on("connect", lambda: self.recorder.add("connect", None))
        self.sio.on("disconnect", lambda *reason: self.recorder.add("disconnect", list(reason)))
        self._lock = threading.Lock()
        if connect:
            self.connect()

    def _on_any(self, event, *args):
        self.recorder.add(event, args[0] if len(args) == 1 else list(args))

    def connect(self):
        self.sio.connect(socket_url(self.server, self.token), transports=self.transports, auth=self.auth,
                         wait_timeout=DEFAULT_TIMEOUT)
        return self

    def emit(self, event, data=None, callback=None):
        with self._lock:  # python-socketio's emit is not thread safe
            if data is None:
                self.sio.emit(event, callback=callback)
            else:
                self.sio.emit(event, data, callback=callback)

    def call(self, event, data, timeout=DEFAULT_TIMEOUT):
        """Emit asking for an ack; the ack's arguments (one argument: the value itself). A `message`
        ack is the receipt {"id": ..., "seq": ...}."""
        done = threading.Event()
        answer = []

        def callback(*args):
            answer.append(args[0] if len(args) == 1 else list(args))
            done.set()

        self.emit(event, data, callback=callback)
        if not done.wait(timeout):
            raise AssertionError(f"{self.recorder.label}: no ack for {event} {_short(data)} within {timeout}s; "
                                 f"last events: {[(n, _short(d)) for n, d in self.recorder.events[-5:]]}")
        return answer[0]

    def transport(self):
        return self.sio.transport()

    @property
    def connected(self):
        return self.sio.connected

    def drop(self):
        """Closes the TCP connection under the client: no Socket.IO/Engine.IO disconnect, no close frame."""
        ws = getattr(self.sio.eio, "ws", None)
        sock = getattr(ws, "sock", None) if ws is not None else None
        assert sock is not None, "drop() needs the websocket transport"
        sock.shutdown(socket.SHUT_RDWR)
        self.recorder.wait_for("disconnect", timeout=DEFAULT_TIMEOUT)

    def close(self):
        try:
            if self.sio.connected:
                self.sio.disconnect()
        except Exception:  # noqa: BLE001 - best effort at teardown
            pass


def sio3_python():
    path = os.environ.get("SIO3_PYTHON") or str(ROOT / ".venv-sio3" / "bin" / "python")
    if not os.path.exists(path):
        pytest.fail(f"no python for the EIO3 client at {path}: run `source scripts/lib/common.sh; "
                    f"source scripts/lib/test_venvs.sh; ensure_test_venvs` or set SIO3_PYTHON")
    return path


class Sio3Process:
    """A helper process in the $SIO3_PYTHON venv (python-socketio 4.6) that takes JSON commands on
    stdin and answers JSON lines on stdout: its output is read as it comes (`on_message`), its stderr
    kept for error messages, its commands written whole."""

    def __init__(self, argv):
        self._stderr_lines = []
        self._write_lock = threading.Lock()
        self.proc = subprocess.Popen([sio3_python(), *argv], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, bufsize=1)
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_stdout(self):
        for line in self.proc.stdout:
            try:
                message = json.loads(line)
            except ValueError:
                self._stderr_lines.append("stdout: " + line)
                continue
            self.on_message(message)
        self.on_message({"type": "exited"})

    def on_message(self, message):
        raise NotImplementedError

    def _read_stderr(self):
        for line in self.proc.stderr:
            self._stderr_lines.append(line)

    def stderr_text(self):
        return "".join(self._stderr_lines[-40:])

    def _command(self, obj):
        with self._write_lock:
            self.proc.stdin.write(json.dumps(obj, ensure_ascii=True) + "\n")
            self.proc.stdin.flush()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)

    def _close_with(self, command, timeout):
        if self.proc.poll() is None:
            try:
                self._command(command)
                self.proc.wait(timeout=timeout)
            except Exception:  # noqa: BLE001 - fall back to killing it
                self.kill()


class Sio3Client(Sio3Process, ChatClient):
    """python-socketio 4.6 / python-engineio 3.14 in the $SIO3_PYTHON venv, through sio3_client.py:
    Engine.IO 3 (the tutorial page's protocol), polling first, then the upgrade to WebSocket."""

    kind = "eio3-polling"

    def __init__(self, server, token=None, transports=("polling", "websocket"), label=None):
        self.server = server
        self.token = token
        self.recorder = Recorder(label or "eio3 client")
        self.replies = queue.Queue()
        self.ready = queue.Queue()
        self._next_id = 0
        super().__init__([str(SIO3_SCRIPT), "--url", socket_url(server, token), "--transports", ",".join(transports)])
        try:
            first = self.ready.get(timeout=30)
        except queue.Empty:
            self.kill()
            raise AssertionError(f"eio3 client did not connect within 30 s; stderr: {self.stderr_text()}")
        if first.get("type") != "ready":
            self.proc.wait(timeout=5)
            raise AssertionError(f"eio3 client could not connect: {first}; stderr: {self.stderr_text()}")
        self.ready_info = first

    def on_message(self, message):
        kind = message.get("type")
        if kind == "event":
            args = message.get("args", [])
            self.recorder.add(message["event"], args[0] if len(args) == 1 else (None if not args else args))
        elif kind in ("ready", "connect_error", "exited"):
            self.ready.put(message)
        elif kind == "reply":
            self.replies.put(message)
        elif kind == "closed":
            self.recorder.add("closed", None)

    def emit(self, event, data=None):
        command = {"cmd": "emit", "event": event}
        if data is not None:
            command["data"] = data
        self._command(command)

    def transport(self):
        self._next_id += 1
        self._command({"cmd": "transport", "id": self._next_id})
        reply = self.replies.get(timeout=DEFAULT_TIMEOUT)
        return reply["transport"]

    @property
    def connected(self):
        return self.proc.poll() is None and not self.recorder.received("disconnect")

    def drop(self):
        """SIGKILL: the kernel closes the TCP connection, the client says nothing."""
        self.kill()

    def close(self):
        self._close_with({"cmd": "disconnect"}, timeout=10)


class Sio3Swarm(Sio3Process):
    """Many Engine.IO 3 clients in one $SIO3_PYTHON process (sio3_swarm.py), for loads where a process
    per client would be too many: `specs` gives each client's transports, room and token."""

    def __init__(self, server, specs):
        self.answers = queue.Queue()
        super().__init__([str(HERE / "sio3_swarm.py"), "--url", server.url("/")])
        self._command({"cmd": "start", "clients": specs})
        answer = self.answer(timeout=120)
        if answer.get("type") != "ready":
            self.kill()
            raise AssertionError(f"EIO3 swarm not ready: {answer}; stderr: {self.stderr_text()}")
        self.ready = answer

    def on_message(self, message):
        self.answers.put(message)

    def answer(self, timeout):
        try:
            return self.answers.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no answer from the EIO3 swarm within {timeout}s; stderr: {self.stderr_text()}")

    def report(self):
        self._command({"cmd": "report"})
        answer = self.answer(timeout=30)
        assert answer.get("type") == "report", answer
        return answer["clients"]

    def close(self):
        self._close_with({"cmd": "quit"}, timeout=20)


CLIENT_KINDS = ("eio4-websocket", "eio4-polling", "eio3-polling")


def make_client(kind, server, token=None, auth=None, label=None):
    """A connected client of one of CLIENT_KINDS; `auth` (EIO4 CONNECT payload) is ignored by EIO3."""
    if kind == "eio4-websocket":
        return Eio4Client(server, token=token, transports=("websocket",), auth=auth, label=label)
    if kind == "eio4-polling":
        return Eio4Client(server, token=token, transports=None, auth=auth, label=label)
    if kind == "eio3-polling":
        return Sio3Client(server, token=token, label=label)
    raise ValueError(kind)


class ClientList(list):
    def add(self, client):
        self.append(client)
        return client


@pytest.fixture
def clients():
    """Collects the clients a test makes (clients.add(...)) and closes them at the end, whatever happened."""
    made = ClientList()
    yield made
    for client in made:
        try:
            client.close()
        except Exception:  # noqa: BLE001 - best effort at teardown
            pass
