"""The master's process management: respawn, reload, log reopening, job re-sending."""
import os
import signal
import threading
import time
import urllib.request

from websockets.sync.client import connect

from conftest import wait_until


def get_health(server):
    with urllib.request.urlopen(server.url("/health"), timeout=5) as response:
        assert response.status == 200
        return response.read()


def test_killed_worker_is_respawned_and_server_keeps_serving(server_factory):
    server = server_factory(workers=2, task_workers=1, args=["--echo"])
    server.start()
    pids = server.worker_pids()
    victim = pids[0]
    os.kill(victim, signal.SIGKILL)
    new_pids = wait_until(lambda: (p := server.worker_pids()) and p[0] not in (0, victim) and p or None,
                          timeout=15, message="respawned worker")
    assert new_pids[1] == pids[1]
    assert f"pid={victim}" in server.log() and "signal=KILL" in server.log()
    assert server.status()["globals"]["workerRestarts"] == 1
    for _ in range(20):
        get_health(server)
    with connect(server.ws_url("/echo"), open_timeout=5) as ws:
        ws.send('{"hello":1}')
        assert ws.recv(timeout=5) == '{"hello":1}'


def test_crash_loop_backs_off(server_factory):
    server = server_factory(workers=1, task_workers=1)
    server.start()
    killed = []
    for _ in range(4):
        pid = wait_until(lambda: (p := server.worker_pids()[0]) not in killed and p > 0 and p or None,
                         timeout=20, message="worker back")
        killed.append(pid)
        os.kill(pid, signal.SIGKILL)
    wait_until(lambda: "respawn delayed" in server.log(), timeout=10, message="back-off in the log")


def test_reload_replaces_every_worker_while_clients_get_answers(server_factory):
    server = server_factory(workers=4, task_workers=1)
    server.start()
    before = server.worker_pids()
    failures, answers = [], [0]
    stop = threading.Event()

    def client_loop():
        while not stop.is_set():
            try:
                get_health(server)
                answers[0] += 1
            except Exception as error:  # noqa: BLE001 - every failure counts
                failures.append(repr(error))

    thread = threading.Thread(target=client_loop)
    thread.start()
    try:
        time.sleep(0.3)
        result = server.run("reload", *server.common_args())
        assert result.returncode == 0, result.stdout + result.stderr + server.log()
        assert "reloaded 4 workers" in result.stdout
        time.sleep(0.3)
    finally:
        stop.set()
        thread.join()
    after = server.worker_pids()
    assert all(pid > 0 for pid in after)
    assert set(before).isdisjoint(after), (before, after)
    assert failures == [], failures[:5]
    assert answers[0] > 20
    assert server.status()["globals"]["reloads"] == 1


def test_reload_task_workers_only(server_factory):
    server = server_factory(workers=2, task_workers=2)
    server.start()
    workers = server.worker_pids()
    tasks = [p["pid"] for p in server.task_workers_status()]
    result = server.run("reload", "--task", *server.common_args())
    assert result.returncode == 0, result.stderr + server.log()
    assert server.worker_pids() == workers
    new_tasks = [p["pid"] for p in server.task_workers_status()]
    assert set(tasks).isdisjoint(new_tasks) and all(new_tasks)


def test_sighup_reopens_the_log_file(server_factory):
    server = server_factory(workers=1)
    server.start()
    rotated = server.log_file.with_suffix(".log.1")
    os.rename(server.log_file, rotated)
    os.kill(server.master_pid(), signal.SIGHUP)
    wait_until(lambda: server.log_file.exists() and "log reopened" in server.log(), timeout=10,
               message="new log file")
    # Workers write to the new file too: a crash of one is logged by the master and its successor logs there.
    os.kill(server.worker_pids()[0], signal.SIGKILL)
    wait_until(lambda: "exited unexpectedly" in server.log(), timeout=10, message="log line in the new file")
