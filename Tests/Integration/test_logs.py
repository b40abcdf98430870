"""The log: one line per event (time, level, role[pid], event, key=value fields); --log-level; SIGHUP
makes every process (master, workers, task workers) write to a new file at the old path."""
import os
import re
import signal

from conftest import wait_until

LINE = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO|WARN|ERROR) '
                  r'(master|worker#\d+|task#\d+|bootstrap)\[(\d+)\] ("(?:[^"\\]|\\.)*"|\S+)'
                  r'( [a-z_]+=("(?:[^"\\]|\\.)*"|\S*))*$')


def parse(text):
    lines = [line for line in text.splitlines() if line]
    bad = [line for line in lines if not LINE.match(line)]
    assert not bad, f"lines not in the log format: {bad[:5]}"
    return [LINE.match(line) for line in lines]


def bad_request(server):
    with server.connect() as s:
        s.sendall(b"NOT A REQUEST\r\n\r\n")
        assert s.recv(1024).startswith(b"HTTP/1.1 400")


def test_every_process_reopens_the_log_on_sighup(server_factory):
    server = server_factory(workers=2, task_workers=1, args=["--log-level", "debug"]).start()
    bad_request(server)
    wait_until(lambda: "bad request" in server.log(), message="the worker's debug line")
    before = parse(server.log())
    roles = {m.group(2).split("#")[0] for m in before}
    assert {"master", "worker", "task"} <= roles, roles

    rotated = server.log_file.with_suffix(".log.1")
    os.rename(server.log_file, rotated)
    os.kill(server.master_pid(), signal.SIGHUP)
    wait_until(lambda: server.log_file.exists() and "log reopened" in server.log(), message="a new log file")
    task_pid = [p["pid"] for p in server.status()["processes"] if p["role"] == "task"][0]
    bad_request(server)
    # The old task worker's last lines (it stops for the reload) land in the new file too.
    server.run("reload", "--task", *server.common_args(), check=True)
    wait_until(lambda: "bad request" in server.log() and f"task#0[{task_pid}]" in server.log(),
               message="worker and task worker lines in the new file")
    after = parse(server.log())
    assert {m.group(2).split("#")[0] for m in after} >= {"master", "worker", "task"}
    # key=value fields, values quoted when they need it.
    assert any(' status=400 ' in m.group(0) or m.group(0).endswith(' status=400') for m in after)


def test_log_level_hides_what_is_below_it(server_factory):
    quiet = server_factory(workers=1, args=["--log-level", "warn"]).start()
    bad_request(quiet)
    quiet.stop()
    assert quiet.log_file.exists()
    assert "bad request" not in quiet.log()  # the same request the debug server logs below
    levels = {m.group(1) for m in parse(quiet.log())}
    assert levels <= {"WARN", "ERROR"}, levels
    loud = server_factory(workers=1, args=["--log-level", "debug"]).start()
    bad_request(loud)
    wait_until(lambda: "bad request" in loud.log(), message="debug line")
    assert {"DEBUG", "INFO"} <= {m.group(1) for m in parse(loud.log())}
