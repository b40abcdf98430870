"""The command line: help, configuration errors, start/stop/restart/status, daemon mode, pid file."""
import json
import os
import signal
import socket
import subprocess
import time
import urllib.request

from conftest import BIN, free_port, wait_until


def run(*args, env=None, cwd=None, timeout=30):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd)


def test_every_verb_has_help():
    top = run("--help")
    assert top.returncode == 0
    for verb in ["start", "stop", "restart", "reload", "status"]:
        assert verb in top.stdout
        result = run(verb, "--help")
        assert result.returncode == 0, result.stderr
        assert f"usage: chatroom {verb}" in result.stdout
    assert "--workers" in run("start", "--help").stdout
    assert "--task" in run("reload", "--help").stdout
    assert "--json" in run("status", "--help").stdout


def test_bad_values_give_one_line_and_exit_2(tmp_path):
    cases = [
        ["start", "--port", "70000"],
        ["start", "--workers", "zero"],
        ["start", "--max-message-size", "lots"],
        ["start", "--frobnicate"],
        ["start", "--host", "example.com"],
        ["launch"],
    ]
    for args in cases:
        result = run(*args, cwd=tmp_path)
        assert result.returncode == 2, (args, result)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("chatroom: "), (args, result.stderr)
    env = dict(os.environ, CHATROOM_PORT="-1")
    result = run("start", env=env, cwd=tmp_path)
    assert result.returncode == 2 and "port" in result.stderr
    (tmp_path / "bad.env").write_text("CHATROOM_WORKRES=4\n")
    result = run("start", "--env-file", str(tmp_path / "bad.env"), cwd=tmp_path)
    assert result.returncode == 2 and "CHATROOM_WORKRES" in result.stderr


def test_flags_override_environment_which_overrides_env_file(tmp_path):
    port_file, port_env, port_flag = free_port(), free_port(), free_port()
    (tmp_path / ".env").write_text(f"# settings\nCHATROOM_PORT={port_file}\nCHATROOM_WORKERS=1\nCHATROOM_TASK_WORKERS=1\n"
                                   f"CHATROOM_STATIC_DIR=\"{tmp_path}\"\nOTHER_APP_SETTING=ignored\n")
    env = dict(os.environ, CHATROOM_PORT=str(port_env))
    pid = str(tmp_path / "c.pid")
    result = run("start", "-d", "--pid-file", pid, "--log-file", str(tmp_path / "c.log"), env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    try:
        status = json.loads(run("status", "--json", "--pid-file", pid, cwd=tmp_path).stdout)
        assert status["listen"].endswith(f":{port_env}")
        assert len([p for p in status["processes"] if p["role"] == "worker"]) == 1
    finally:
        assert run("stop", "--pid-file", pid, cwd=tmp_path).returncode == 0
    result = run("start", "-d", "--pid-file", pid, "--port", str(port_flag), "--log-file", str(tmp_path / "c.log"),
                 env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    try:
        status = json.loads(run("status", "--json", "--pid-file", pid, cwd=tmp_path).stdout)
        assert status["listen"].endswith(f":{port_flag}")
    finally:
        run("stop", "--pid-file", pid, cwd=tmp_path)


def test_daemon_start_status_second_start_and_stop(server_factory):
    server = server_factory(workers=2, task_workers=1)
    started = time.monotonic()
    server.start()
    # -d returns only once the server accepts connections.
    with socket.create_connection(("127.0.0.1", server.port), timeout=2):
        pass
    assert time.monotonic() - started < 30
    assert server.pid_file.exists()
    master = server.master_pid()
    os.kill(master, 0)

    status = server.status()
    assert status["running"] is True and status["master_pid"] == master
    assert len(server.workers_status()) == 2 and all(p["pid"] > 0 for p in server.workers_status())
    assert len(server.task_workers_status()) == 1
    text = server.run("status", *server.common_args())
    assert text.returncode == 0 and f"master pid {master}" in text.stdout and "worker#1" in text.stdout

    second = server.run("start", "-d", *server.start_args())
    assert second.returncode == 1
    assert "already running" in second.stderr and str(master) in second.stderr
    assert server.master_pid() == master

    stopped = server.stop()
    assert stopped.returncode == 0, stopped.stderr
    assert not server.pid_file.exists()
    # The port is free at once: we can bind it.
    with socket.socket() as s:
        s.bind(("127.0.0.1", server.port))
    gone = server.run("status", *server.common_args())
    assert gone.returncode == 1 and "not running" in gone.stdout


def test_start_cleans_up_a_stale_pid_file(server_factory):
    server = server_factory(workers=1)
    server.pid_file.write_text("999999\n")
    server.start()
    assert server.master_pid() != 999999
    assert "stale pid file" in server.log()


def test_start_reports_a_busy_port(server_factory):
    server = server_factory(workers=1)
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", server.port))
        blocker.listen()
        result = server.run("start", "-d", *server.start_args())
    assert result.returncode == 1
    assert "cannot listen" in result.stderr and "in use" in result.stderr
    assert not server.pid_file.exists()


def test_foreground_start_and_sigterm(server_factory):
    server = server_factory(workers=2)
    process = subprocess.Popen([BIN, "start", *server.start_args()], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               cwd=server.dir)
    try:
        wait_until(lambda: server.pid_file.exists() and server.is_running(), timeout=20, message="foreground server")
        assert server.master_pid() == process.pid
        with urllib.request.urlopen(server.url("/health"), timeout=5) as response:
            assert response.status == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        assert not server.pid_file.exists()
        assert "master stopped" in server.log()
    finally:
        if process.poll() is None:
            process.kill()


def test_restart_gives_a_new_master_on_the_same_port(server_factory):
    server = server_factory(workers=1)
    server.start()
    before = server.master_pid()
    result = server.run("restart", "-d", *server.start_args())
    assert result.returncode == 0, result.stderr
    after = server.master_pid()
    assert after != before
    with urllib.request.urlopen(server.url("/health"), timeout=5) as response:
        assert response.status == 200


def test_stop_when_not_running_says_so(tmp_path):
    result = run("stop", "--pid-file", str(tmp_path / "none.pid"), cwd=tmp_path)
    assert result.returncode == 0 and "not running" in result.stdout
    result = run("status", "--pid-file", str(tmp_path / "none.pid"), cwd=tmp_path)
    assert result.returncode == 1 and "not running" in result.stdout
