"""systemd support: the shipped unit (deploy/systemd/chatroom.service) passes `systemd-analyze
verify`, and the master speaks the sd_notify protocol to the socket named by $NOTIFY_SOCKET:
READY=1 when it serves, RELOADING=1 ... READY=1 around `chatroom reload`, STOPPING=1 at stop, and
nothing from any other process."""
import pathlib
import shutil
import socket
import struct
import subprocess
import time
import uuid

import pytest

from conftest import BIN, ROOT, wait_until

UNIT = ROOT / "deploy/systemd/chatroom.service"
INSTALLED_BIN = "/usr/local/bin/chatroom"
DEFAULT_SHUTDOWN_TIMEOUT = 10  # Configuration.shutdownTimeout


# ------------------------------------------------------------------------------------------------
# The unit file
# ------------------------------------------------------------------------------------------------
def unit_settings(text):
    """[Service] and the other sections flattened: key -> list of values, in file order."""
    settings = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";", "[")):
            continue
        key, _, value = line.partition("=")
        settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def systemd_analyze():
    path = shutil.which("systemd-analyze")
    if path is None:
        pytest.skip("systemd-analyze is not installed (Debian package systemd; scripts/test installs it)")
    return path


def verify(unit_path):
    result = subprocess.run([systemd_analyze(), "verify", str(unit_path)], capture_output=True, text=True,
                            timeout=60)
    output = (result.stdout + result.stderr).strip()
    # verify exits 0 on unknown keys and unparsable values (it only says "..., ignoring"), so every
    # line about our unit counts as a failure. It does not resolve User=, so a machine without the
    # chatroom user verifies the same as a server.
    about_unit = [line for line in output.splitlines() if unit_path.name in line]
    return result.returncode, about_unit, output


def verifiable_copy(tmp_path, text, name="chatroom.service"):
    """The unit with ExecStart/ExecReload pointing at the built binary: verify wants executables
    that exist. Nothing else changes."""
    assert text.count(INSTALLED_BIN) == 2
    path = tmp_path / name
    path.write_text(text.replace(INSTALLED_BIN, str(pathlib.Path(BIN).resolve())))
    return path


def test_shipped_unit_passes_systemd_analyze_verify(tmp_path):
    text = UNIT.read_text()
    code, about_unit, output = verify(verifiable_copy(tmp_path, text))
    assert code == 0 and about_unit == [], output


def test_verify_would_catch_a_broken_unit(tmp_path):
    # The check above means something only if verify reports mistakes on this machine.
    broken = UNIT.read_text().replace("Type=notify", "Type=notifyy").replace("KillMode=mixed", "KillMode=mixd")
    code, about_unit, output = verify(verifiable_copy(tmp_path, broken))
    assert any("notifyy" in line for line in about_unit), output
    assert any("mixd" in line for line in about_unit), output


def test_unit_runs_the_master_in_the_foreground_with_graceful_reload_and_stop():
    settings = unit_settings(UNIT.read_text())
    one = {key: values[-1] for key, values in settings.items()}
    assert one["Type"] == "notify"
    start = one["ExecStart"].split()
    assert start[:2] == [INSTALLED_BIN, "start"] and "-d" not in start and "--daemon" not in start
    pid_file = start[start.index("--pid-file") + 1]
    assert pid_file.startswith("/run/" + one["RuntimeDirectory"] + "/")
    assert one["PIDFile"] == pid_file
    assert one["ExecReload"].split() == [INSTALLED_BIN, "reload", "--pid-file", pid_file]
    # SIGTERM to the master only: it stops workers before task workers; the cgroup-wide default
    # would hit the task workers while workers still flush jobs to them.
    assert one["KillSignal"] == "SIGTERM" and one["KillMode"] == "mixed" and "ExecStop" not in one
    assert int(one["TimeoutStopSec"]) > 2 * DEFAULT_SHUTDOWN_TIMEOUT
    assert one["Restart"] == "on-failure"
    assert one["User"] == "chatroom"
    assert int(one["LimitNOFILE"]) >= 65536
    assert one["NoNewPrivileges"] == "yes" and one["ProtectSystem"] == "strict"
    assert one["ProtectHome"] == "yes" and one["PrivateTmp"] == "yes"
    assert "-/etc/chatroom/chatroom.env" in settings["EnvironmentFile"]
    writable = " ".join(settings["ReadWritePaths"]).split()
    env = dict(value.split("=", 1) for value in settings["Environment"])
    assert any(env["CHATROOM_STORAGE_DIR"].startswith(path + "/") for path in writable)
    assert "/var/log/chatroom" in writable


# ------------------------------------------------------------------------------------------------
# sd_notify
# ------------------------------------------------------------------------------------------------
class NotifySocket:
    """What systemd listens on: an AF_UNIX datagram socket that records each sender's pid."""

    def __init__(self, address):
        self.address = address
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.sock.bind("\0" + address[1:] if address.startswith("@") else address)

    def receive(self, timeout):
        """The next (sender pid, {key: value}, raw text), or None after `timeout` seconds."""
        self.sock.settimeout(timeout)
        try:
            data, ancillary, _, _ = self.sock.recvmsg(4096, socket.CMSG_SPACE(12))
        except socket.timeout:
            return None
        pid = None
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                pid = struct.unpack("iII", payload[:12])[0]
        text = data.decode()
        fields = dict(line.split("=", 1) for line in text.split("\n") if line)
        return pid, fields, text

    def until(self, key, timeout=30):
        """Messages up to and including the first one that sets `key`."""
        collected = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = self.receive(max(0.01, deadline - time.monotonic()))
            if message is None:
                break
            collected.append(message)
            if key in message[1]:
                return collected
        raise AssertionError(f"no {key} within {timeout}s; received {[m[2] for m in collected]}")

    def close(self):
        self.sock.close()


@pytest.fixture
def notify_socket(tmp_path):
    sockets = []

    def make(abstract):
        address = f"@chatroom-test-{uuid.uuid4().hex}" if abstract else str(tmp_path / "notify.sock")
        sockets.append(NotifySocket(address))
        return sockets[-1]

    yield make
    for s in sockets:
        s.close()


def monotonic_usec():
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000


def check_protocol(server, notify, master_pid):
    """From READY=1 (already received by the caller) through reload and stop."""
    before = monotonic_usec()
    server.run("reload", *server.common_args(), check=True)
    reloading = notify.until("RELOADING")
    after_signal = monotonic_usec()
    assert [m[1] for m in reloading[:-1]] == [], "nothing between READY=1 and RELOADING=1"
    fields = reloading[-1][1]
    assert fields["RELOADING"] == "1" and fields["STATUS"] == "reloading workers"
    assert before <= int(fields["MONOTONIC_USEC"]) <= after_signal

    during = notify.until("READY")
    assert [m[1]["STATUS"] for m in during[:-1]] == ["reloading workers 1/2", "reloading workers 2/2"]
    assert all("READY" not in m[1] and "RELOADING" not in m[1] for m in during[:-1])
    ready = during[-1][1]
    assert ready["READY"] == "1" and ready["MAINPID"] == str(master_pid)
    assert ready["STATUS"] == f"serving on 127.0.0.1:{server.port}, 2 workers, 1 task workers"

    server.stop()
    stopping = notify.until("STOPPING")
    assert [m[1] for m in stopping[:-1]] == []
    assert stopping[-1][1] == {"STOPPING": "1", "STATUS": "stopping"}
    assert notify.receive(0.5) is None
    # Every datagram came from the master: workers and the CLI never notify.
    assert {m[0] for m in reloading + during + stopping} == {master_pid}


def first_ready(notify, server, master_pid):
    messages = notify.until("READY")
    assert len(messages) == 1, [m[2] for m in messages]
    sender, fields, text = messages[0]
    assert sender == master_pid
    assert set(fields) == {"READY", "STATUS", "MAINPID"}, text
    assert fields["READY"] == "1" and fields["MAINPID"] == str(master_pid)
    assert fields["STATUS"] == f"serving on 127.0.0.1:{server.port}, 2 workers, 1 task workers"
    # READY=1 means serving: the port answers as soon as it is received.
    with server.connect():
        pass


def test_foreground_master_notifies_ready_reload_and_stop(server_factory, notify_socket):
    notify = notify_socket(abstract=False)
    server = server_factory(workers=2, task_workers=1, env={"NOTIFY_SOCKET": notify.address})
    process = subprocess.Popen([BIN, "start", *server.start_args()], env=server.env, cwd=server.dir,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # Under systemd the foreground master is the main process: MAINPID is the pid it started.
        first_ready(notify, server, process.pid)
        assert server.master_pid() == process.pid
        check_protocol(server, notify, process.pid)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_daemonized_master_notifies_with_its_own_pid_on_an_abstract_socket(server_factory, notify_socket):
    notify = notify_socket(abstract=True)
    server = server_factory(workers=2, task_workers=1, env={"NOTIFY_SOCKET": notify.address})
    server.start()  # start -d: the launcher has exited; the master is its grandchild
    master_pid = server.master_pid()
    first_ready(notify, server, master_pid)
    check_protocol(server, notify, master_pid)
    wait_until(lambda: not server.pid_file.exists(), timeout=30, message="pid file removed")


def test_a_notify_socket_nobody_listens_on_does_not_disturb_the_server(server_factory, tmp_path):
    # Notifications are best effort: a vanished systemd socket must not stall or stop the master.
    server = server_factory(workers=1, task_workers=1, env={"NOTIFY_SOCKET": str(tmp_path / "gone.sock")})
    server.start()
    server.run("reload", *server.common_args(), check=True)
    assert server.is_running()
    assert server.stop().returncode == 0
    assert "reload finished" in server.log() and "master stopped" in server.log()
