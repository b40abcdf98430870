"""Rooms across workers: fan-out, presence, disconnect cleanup, several connections per user,
switching rooms, no secrets in room payloads, and the plain-WebSocket protocol at /ws (PROTOCOL.md §5,
§7 F1/F3/F8/F9/F23, §8)."""
import concurrent.futures
import json
import threading

import pytest
from websockets.sync.client import connect as ws_connect

from chat_fixtures import (  # noqa: F401 - fixtures are found by name
    Eio4Client, Sio3Client, assert_message_fields, assert_online_map, chat_server, clients, find_secrets, history,
    make_user, psql_query, receipt, rooms, text_payload, wait_rows)
from conftest import wait_until

WS_REFUSED = {"User offline cannot send message", "离线用户不能发送消息"}


def websocket_connections(server):
    return [p["counters"]["webSocketConnections"] for p in server.workers_status()]


# ------------------------------------------------------------------------------------------------
# Fan-out over workers
# ------------------------------------------------------------------------------------------------
def test_forty_clients_in_two_rooms_on_four_workers(chat_server, clients):
    server = chat_server(workers=4, task_workers=2)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        users = list(pool.map(lambda i: make_user(server, f"fan{i}"), range(40)))
    conns = [clients.add(Eio4Client(server, token=u.token, label=f"client {i}")) for i, u in enumerate(users)]
    per_worker = wait_until(lambda: (c := websocket_connections(server)) and sum(c) >= 40 and c, timeout=10,
                            message="40 WebSocket connections registered")
    assert sum(1 for n in per_worker if n > 0) >= 2, f"connections did not spread over workers: {per_worker}"

    room_of = [1 if i < 20 else 2 for i in range(40)]
    for client, roomid in zip(conns, room_of):
        client.join(roomid)
    for i, client in enumerate(conns):
        members = [u for u, r in zip(users, room_of) if r == room_of[i]]
        assert_online_map(client.wait_for("room", lambda m: len(m) == 20, timeout=20), members)
    marks = [c.mark() for c in conns]
    wait_until(lambda: rooms(server)[1]["online"] == 20 and rooms(server)[2]["online"] == 20,
               message="20 online in each room")

    # Five senders per room, ten messages each, all at once; acks are collected as they come.
    senders = [0, 5, 10, 15, 19, 20, 25, 30, 35, 39]
    acks, lock = {}, threading.Lock()

    def send_all(index):
        client = conns[index]
        for n in range(10):
            text = f"room{room_of[index]} sender{index} n{n}"

            def on_ack(*args, text=text):
                with lock:
                    acks[text] = receipt(args)
            client.emit("message", text_payload(room_of[index], text), callback=on_ack)

    threads = [threading.Thread(target=send_all, args=(i,)) for i in senders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expected = {r: {f"room{r} sender{i} n{n}" for i in senders if room_of[i] == r for n in range(10)} for r in (1, 2)}
    assert len(expected[1]) == len(expected[2]) == 50

    for i, client in enumerate(conns):
        client.recorder.wait_count("message", 50, since=marks[i], timeout=30)
    for client in conns:
        client.sync()  # anything still in flight to this connection has arrived
    for i, client in enumerate(conns):
        got = client.received("message", since=marks[i])
        texts = [m["msg"] for m in got]
        assert len(texts) == 50 and set(texts) == expected[room_of[i]], \
            f"client {i} (room {room_of[i]}): {len(texts)} messages, {len(set(texts))} distinct, " \
            f"foreign: {[t for t in texts if t not in expected[room_of[i]]][:3]}"
        assert all(m["roomid"] == room_of[i] for m in got)
        for sender in senders:  # each sender's messages in the order sent
            mine = [int(t.rsplit("n", 1)[1]) for t in texts if f" sender{sender} " in t]
            assert mine == sorted(mine), f"client {i}: sender {sender} out of order: {mine}"

    wait_until(lambda: len(acks) == 100, timeout=30, message="100 acks")
    assert [t for t, ack in acks.items() if ack is None] == [], "acks without a receipt {id, seq}"
    rows = psql_query(server.db_uri, "SELECT id, room_id, seq, msg FROM messages ORDER BY room_id, seq")
    assert len(rows) == 100
    for r in (1, 2):
        mine = [row for row in rows if row["room_id"] == r]
        assert [row["seq"] for row in mine] == list(range(1, 51)), f"room {r} seqs"
        assert sorted(row["msg"] for row in mine) == sorted(expected[r]), f"room {r} messages, each once"
    assert {row["msg"]: (row["id"], row["seq"]) for row in rows} == \
        {text: (ack["id"], ack["seq"]) for text, ack in acks.items()}


# ------------------------------------------------------------------------------------------------
# Presence
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("how", ["eio4-tcp-drop", "eio4-disconnect", "eio3-sigkill"])
def test_disconnect_without_roomout_removes_the_user(chat_server, clients, how):
    server = chat_server()
    alice, bob = make_user(server, "alice"), make_user(server, "bob")
    a = clients.add(Eio4Client(server, token=alice.token, label="alice"))
    if how.startswith("eio3"):
        b = clients.add(Sio3Client(server, token=bob.token, label="bob"))
    else:
        b = clients.add(Eio4Client(server, token=bob.token, label="bob"))
    a.join(1)
    b.join(1)
    a.wait_for("room", lambda m: len(m) == 2)
    b.wait_for("room", lambda m: len(m) == 2)
    assert rooms(server)[1]["online"] == 2
    mark = a.mark()

    if how == "eio4-tcp-drop":
        b.drop()
    elif how == "eio4-disconnect":
        b.sio.disconnect()
    else:
        b.kill()

    assert_online_map(a.wait_for("roomout", since=mark), [alice])
    wait_until(lambda: rooms(server)[1]["online"] == 1, message="bob gone from the online count")
    # A new connection of bob is welcome again.
    b2 = clients.add(Eio4Client(server, token=bob.token, label="bob again"))
    b2.join(1)
    assert_online_map(a.wait_for("room", lambda m: len(m) == 2, since=mark), [alice, bob])


def test_several_connections_per_user(chat_server, clients):
    server = chat_server(workers=2)
    alice, bob, carol = (make_user(server, p) for p in ("alice", "bob", "carol"))
    a = clients.add(Eio4Client(server, token=alice.token, label="alice"))
    b1 = clients.add(Eio4Client(server, token=bob.token, label="bob 1"))
    b2 = clients.add(Sio3Client(server, token=bob.token, label="bob 2"))
    c1 = clients.add(Eio4Client(server, token=carol.token, label="carol 1"))
    c2 = clients.add(Sio3Client(server, token=carol.token, label="carol 2"))
    for client in (a, b1, b2):
        client.join(1)
    online = a.wait_for("room", lambda m: str(bob.id) in m)
    assert_online_map(online, [alice, bob])  # one entry for bob, however many connections
    b2.wait_for("room", lambda m: len(m) == 2)
    wait_until(lambda: rooms(server)[1]["online"] == 2, message="two users online")
    a.sync()
    with_bob = a.mark()  # from here on, every map alice gets must still hold bob

    # `count` goes to all of carol's connections.
    a.call("message", text_payload(1, "for everyone"))
    for client in (c1, c2):
        assert client.wait_for("count", lambda m: m.get("room1") == 1) == {"room1": 1, "room2": 0}
    for client in (a, b1, b2):
        client.wait_for("message", lambda m: m.get("msg") == "for everyone")

    # Closing one of bob's connections keeps bob in the room.
    connections_before = sum(websocket_connections(server))
    b1.close()
    wait_until(lambda: sum(websocket_connections(server)) == connections_before - 1,
               message="the server saw bob's first connection close")
    a.call("message", text_payload(1, "bob still here?"))
    b2.wait_for("message", lambda m: m.get("msg") == "bob still here?")
    a.sync()
    assert rooms(server)[1]["online"] == 2
    left = [m for m in a.received("roomout", since=with_bob) + a.received("room", since=with_bob)
            if str(bob.id) not in m]
    assert left == [], f"bob was announced gone while he still has a connection: {left}"

    # Closing the last one removes him.
    mark = a.mark()
    b2.close()
    assert_online_map(a.wait_for("roomout", since=mark), [alice])
    wait_until(lambda: rooms(server)[1]["online"] == 1, message="bob gone")


def test_unread_counts_of_a_burst_are_exact(chat_server, clients):
    """Under load a worker counts a turn's messages as unread together (PendingUnread): a burst from
    three senders on two workers counts every message once for a user elsewhere, none of a sender's
    own for that sender's other connection, and joining resets the count."""
    server = chat_server(workers=2)
    users = [make_user(server, f"burst{i}") for i in range(3)]
    watcher = make_user(server, "watcher")
    senders = [clients.add(Eio4Client(server, token=u.token, label=f"sender {i}")) for i, u in enumerate(users)]
    # The first sender also sits in room 2 with a second connection: its own messages are not unread.
    own = clients.add(Sio3Client(server, token=users[0].token, label="sender 0 elsewhere"))
    w = clients.add(Eio4Client(server, token=watcher.token, label="watcher"))
    for client in senders:
        client.join(1)
    own.join(2)
    w.join(2)
    w.wait_for("room")
    own.wait_for("room")
    wait_until(lambda: rooms(server)[1]["online"] == 3 and rooms(server)[2]["online"] == 2,
               message="three users in room 1, two in room 2")
    mark, own_mark = w.mark(), own.mark()

    acks, lock = [], threading.Lock()

    def on_ack(*args):
        with lock:
            acks.append(receipt(args))

    def burst(client, index):
        for n in range(40):
            client.emit("message", text_payload(1, f"burst {index}.{n}"), callback=on_ack)
    threads = [threading.Thread(target=burst, args=(c, i)) for i, c in enumerate(senders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wait_until(lambda: len(acks) == 120, timeout=20, message="120 receipts")
    assert all(a is not None for a in acks)

    # The watcher counts all 120; the first sender's other connection is in room 1 by its user,
    # so nothing there is unread for it.
    assert w.wait_for("count", lambda m: m.get("room1") == 120, since=mark, timeout=10) == {"room1": 120, "room2": 0}
    w.sync()
    assert max(m.get("room1", 0) for m in w.received("count", since=mark)) == 120
    own.sync()
    assert all(m.get("room1", 0) == 0 for m in own.received("count", since=own_mark))
    assert {i: r["unread"] for i, r in rooms(server, watcher.token).items()} == {1: 120, 2: 0}

    # Joining room 1 reads it; back in room 2, the next message counts one again.
    w.join(1)
    w.wait_for("room", lambda m: str(watcher.id) in m, since=mark)
    mark = w.mark()
    w.join(2)
    w.wait_for("room", lambda m: str(watcher.id) in m, since=mark)
    senders[1].call("message", text_payload(1, "one more"))
    assert w.wait_for("count", lambda m: m.get("room1") == 1, since=mark, timeout=10) == {"room1": 1, "room2": 0}


def test_a_join_sends_count_to_the_joiner_only(chat_server, clients):
    """A user's other connections already in the room get no `count` when one more joins (nothing of
    theirs changed; with many connections per user each join would otherwise cost one per connection)."""
    def barrier(client):
        # An unknown event is answered with an `error` event: everything sent before it has arrived.
        mark = client.mark()
        client.emit("barrier", {})
        client.wait_for("error", lambda e: e.get("event") == "barrier", since=mark)

    server = chat_server(workers=1)
    alice = make_user(server, "tabs")
    first, second = (clients.add(Eio4Client(server, token=alice.token, label=f"tab {i}")) for i in (1, 2))
    first.join(1)
    first.wait_for("room")
    first.sync()  # its counts are loaded (a count answers only then): it could be told of the join
    barrier(first)
    mark = first.mark()
    second.join(1)
    second.wait_for("room")
    assert second.sync() == {"room1": 0, "room2": 0}
    barrier(first)
    assert first.received("count", since=mark) == []


def test_joining_another_room_leaves_the_first(chat_server, clients):
    server = chat_server()
    alice, bob = make_user(server, "alice"), make_user(server, "bob")
    a = clients.add(Eio4Client(server, token=alice.token, label="alice"))
    b = clients.add(Eio4Client(server, token=bob.token, label="bob"))
    a.join(1)
    b.join(1)
    a.wait_for("room", lambda m: len(m) == 2)
    b.wait_for("room", lambda m: len(m) == 2)
    mark_a, mark_b = a.mark(), b.mark()
    b.join(2)  # no roomout first, like the browser's back button (F23)
    assert_online_map(a.wait_for("roomout", since=mark_a), [alice])
    assert_online_map(b.wait_for("room", since=mark_b), [bob])  # the map of room2
    wait_until(lambda: (r := rooms(server))[1]["online"] == 1 and r[2]["online"] == 1, message="one in each room")

    a.call("message", text_payload(1, "room1 only"))
    b.call("message", text_payload(2, "room2 only"))
    a.wait_for("message", lambda m: m.get("msg") == "room1 only")
    b.wait_for("message", lambda m: m.get("msg") == "room2 only")
    a.sync()
    b.sync()
    assert [m["msg"] for m in a.received("message", since=mark_a)] == ["room1 only"]
    assert [m["msg"] for m in b.received("message", since=mark_b)] == ["room2 only"]


def test_room_payloads_never_carry_tokens_or_emails(chat_server, clients):
    server = chat_server()
    alice, bob, carol = (make_user(server, p) for p in ("alice", "bob", "carol"))
    tokens = [alice.token, bob.token, carol.token]
    a = clients.add(Eio4Client(server, token=alice.token, label="alice"))
    b = clients.add(Sio3Client(server, token=bob.token, label="bob"))
    c = clients.add(Eio4Client(server, token=carol.token, label="carol"))
    for client in (a, b, c):
        client.join(1)
    a.wait_for("room", lambda m: len(m) == 3)
    a.call("message", text_payload(1, "hello"))
    c.leave(1)
    a.wait_for("roomout", lambda m: len(m) == 2)
    c.join(2)
    c.wait_for("room", lambda m: str(carol.id) in m)
    b.emit("roomout", {"roomid": "1", "api_token": bob.token})
    a.wait_for("roomout", lambda m: str(bob.id) not in m)

    for client in (a, b, c):
        for event, data in client.recorder.events:
            assert find_secrets(data, tokens) == [], f"{client.recorder.label} {event}: {data}"
            if event in ("room", "roomout"):
                text = json.dumps(data, ensure_ascii=False)
                for user in (alice, bob, carol):
                    assert user.email not in text, f"{event} payload reveals an email: {data}"
                for value in data.values():
                    assert set(value) <= {"id", "name", "avatar", "src"}, value
    listing = json.dumps(rooms(server, alice.token), ensure_ascii=False)
    assert not any(t in listing for t in tokens)
    page = history(server, 1, token=alice.token)
    assert find_secrets(page["data"]["data"], tokens) == []


# ------------------------------------------------------------------------------------------------
# /ws (PROTOCOL.md §8)
# ------------------------------------------------------------------------------------------------
def ws_frame(user, content, room_id=1, token=None):
    frame = {"name": user.name, "content": content, "avatar": user["avatar"], "room_id": room_id, "type": "text"}
    if token is not None:
        frame["token"] = token
    return frame


def test_ws_frame_with_token_is_stored_and_broadcast(chat_server, clients):
    server = chat_server(workers=2)
    alice, bob, carol = (make_user(server, p) for p in ("alice", "bob", "carol"))
    in_room1 = clients.add(Eio4Client(server, token=bob.token, label="bob in room1"))
    in_room2 = clients.add(Eio4Client(server, token=carol.token, label="carol in room2"))
    in_room1.join(1)
    in_room2.join(2)
    in_room1.wait_for("room")
    in_room2.wait_for("room")
    mark2 = in_room2.mark()
    sockets = [ws_connect(server.ws_url("/ws"), open_timeout=10) for _ in range(4)]
    try:
        frame = ws_frame(alice, "hello over /ws", token=alice.token)
        sockets[0].send(json.dumps(frame))
        without_token = {k: v for k, v in frame.items() if k != "token"}
        for ws in sockets:  # every /ws connection, the sender included
            got = json.loads(ws.recv(timeout=10))
            assert "token" not in got, got
            assert {k: got.get(k) for k in without_token} == without_token, got
        message = in_room1.wait_for("message", lambda m: m.get("msg") == "hello over /ws")
        assert_message_fields(message, alice, "hello over /ws", 1)  # identity from the token, not `name`
        rows = wait_rows(server.db_uri, "SELECT room_id, user_id, msg, img FROM messages", 1)
        assert rows == [{"room_id": 1, "user_id": alice.id, "msg": "hello over /ws", "img": ""}]
        in_room2.sync()
        assert in_room2.received("message", since=mark2) == []
    finally:
        for ws in sockets:
            ws.close()


@pytest.mark.parametrize("token", [None, "", "false", "z" * 60])
def test_ws_frame_without_valid_token_goes_back_to_the_sender_only(chat_server, clients, token):
    server = chat_server()
    alice, bob = make_user(server, "alice"), make_user(server, "bob")
    member = clients.add(Eio4Client(server, token=bob.token))
    member.join(1)
    member.wait_for("room")
    sender = ws_connect(server.ws_url("/ws"), open_timeout=10)
    other = ws_connect(server.ws_url("/ws"), open_timeout=10)
    try:
        sender.send(json.dumps(ws_frame(alice, "not allowed", token=token)))
        assert sender.recv(timeout=10) in WS_REFUSED
        # The other connection's next frame is the valid one sent afterwards: the refused one never came.
        sender.send(json.dumps(ws_frame(alice, "allowed", token=alice.token)))
        assert json.loads(other.recv(timeout=10))["content"] == "allowed"
        assert json.loads(sender.recv(timeout=10))["content"] == "allowed"
        member.wait_for("message", lambda m: m.get("msg") == "allowed")
        assert [m["msg"] for m in member.received("message")] == ["allowed"]
        rows = wait_rows(server.db_uri, "SELECT msg FROM messages", 1)
        assert rows == [{"msg": "allowed"}]
    finally:
        sender.close()
        other.close()
