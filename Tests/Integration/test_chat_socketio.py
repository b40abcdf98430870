"""Socket.IO chat (PROTOCOL.md §4, §5, §7) with real clients of both generations:
python-socketio 5.x (Engine.IO 4) over WebSocket only and over polling-then-upgrade, and
python-socketio 4.6 / python-engineio 3.x (Engine.IO 3, the tutorial page's protocol) through
sio3_client.py, polling-then-upgrade."""
import json

import pytest
import requests
from websockets.sync.client import connect as ws_connect

from chat_fixtures import (  # noqa: F401 - fixtures are found by name
    CLIENT_KINDS, LOGIN_REQUIRED, Eio4Client, assert_message_fields, assert_online_map, chat_server, clients,
    data_url, find_secrets, health, history, make_client, make_user, png_bytes, psql_query, psql_scalar, rooms,
    receipt, sha256_hex, text_payload, wait_rows)
from conftest import wait_until


# ------------------------------------------------------------------------------------------------
# The conversation every client generation must be able to hold
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", CLIENT_KINDS)
def test_two_users_chat_in_room1(chat_server, clients, kind):
    server = chat_server()
    alice, bob, carol = (make_user(server, p) for p in ("alice", "bob", "carol"))
    tokens = [alice.token, bob.token, carol.token]

    # alice authenticates through the handshake query; bob through the CONNECT payload (EIO4) or
    # the api_token inside every event (EIO3, like the tutorial page after an in-page login).
    a = clients.add(make_client(kind, server, token=alice.token, label="alice"))
    b = clients.add(make_client(kind, server, token=None, auth={"token": bob.token}, label="bob"))
    c = clients.add(make_client(kind, server, token=carol.token, label="carol"))

    if kind == "eio4-websocket":
        assert a.transport() == "websocket"
    else:  # polling first, then the upgrade (§4.5)
        wait_until(lambda: a.transport() == "websocket", timeout=10, message="upgrade to websocket")
        wait_until(lambda: b.transport() == "websocket", timeout=10, message="upgrade to websocket")

    # carol stays outside the rooms; `login` without a token (Login.vue) uses the connection's user.
    mark = c.mark()
    c.emit("login", {"name": carol.email})
    assert c.wait_for("count", since=mark) == {"room1": 0, "room2": 0}

    # Both join room1 and see each other in the online map (keyed by user id, no secrets).
    a.join(1)
    assert_online_map(a.wait_for("room", lambda m: str(alice.id) in m), [alice])
    b.emit("login", {"name": bob.email, "api_token": bob.token})
    b.join(1, token=bob.token)
    assert_online_map(a.wait_for("room", lambda m: str(bob.id) in m), [alice, bob])
    assert_online_map(b.wait_for("room", lambda m: str(bob.id) in m), [alice, bob])

    # Messages both ways, each only after the previous one arrived: a causal order both must see.
    a_mark, b_mark = a.mark(), b.mark()
    script = [(a, alice, None, "hello bob 1"), (b, bob, bob.token, "hi alice, 你好 <b>&lt;"),
              (a, alice, None, "hello bob 2"), (b, bob, bob.token, "bye alice")]
    for client, user, token, text in script:
        client.send_text(1, text, token=token)
        for receiver in (a, b):
            receiver.wait_for("message", lambda m, t=text: m.get("msg") == t)
    expected = [text for *_, text in script]
    for receiver in (a, b):
        got = receiver.received("message", since=a_mark if receiver is a else b_mark)
        assert [m["msg"] for m in got] == expected, f"{receiver.recorder.label}: once each, in order"
        for message, (_, user, _, text) in zip(got, script):
            assert_message_fields(message, user, text, 1)
            assert find_secrets(message, tokens) == []

    # carol, outside the room, got `count` with her unread number for room1.
    assert c.wait_for("count", lambda m: m.get("room1") == 4) == {"room1": 4, "room2": 0}
    wait_until(lambda: rooms(server, carol.token)[1]["unread"] == 4, timeout=5, message="unread 4 in the room list")
    assert rooms(server, carol.token)[1]["online"] == 2
    assert c.received("message") == [], "a connection outside the room gets no message events"

    # carol joins: everybody sees three users; her unread count resets.
    c.join(1)
    for client in (a, b, c):
        assert_online_map(client.wait_for("room", lambda m: str(carol.id) in m), [alice, bob, carol])
    wait_until(lambda: rooms(server, carol.token)[1]["unread"] == 0, message="unread reset on join")
    mark = c.mark()
    c.emit("login", {"name": carol.email})
    assert c.wait_for("count", since=mark) == {"room1": 0, "room2": 0}

    # bob leaves with `roomout`: the room (bob included) gets the map without him.
    b.leave(1, token=bob.token)
    assert_online_map(a.wait_for("roomout", lambda m: str(bob.id) not in m), [alice, carol])
    assert_online_map(b.wait_for("roomout", lambda m: str(bob.id) not in m), [alice, carol])
    wait_until(lambda: rooms(server)[1]["online"] == 2, message="two online after roomout")

    # After leaving, bob no longer gets room1's messages.
    b_mark = b.mark()
    a.send_text(1, "after bob left")
    c.wait_for("message", lambda m: m.get("msg") == "after bob left")
    b.sync(token=bob.token)
    assert [m["msg"] for m in b.received("message", since=b_mark)] == []

    rows = wait_rows(server.db_uri, "SELECT msg, user_id, room_id FROM messages ORDER BY seq", 5)
    assert [r["msg"] for r in rows] == expected + ["after bob left"]
    assert [r["user_id"] for r in rows] == [alice.id, bob.id, alice.id, bob.id, alice.id]
    assert {r["room_id"] for r in rows} == {1}


# ------------------------------------------------------------------------------------------------
# Identity (§5.1)
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("how", ["query", "connect-token", "connect-api_token"])
def test_eio4_authentication_paths(chat_server, clients, how):
    server = chat_server()
    user = make_user(server, "auth")
    token = user.token if how == "query" else None
    auth = {"connect-token": {"token": user.token}, "connect-api_token": {"api_token": user.token}}.get(how)
    client = clients.add(Eio4Client(server, token=token, auth=auth))
    client.join(1)  # no api_token key: the connection's identity is used (A2)
    assert_online_map(client.wait_for("room"), [user])
    ack = client.call("message", text_payload(1, f"authenticated by {how}"))
    assert isinstance(ack, dict) and isinstance(ack.get("id"), int) and ack.get("seq") == 1, ack


@pytest.mark.parametrize("query_token,auth", [("false", None), ("", None), (None, {"token": ""}),
                                              (None, {"token": "false"}), (None, {"api_token": None}),
                                              ("x" * 60, None)])
def test_false_empty_and_unknown_tokens_never_authenticate(chat_server, clients, query_token, auth):
    server = chat_server()
    member = make_user(server, "member")
    watcher = clients.add(Eio4Client(server, token=member.token, label="member"))
    watcher.join(1)
    watcher.wait_for("room")

    anonymous = clients.add(Eio4Client(server, token=query_token, auth=auth, label="anonymous"))
    anonymous.join(1)
    assert anonymous.wait_for("login") == LOGIN_REQUIRED
    mark = anonymous.mark()
    anonymous.send_text(1, "from nobody")
    assert anonymous.wait_for("login", since=mark) == LOGIN_REQUIRED
    mark = anonymous.mark()
    anonymous.emit("message", text_payload(1, "token false", token=False))
    anonymous.emit("message", text_payload(1, "token empty", token=""))
    anonymous.emit("message", text_payload(1, "token null") | {"api_token": None})
    answers = anonymous.recorder.wait_count("login", 3, since=mark)
    assert answers == [LOGIN_REQUIRED] * 3

    # Nothing was broadcast or stored; the member's map never had an anonymous entry.
    watcher.sync()
    assert watcher.received("message") == []
    assert psql_scalar(server.db_uri, "SELECT count(*) FROM messages") == 0
    assert all(set(m) == {str(member.id)} for m in watcher.received("room"))
    assert rooms(server)[1]["online"] == 1


def test_invalid_token_in_payload_makes_the_event_unauthenticated(chat_server, clients):
    server = chat_server()
    alice = make_user(server, "alice")
    a = clients.add(Eio4Client(server, token=alice.token))
    a.join(1)
    a.wait_for("room")
    for bad in (False, "", None, "false", "y" * 60):
        mark = a.mark()
        payload = text_payload(1, f"bad token {bad!r}")
        payload["api_token"] = bad
        a.emit("message", payload)
        assert a.wait_for("login", since=mark) == LOGIN_REQUIRED
    # The connection itself is still alice's: without the key the query identity applies again.
    ack = a.call("message", text_payload(1, "good again"))
    assert ack["seq"] == 1
    assert [r["msg"] for r in psql_query(server.db_uri, "SELECT msg FROM messages")] == ["good again"]


def test_payload_token_rebinds_an_anonymous_connection(chat_server, clients):
    """The page's socket is created before an in-page login: the token inside `room`/`message` binds it."""
    server = chat_server()
    alice = make_user(server, "alice")
    client = clients.add(make_client("eio3-polling", server, token="false"))
    client.join(1)
    assert client.wait_for("login") == LOGIN_REQUIRED
    client.join(1, token=alice.token)
    assert_online_map(client.wait_for("room"), [alice])
    client.send_text(1, "now logged in", token=alice.token)
    assert_message_fields(client.wait_for("message"), alice, "now logged in", 1)


# ------------------------------------------------------------------------------------------------
# Receipts (acks), storage, images
# ------------------------------------------------------------------------------------------------
def test_ack_is_the_receipt_of_a_committed_row(chat_server, clients):
    server = chat_server()
    alice = make_user(server, "alice")
    in_room = {1: clients.add(Eio4Client(server, token=alice.token)), 2: clients.add(Eio4Client(server, token=alice.token))}
    for roomid, client in in_room.items():
        client.join(roomid)
        client.wait_for("room")
    seen_ids = set()
    for n, roomid in enumerate([1, 1, 2, 1, 2], start=1):
        text = f"receipt {n}"
        ack = in_room[roomid].call("message", text_payload(roomid, text))
        assert set(ack) >= {"id", "seq"}, ack
        # The ack comes only after the commit: the row is there the moment the ack is.
        row = psql_query(server.db_uri, f"SELECT id, room_id, seq, msg, user_id, type, img FROM messages "
                                        f"WHERE id = {int(ack['id'])}")
        assert row == [{"id": ack["id"], "room_id": roomid, "seq": ack["seq"], "msg": text, "user_id": alice.id,
                        "type": "text", "img": ""}]
        seen_ids.add(ack["id"])
    seqs = psql_query(server.db_uri, "SELECT room_id, seq FROM messages ORDER BY room_id, seq")
    assert seqs == [{"room_id": 1, "seq": 1}, {"room_id": 1, "seq": 2}, {"room_id": 1, "seq": 3},
                    {"room_id": 2, "seq": 1}, {"room_id": 2, "seq": 2}]
    assert len(seen_ids) == 5


def test_sql_looking_message_is_stored_verbatim(chat_server, clients):
    server = chat_server()
    alice = make_user(server, "alice")
    a = clients.add(Eio4Client(server, token=alice.token))
    a.join(1)
    a.wait_for("room")
    texts = ["'); DROP TABLE messages; --", "Robert'); DROP TABLE users;--", "\\x00 $1 %s ' \" ` ;",
             "&lt;script&gt;alert(1)&lt;/script&gt;", "emoji 😀👍 and 中文"]
    for text in texts:
        ack = a.call("message", text_payload(1, text))
        assert_message_fields(a.wait_for("message", lambda m, t=text: m.get("msg") == t), alice, text, 1)
        assert psql_query(server.db_uri, f"SELECT msg FROM messages WHERE id = {int(ack['id'])}") == [{"msg": text}]
    assert psql_scalar(server.db_uri, "SELECT count(*) FROM messages") == len(texts)
    assert psql_scalar(server.db_uri, "SELECT count(*) FROM users") == 1
    items = history(server, 1)["data"]["data"]
    assert [item["msg"] for item in items] == texts


def test_image_message_is_stored_once_by_content_and_broadcast_as_url(chat_server, clients):
    server = chat_server()
    alice, bob = make_user(server, "alice"), make_user(server, "bob")
    a = clients.add(Eio4Client(server, token=alice.token))
    b = clients.add(make_client("eio3-polling", server, token=bob.token))
    for client in (a, b):
        client.join(1)
    b.wait_for("room", lambda m: len(m) == 2)
    image = png_bytes(3, 3)
    url = f"/storage/images/messages/{sha256_hex(image)}.png"
    payload = text_payload(1, "")
    payload["img"] = data_url(image)
    ack = a.call("message", payload)
    for client in (a, b):
        message = client.wait_for("message")
        assert_message_fields(message, alice, "", 1, img=url)
    rows = psql_query(server.db_uri, "SELECT id, msg, img, type FROM messages")
    assert rows == [{"id": ack["id"], "msg": "", "img": url, "type": "image"}]
    response = requests.get(server.url(url + "?imageView2/2/w/360"), timeout=10)
    assert response.status_code == 200 and response.content == image
    assert response.headers["content-type"].startswith("image/png")


# ------------------------------------------------------------------------------------------------
# Bad input
# ------------------------------------------------------------------------------------------------
BAD_MESSAGES = [
    ("unknown room", {"roomid": "3", "msg": "x", "img": ""}),
    ("room not a number", {"roomid": "abc", "msg": "x", "img": ""}),
    ("room null", {"roomid": None, "msg": "x", "img": ""}),
    ("no room", {"msg": "x", "img": ""}),
    ("no text nor image", {"roomid": "1"}),
    ("empty text and image", {"roomid": "1", "msg": "", "img": ""}),
    ("text is a number", {"roomid": "1", "msg": 123, "img": ""}),
    ("text is a list", {"roomid": "1", "msg": ["a"], "img": ""}),
    ("text too long", {"roomid": "1", "msg": "x" * 1001, "img": ""}),
    ("image not a data url nor an uploaded url", {"roomid": "1", "msg": "", "img": "http://evil.example/x.png"}),
    ("image bytes are not an image", {"roomid": "1", "msg": "", "img": "data:image/png;base64,aGVsbG8gd29ybGQ="}),
    ("image base64 broken", {"roomid": "1", "msg": "", "img": "data:image/png;base64,!!!!"}),
    ("payload is a string", "hello"),
    ("payload is a list", [1, 2, 3]),
    ("payload is a number", 42),
    ("payload is null", (None,)),
]


def test_malformed_message_events_get_error_events_and_the_server_keeps_working(chat_server, clients):
    server = chat_server(args=["--max-text-length", "1000"])
    alice, bob = make_user(server, "alice"), make_user(server, "bob")
    a = clients.add(Eio4Client(server, token=alice.token, label="alice"))
    b = clients.add(Eio4Client(server, token=bob.token, label="bob"))
    for client in (a, b):
        client.join(1)
    b.wait_for("room", lambda m: len(m) == 2)

    for label, payload in BAD_MESSAGES:
        mark = a.mark()
        a.emit("message", payload)
        error = a.wait_for("error", since=mark)
        assert isinstance(error, dict), f"{label}: {error!r}"
        assert error.get("event") == "message", f"{label}: {error}"
        assert isinstance(error.get("message"), str) and error["message"], f"{label}: {error}"
    # The same without any argument at all: 42["message"].
    mark = a.mark()
    a.emit("message")
    assert a.wait_for("error", since=mark).get("event") == "message"

    # Nothing was stored or broadcast, and a good message still goes through.
    assert psql_scalar(server.db_uri, "SELECT count(*) FROM messages") == 0
    a.call("message", text_payload(1, "still working"))
    longest = "y" * 1000
    a.call("message", text_payload(1, longest))  # the limit itself is allowed
    b.wait_for("message", lambda m: m.get("msg") == longest)
    assert [m["msg"] for m in b.received("message")] == ["still working", longest]
    assert psql_scalar(server.db_uri, "SELECT count(*) FROM messages") == 2


def test_bad_room_and_other_events_do_not_break_the_connection(chat_server, clients):
    server = chat_server()
    alice, bob = make_user(server, "alice"), make_user(server, "bob")
    a = clients.add(Eio4Client(server, token=alice.token, label="alice"))
    b = clients.add(Eio4Client(server, token=bob.token, label="bob"))
    b.join(1)
    b.wait_for("room")
    # Invalid room ids are refused (an error event or nothing); they never join a room.
    for payload in ({"roomid": "3"}, {"roomid": "0"}, {"roomid": "-1"}, {"roomid": "1.5"}, {"roomid": ["1"]},
                    {"roomid": None}, {}, "room1", 7):
        a.emit("room", payload)
        a.emit("roomout", payload)
    a.emit("login", "not an object")
    a.emit("no-such-event", {"x": 1})
    counts = a.sync()
    assert counts == {"room1": 0, "room2": 0}
    assert [e for e in a.received("error") if e.get("event") not in ("room", "roomout", "login", "no-such-event")] == []
    assert a.received("room") == [] and a.received("message") == []
    assert rooms(server)[1]["online"] == 1
    b.call("message", text_payload(1, "alice is not in room1"))
    a.sync()
    assert a.received("message") == []
    # Alice still works normally.
    a.join(1)
    assert_online_map(a.wait_for("room", lambda m: str(alice.id) in m), [alice, bob])


def eio4_raw(server, token=None):
    """A raw Engine.IO 4 WebSocket session, connected to the namespace: (socket, open packet)."""
    path = "/socket.io/?EIO=4&transport=websocket" + (f"&api_token={token}" if token else "")
    ws = ws_connect(server.ws_url(path), open_timeout=10)
    opened = ws.recv(timeout=10)
    assert opened.startswith("0{"), opened
    ws.send("40")
    connected = ws.recv(timeout=10)
    assert connected.startswith("40{") and "sid" in json.loads(connected[2:]), connected
    return ws, json.loads(opened[1:])


GARBAGE = ['42["message"', "42{}", "42[]", "42[123]", '42"message"', "42[null,{}]", "4", "49", "4x", "9", "",
           '42["message",{"roomid":"1","msg":"\\ud800"}]', "43notanumber[]", "42" + "[" * 5000 + "]" * 5000,
           '42["message",' + '{"a":' * 5000 + "1" + "}" * 5000 + "]", "5", "6", "3probe", "1"]


def test_malformed_socketio_packets_do_not_crash_the_server(chat_server, clients):
    server = chat_server(workers=1)
    alice, bob = make_user(server, "alice"), make_user(server, "bob")
    watcher = clients.add(Eio4Client(server, token=bob.token))
    watcher.join(1)
    watcher.wait_for("room")
    for garbage in GARBAGE:
        ws, _ = eio4_raw(server, token=alice.token)
        try:
            ws.send(garbage)
            ws.send('42["room",{"roomid":"1"}]')
            ws.recv(timeout=0.3)  # the server may answer, close the session or say nothing
        except Exception:  # noqa: BLE001 - TimeoutError or ConnectionClosed are all fine here
            pass
        finally:
            ws.close()
        assert health(server)["status"] == "ok", garbage[:40]
        assert watcher.connected, f"the other client was dropped after {garbage[:40]!r}"
    assert server.status()["globals"].get("workerRestarts", 0) == 0, "a worker died"
    ack = watcher.call("message", text_payload(1, "server still fine"))
    assert isinstance(ack.get("seq"), int) and ack["seq"] >= 1, ack
    assert_message_fields(watcher.wait_for("message", lambda m: m.get("msg") == "server still fine"), bob,
                          "server still fine", 1)
    # Only well-formed packets may have been stored (a lone surrogate may be kept as U+FFFD).
    stored = [row["msg"] for row in psql_query(server.db_uri, "SELECT msg FROM messages ORDER BY seq")]
    assert stored[-1] == "server still fine" and len(stored) <= 2, stored


# ------------------------------------------------------------------------------------------------
# Rate limit
# ------------------------------------------------------------------------------------------------
def test_per_connection_rate_limit(chat_server, clients):
    server = chat_server(message_rate=5)
    alice, bob = make_user(server, "alice"), make_user(server, "bob")
    a = clients.add(Eio4Client(server, token=alice.token, label="alice"))
    b = clients.add(Eio4Client(server, token=bob.token, label="bob"))
    for client in (a, b):
        client.join(1)
    b.wait_for("room", lambda m: len(m) == 2)

    acks = []
    mark = a.mark()

    def on_ack(*args):  # a refused message gets no receipt (an empty ack, or none at all)
        if receipt(args):
            acks.append(receipt(args))
    for n in range(50):
        a.emit("message", text_payload(1, f"burst {n}"), callback=on_ack)
    # Every message is either accepted (ack) or refused (an error event naming the event).
    wait_until(lambda: len(acks) + len(a.received("error", since=mark)) >= 50, timeout=20,
               message="an answer to each of 50 messages")
    errors = a.received("error", since=mark)
    assert len(acks) + len(errors) == 50
    assert errors, "a burst of 50 at --message-rate 5 must be limited"
    assert 5 <= len(acks) <= 30, f"{len(acks)} accepted"
    assert all(e.get("event") == "message" and isinstance(e.get("message"), str) for e in errors), errors[:3]
    stored = psql_query(server.db_uri, "SELECT msg FROM messages ORDER BY seq")
    assert len(stored) == len(acks)
    b.wait_count("message", len(acks))

    # Another connection of the same user is not limited by the first one's bucket, and the
    # first recovers once its bucket refills; the server is up all along.
    other = clients.add(Eio4Client(server, token=alice.token, label="alice 2"))
    other.join(1)
    other.wait_for("room")
    assert other.call("message", text_payload(1, "other connection"))["seq"] == len(acks) + 1

    def accepted_again():
        try:
            answer = a.call("message", text_payload(1, "after the burst"), timeout=2)
            return answer if isinstance(answer, dict) and "seq" in answer else None
        except AssertionError:  # refused again (error event) while the bucket is empty
            return None
    assert wait_until(accepted_again, timeout=15, interval=0.5, message="the bucket refills")["seq"] > len(acks)
    assert health(server)["status"] == "ok"
