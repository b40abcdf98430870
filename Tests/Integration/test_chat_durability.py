"""What survives failures: a task worker killed with SIGKILL while 2,000 messages are being sent,
and a server restart (messages, unread counts, tokens, room sequence numbers)."""
import os
import signal
import threading

from chat_fixtures import (  # noqa: F401 - fixtures are found by name
    Eio4Client, assert_message_fields, chat_server, clients, history, make_user, psql_query, receipt, rooms,
    text_payload)
from conftest import wait_until


def test_kill_of_a_task_worker_while_2000_messages_are_sent_loses_nothing(chat_server, clients):
    server = chat_server(workers=2, task_workers=2)
    per_sender, window = 500, 40
    senders = []
    for index, roomid in enumerate((1, 1, 2, 2)):
        user = make_user(server, f"sender{index}")
        client = clients.add(Eio4Client(server, token=user.token, label=f"sender {index} (room {roomid})"))
        client.join(roomid)
        senders.append((index, roomid, client))
    for _, _, client in senders:
        client.wait_for("room", lambda m: len(m) == 2)
    marks = [client.mark() for _, _, client in senders]

    acks = [dict() for _ in senders]  # per sender: text -> ack
    lock = threading.Lock()
    sent = [0]
    halfway = threading.Event()
    failures = []

    def send_all(index, roomid, client):
        slots = threading.Semaphore(window)  # at most `window` messages without a receipt
        for n in range(per_sender):
            if not slots.acquire(timeout=30):
                failures.append(f"sender {index}: no receipt for 30 s after {len(acks[index])} acks")
                return
            text = f"s{index} n{n:04d}"

            def on_ack(*args, text=text):
                with lock:
                    acks[index][text] = receipt(args)
                slots.release()
            client.emit("message", text_payload(roomid, text), callback=on_ack)
            with lock:
                sent[0] += 1
                if sent[0] >= 600:
                    halfway.set()

    threads = [threading.Thread(target=send_all, args=s) for s in senders]
    for t in threads:
        t.start()
    assert halfway.wait(30), "sending did not get going"
    victim = server.task_workers_status()[0]["pid"]
    sent_at_kill = sent[0]
    os.kill(victim, signal.SIGKILL)
    for t in threads:
        t.join(timeout=90)
    assert failures == [], failures
    assert sent_at_kill < 2000, "the kill must happen while messages are still being sent"

    # Every sender got every receipt.
    wait_until(lambda: sum(len(a) for a in acks) == 2000, timeout=60,
               message=f"2000 receipts (have {sum(len(a) for a in acks)})")
    for index, roomid, _ in senders:
        assert set(acks[index]) == {f"s{index} n{n:04d}" for n in range(per_sender)}, f"sender {index}"
    receipts = {text: ack for a in acks for text, ack in a.items()}
    assert [t for t, ack in receipts.items() if ack is None] == [], "acks without a receipt {id, seq}"
    assert len({ack["id"] for ack in receipts.values()}) == 2000, "message ids are unique"

    # The database holds all 2,000, each once, with seq 1..n per room, matching the receipts.
    rows = psql_query(server.db_uri, "SELECT id, room_id, seq, msg FROM messages ORDER BY room_id, seq")
    assert len(rows) == 2000
    assert len({row["msg"] for row in rows}) == 2000, "duplicates in messages"
    for roomid in (1, 2):
        seqs = [row["seq"] for row in rows if row["room_id"] == roomid]
        assert seqs == list(range(1, 1001)), f"room {roomid}: seqs not 1..1000 ({len(seqs)} rows)"
    assert {row["msg"]: (row["id"], row["seq"]) for row in rows} == \
        {text: (ack["id"], ack["seq"]) for text, ack in receipts.items()}

    # Each room member saw each of its room's messages once (broadcast does not depend on storage).
    for (index, roomid, client), mark in zip(senders, marks):
        got = client.recorder.wait_count("message", 1000, since=mark, timeout=30)
        texts = [m["msg"] for m in got]
        assert len(texts) == 1000 and len(set(texts)) == 1000, f"sender {index}"
        assert all(m["roomid"] == roomid for m in got)

    # The killed task worker was replaced.
    wait_until(lambda: (pids := [p["pid"] for p in server.task_workers_status()]) and victim not in pids
               and all(pids), timeout=15, message="task worker respawned")
    assert server.status()["globals"]["taskWorkerRestarts"] == 1


def test_messages_unread_counts_and_tokens_survive_a_restart(chat_server, clients):
    server = chat_server()
    alice, carol = make_user(server, "alice"), make_user(server, "carol")
    a1 = clients.add(Eio4Client(server, token=alice.token, label="alice room1"))
    a2 = clients.add(Eio4Client(server, token=alice.token, label="alice room2"))
    a1.join(1)
    a2.join(2)
    a1.wait_for("room")
    a2.wait_for("room")
    for n in range(3):
        a1.call("message", text_payload(1, f"before restart {n}"))
    a2.call("message", text_payload(2, "room2 before restart"))
    wait_until(lambda: {i: r["unread"] for i, r in rooms(server, carol.token).items()} == {1: 3, 2: 1}, timeout=5,
               message="carol's unread counts before the restart")
    a1.close()
    a2.close()

    result = server.stop()
    assert result.returncode == 0, result.stdout + result.stderr
    server.start()

    # Presence starts empty (F9); unread counts and tokens are where they were.
    listing = rooms(server, carol.token)
    assert {i: r["online"] for i, r in listing.items()} == {1: 0, 2: 0}
    assert {i: r["unread"] for i, r in listing.items()} == {1: 3, 2: 1}
    late = make_user(server, "late")  # registered after the messages: nothing unread
    assert {i: r["unread"] for i, r in rooms(server, late.token).items()} == {1: 0, 2: 0}

    c = clients.add(Eio4Client(server, token=carol.token, label="carol"))
    mark = c.mark()
    c.emit("login", {"name": carol.email, "api_token": carol.token})
    assert c.wait_for("count", since=mark) == {"room1": 3, "room2": 1}
    c.join(1)
    c.wait_for("room")
    wait_until(lambda: rooms(server, carol.token)[1]["unread"] == 0, message="unread reset on join")
    assert c.sync() == {"room1": 0, "room2": 1}

    items = history(server, 1, token=carol.token)["data"]["data"]
    assert [m["msg"] for m in items] == [f"before restart {n}" for n in range(3)]
    for item in items:
        assert_message_fields(item, alice, item["msg"], 1)

    # Sequence numbers go on from the stored ones.
    a3 = clients.add(Eio4Client(server, token=alice.token, label="alice after restart"))
    a3.join(1)
    a3.wait_for("room")
    assert a3.call("message", text_payload(1, "after restart"))["seq"] == 4
    assert psql_query(server.db_uri, "SELECT seq FROM messages WHERE room_id = 1 ORDER BY seq") == \
        [{"seq": 1}, {"seq": 2}, {"seq": 3}, {"seq": 4}]
    # carol is in room1 now: the new message is not unread for her.
    assert c.wait_for("message", lambda m: m.get("msg") == "after restart")
    assert c.sync() == {"room1": 0, "room2": 1}
    assert rooms(server, carol.token)[1]["unread"] == 0


def test_database_outage_queues_messages_then_refuses_clearly(chat_server, clients):
    """PostgreSQL unreachable: accepted messages are delivered at once and wait for storage (no
    receipt yet); past the job queue limit senders get an error event, never a silent drop; when
    the database is back everything accepted is written once, in order, and acknowledged."""
    from chat_fixtures import pg_base_uri, psql_exec

    server = chat_server(workers=1, task_workers=1, args=["--job-queue-limit", "20"])
    alice, bob = make_user(server, "alice"), make_user(server, "bob")
    sender = clients.add(Eio4Client(server, token=alice.token, label="alice"))
    reader = clients.add(Eio4Client(server, token=bob.token, label="bob"))
    sender.join(1)
    reader.join(1)
    sender.wait_for("room", lambda m: len(m) == 2)
    base = pg_base_uri()
    psql_exec(base, f'ALTER DATABASE "{server.db_name}" ALLOW_CONNECTIONS false')
    psql_exec(base, f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{server.db_name}'")
    acks = []
    lock = threading.Lock()
    mark = sender.mark()
    try:
        for n in range(40):
            sender.emit("message", text_payload(1, f"outage {n:02d}"),
                        callback=lambda *args, n=n: (lock.acquire(), acks.append((n, args)), lock.release()))
        refused = sender.wait_count("error", 1, since=mark)
        sender.sync()
        errors = sender.received("error", since=mark)
        assert all(e.get("event") == "message" and e.get("message") for e in errors), errors
        # Every message is either delivered (and queued for storage) or refused with an error event
        # (the reader's client may still be reading what the server already wrote to it).
        wait_until(lambda: len(reader.received("message")) >= 40 - len(errors), timeout=10,
                   message="the reader has every accepted message")
        delivered = [m["msg"] for m in reader.received("message")]
        accepted = len(delivered)
        assert accepted + len(errors) == 40, (accepted, errors)
        assert 0 < accepted <= 20 and refused
        assert delivered == [f"outage {n:02d}" for n in range(accepted)]
        with lock:
            assert [a for a in acks if receipt(a[1])] == [], "no receipt before the message is stored"
    finally:
        psql_exec(base, f'ALTER DATABASE "{server.db_name}" ALLOW_CONNECTIONS true')
    wait_until(lambda: len([a for a in acks if receipt(a[1])]) == accepted, timeout=30,
               message="every accepted message acknowledged once the database is back")
    rows = psql_query(server.db_uri, "SELECT seq, msg FROM messages WHERE room_id = 1 ORDER BY seq")
    assert [r["msg"] for r in rows] == delivered
    assert [r["seq"] for r in rows] == list(range(1, accepted + 1))
    # And the room goes on as usual.
    assert receipt([sender.call("message", text_payload(1, "after the outage"))])["seq"] == accepted + 1
