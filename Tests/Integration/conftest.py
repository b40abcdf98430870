"""Integration-test harness: starts the real `chatroom` binary (as a daemon, on a free port, with its
pid file, log and static directory in a temporary folder) and stops it afterwards."""
import json
import os
import pathlib
import socket
import subprocess
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]  # the repository
BIN = os.environ.get("CHATROOM_BIN") or str(ROOT / ".build/release/chatroom")
OUTPUT = pathlib.Path(os.environ.get("CHATROOM_TEST_OUTPUT", ROOT / "test-output"))


def connect_from(source, port, timeout=5.0):
    """A TCP connection to 127.0.0.1:`port` from the local address `source` (127.0.0.2 is another
    client address to the server, and not 127.0.0.1 to nginx's allow)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    return s


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout=10.0, interval=0.05, message="condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message} (last: {last!r})")


class LoopbackAddresses:
    """http:// and ws:// URLs of something listening on 127.0.0.1:`self.port`."""

    def url(self, path="/"):
        return f"http://127.0.0.1:{self.port}{path}"

    def ws_url(self, path="/ws"):
        return f"ws://127.0.0.1:{self.port}{path}"


class Server(LoopbackAddresses):
    def __init__(self, directory: pathlib.Path, workers=2, task_workers=1, args=(), env=None):
        self.dir = directory
        self.port = free_port()
        self.pid_file = directory / "chatroom.pid"
        self.log_file = directory / "chatroom.log"
        self.static_dir = directory / "public"
        self.static_dir.mkdir(exist_ok=True)
        self.workers = workers
        self.task_workers = task_workers
        self.extra = list(args)
        self.env = dict(os.environ)
        self.env.update(env or {})

    # -- commands ---------------------------------------------------------------------------
    def common_args(self):
        return ["--pid-file", str(self.pid_file)]

    def start_args(self):
        return ["--port", str(self.port), "--workers", str(self.workers), "--task-workers", str(self.task_workers),
                "--log-file", str(self.log_file), "--static-dir", str(self.static_dir),
                *self.common_args(), *self.extra]

    def run(self, *args, timeout=60, check=False):
        result = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=timeout, env=self.env,
                                cwd=self.dir)
        if check and result.returncode != 0:
            raise AssertionError(f"chatroom {' '.join(args)} failed ({result.returncode}):\n"
                                 f"{result.stdout}\n{result.stderr}\n--- log ---\n{self.log()}")
        return result

    def start(self):
        self.run("start", "-d", *self.start_args(), check=True)
        return self

    def stop(self):
        return self.run("stop", *self.common_args(), "--port", str(self.port))

    def status(self):
        result = self.run("status", "--json", *self.common_args())
        assert result.returncode == 0, result.stdout + result.stderr
        return json.loads(result.stdout)

    def workers_status(self):
        return [p for p in self.status()["processes"] if p["role"] == "worker"]

    def task_workers_status(self):
        return [p for p in self.status()["processes"] if p["role"] == "task"]

    def worker_pids(self):
        return [p["pid"] for p in self.workers_status()]

    def counter_total(self, name, role="worker"):
        return sum(p["counters"][name] for p in self.status()["processes"] if p["role"] == role)

    def master_pid(self):
        return int(self.pid_file.read_text().strip())

    def log(self):
        try:
            return self.log_file.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    # -- addresses (url, ws_url: LoopbackAddresses) --------------------------------------------
    def connect(self, timeout=5.0):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        return s

    def is_running(self):
        return self.run("status", *self.common_args()).returncode == 0


@pytest.fixture
def server_factory(tmp_path, request):
    servers = []

    def make(**kwargs):
        directory = tmp_path / f"server{len(servers)}"
        directory.mkdir()
        server = Server(directory, **kwargs)
        servers.append(server)
        return server

    yield make
    for server in servers:
        if server.pid_file.exists():
            server.stop()
        if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
            OUTPUT.mkdir(parents=True, exist_ok=True)
            (OUTPUT / f"{request.node.name}.log").write_text(server.log())


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, "rep_" + report.when, report)


def http_request(server, raw: bytes, timeout=5.0, read_all=True):
    """Sends raw bytes and returns everything the server answers until it closes (or times out)."""
    with server.connect(timeout=timeout) as s:
        s.sendall(raw)
        return read_until_close(s, timeout) if read_all else s.recv(65536)


def read_until_close(sock, timeout=5.0):
    sock.settimeout(timeout)
    chunks = []
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                break
            chunks.append(data)
    except socket.timeout:
        pass
    except ConnectionResetError:
        pass
    return b"".join(chunks)


def read_response(sock, timeout=5.0, pending=b""):
    """Reads one HTTP/1.1 response with Content-Length from a keep-alive socket; `pending` is what
    an earlier call returned as read past its response. Returns (status, headers, body, rest)."""
    sock.settimeout(timeout)
    data = pending
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError(f"connection closed before a full head: {data!r}")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return status, headers, rest[:length], rest[length:]


def parse_response(raw: bytes):
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body
