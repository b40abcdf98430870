"""The HTTP API of the chat room (PROTOCOL.md §3, §7): every answer the page reads is HTTP 200 with an
`errno`; tokens per login; bad input; rooms; history paging; uploads; robot."""
import json

import pytest
import requests

from chat_fixtures import (  # noqa: F401 - fixtures are found by name
    Eio4Client, api_url, assert_message_fields, chat_server, clients, find_secrets, get_json, history, login,
    make_user, png_bytes, post_json, psql_query, psql_scalar, register, rooms, sha256_hex, text_payload,
    unique_email, user_object)
from conftest import wait_until


def raw_post(server, path, data, content_type="application/json"):
    response = requests.post(api_url(server, path), data=data, headers={"Content-Type": content_type}, timeout=15)
    assert response.status_code == 200, f"POST /api{path} {data!r}: HTTP {response.status_code} {response.text[:200]}"
    return response.json()


def assert_failure(answer, key="message"):
    assert isinstance(answer, dict) and answer.get("errno") not in (0, None), answer
    assert isinstance(answer.get(key), str) and answer[key], f"a human-readable {key}: {answer}"
    for leak in ("SQL", "sql", "duplicate key", "violates", "ERROR:", "Exception", "exception", "pq"):
        assert leak not in answer[key], f"error text must not leak internals: {answer}"


def current_user(server, token=None, **kwargs):
    params = {"api_token": token} if token is not None else None
    return get_json(server, "/user", params=params, **kwargs)


# ------------------------------------------------------------------------------------------------
# Accounts and tokens
# ------------------------------------------------------------------------------------------------
def test_register_and_login_answers(chat_server):
    server = chat_server()
    email = unique_email("alice")
    answer = register(server, email, src="//s3.qiufengh.com/avatar/17.jpeg")
    assert answer["errno"] == 0, answer
    user = answer["user"]
    assert user["email"] == email
    assert user["name"] == email.split("@")[0]
    assert user["avatar"] == "//s3.qiufengh.com/avatar/17.jpeg"
    assert isinstance(user["id"], int)
    assert isinstance(user["api_token"], str) and len(user["api_token"]) == 60
    assert "password" not in user and "remember_token" not in user
    assert isinstance(answer.get("message"), str)

    logged = login(server, email)
    assert logged["errno"] == 0, logged
    assert logged["user"]["email"] == email and logged["user"]["id"] == user["id"]
    assert len(logged["user"]["api_token"]) == 60
    assert "password" not in logged["user"]

    rows = psql_query(server.db_uri, f"SELECT id, name, email, avatar FROM users WHERE id = {int(user['id'])}")
    assert rows == [{"id": user["id"], "name": user["name"], "email": email, "avatar": user["avatar"]}]
    stored = json.dumps(psql_query(server.db_uri, "SELECT * FROM users") + psql_query(server.db_uri,
                                                                                       "SELECT * FROM api_tokens"))
    assert user["api_token"] not in stored and logged["user"]["api_token"] not in stored, "tokens are stored hashed"
    assert "secret123" not in stored, "passwords are stored hashed"


def test_email_is_case_insensitive_and_canonical(chat_server):
    server = chat_server()
    email = unique_email("Mixed")
    assert register(server, email)["errno"] == 0
    assert_failure(register(server, email.upper()))  # the same account
    logged = login(server, email.upper())
    assert logged["errno"] == 0, logged
    canonical = logged["user"]["email"]
    assert canonical.lower() == email.lower()
    assert login(server, email)["user"]["email"] == canonical


def test_register_without_or_with_bad_avatar_gets_the_default(chat_server):
    server = chat_server()
    for src in (None, "javascript:alert(1)", "x" * 300, 42):
        body = {"name": unique_email("avatar"), "password": "secret123"}
        if src is not None:
            body["src"] = src
        answer = post_json(server, "/register", body)
        assert answer["errno"] == 0, (src, answer)
        avatar = answer["user"]["avatar"]
        assert isinstance(avatar, str) and avatar and avatar.startswith(("http://", "https://", "//", "/")), avatar
        assert "javascript" not in avatar


def test_two_logins_give_two_tokens_and_logout_revokes_only_the_presented_one(chat_server):
    server = chat_server()
    email = unique_email("tokens")
    registered = register(server, email)["user"]["api_token"]
    first = login(server, email)["user"]["api_token"]
    second = login(server, email)["user"]["api_token"]
    assert len({registered, first, second}) == 3
    for token in (registered, first, second):
        answer = current_user(server, token)
        assert answer["errno"] == 0, answer
        assert user_object(answer)["email"] == email

    # Token in the query, in the JSON body, or as a Bearer header (§3.1).
    answer = post_json(server, "/logout", {"api_token": first})
    assert answer["errno"] == 0, answer
    assert current_user(server, first)["errno"] != 0
    assert current_user(server, second)["errno"] == 0
    assert current_user(server, registered)["errno"] == 0
    again = post_json(server, "/logout", {"api_token": first})
    assert again["errno"] != 0 and isinstance(again.get("message"), str), again

    response = requests.post(api_url(server, "/logout"), headers={"Authorization": f"Bearer {second}"}, timeout=15)
    assert response.status_code == 200 and response.json()["errno"] == 0, response.text
    assert current_user(server, second)["errno"] != 0
    response = requests.post(api_url(server, "/logout") + f"?api_token={registered}", timeout=15)
    assert response.status_code == 200 and response.json()["errno"] == 0, response.text
    assert current_user(server, registered)["errno"] != 0
    # Logging in still works after every token is gone.
    assert login(server, email)["errno"] == 0


def test_user_route_is_owner_only_and_false_or_empty_tokens_never_authenticate(chat_server):
    server = chat_server()
    alice = make_user(server, "alice")
    answer = current_user(server, alice.token)
    assert answer["errno"] == 0
    me = user_object(answer)
    assert me["id"] == alice.id and me["email"] == alice.email and "password" not in me
    for token in ("false", "", "null", "undefined", " ", "0", alice.token[:-1], alice.token + "x", alice.token[::-1]):
        answer = current_user(server, token)
        assert answer["errno"] != 0, (token, answer)
    assert current_user(server)["errno"] != 0
    for header in ("Bearer false", "Bearer ", "Bearer", "Basic Zm9vOmJhcg==", "Bearer " + "a" * 60):
        response = requests.get(api_url(server, "/user"), headers={"Authorization": header}, timeout=15)
        assert response.status_code == 200 and response.json()["errno"] != 0, (header, response.text)
    response = requests.get(api_url(server, "/user"), headers={"Authorization": f"Bearer {alice.token}"}, timeout=15)
    assert response.status_code == 200 and response.json()["errno"] == 0
    assert psql_scalar(server.db_uri, "SELECT count(*) FROM api_tokens") >= 1


def test_wrong_password_and_unknown_account(chat_server):
    server = chat_server()
    email = unique_email("login")
    assert register(server, email, password="right-password")["errno"] == 0
    assert_failure(login(server, email, password="wrong-password"))
    assert_failure(login(server, unique_email("nobody"), password="right-password"))
    assert login(server, email, password="right-password")["errno"] == 0


@pytest.mark.parametrize("path", ["/register", "/login"])
def test_bad_bodies_get_errno_with_a_message(chat_server, path):
    server = chat_server()
    bad = [
        ('{"name": "a@b.c", "password": ', "application/json"),  # malformed JSON
        ("not json at all", "application/json"),
        ("[1, 2, 3]", "application/json"),
        ('"a string"', "application/json"),
        ("null", "application/json"),
        ("{}", "application/json"),
        (json.dumps({"name": unique_email()}), "application/json"),  # no password
        (json.dumps({"password": "secret123"}), "application/json"),  # no name
        (json.dumps({"name": 12345, "password": "secret123"}), "application/json"),
        (json.dumps({"name": unique_email(), "password": ["secret123"]}), "application/json"),
        (json.dumps({"name": unique_email(), "password": None}), "application/json"),
        (json.dumps({"name": {"$ne": 1}, "password": "secret123"}), "application/json"),
        (b'{"name": "\xff\xfe", "password": "secret123"}', "application/json"),  # not UTF-8
    ]
    if path == "/register":
        bad += [
            (json.dumps({"name": "not-an-email", "password": "secret123"}), "application/json"),
            (json.dumps({"name": unique_email(), "password": "12345"}), "application/json"),  # too short
            (json.dumps({"name": "x" * 95 + unique_email(), "password": "secret123"}), "application/json"),  # > 100
            (json.dumps({"name": "", "password": "secret123"}), "application/json"),
        ]
    for body, content_type in bad:
        assert_failure(raw_post(server, path, body, content_type))
    assert psql_scalar(server.db_uri, "SELECT count(*) FROM users") == 0
    # The server is still fine.
    assert make_user(server, "after-bad-input").token


# ------------------------------------------------------------------------------------------------
# Rooms and history
# ------------------------------------------------------------------------------------------------
ROOM_KEYS = ("id", "name", "online", "unread")


def test_room_list_with_online_and_unread(chat_server, clients):
    server = chat_server()
    anonymous = get_json(server, "/rooms")
    assert anonymous["errno"] == 0
    assert [{k: room.get(k) for k in ROOM_KEYS} for room in anonymous["data"]] == \
        [{"id": 1, "name": "room1", "online": 0, "unread": 0}, {"id": 2, "name": "room2", "online": 0, "unread": 0}]
    alice, bob, carol = (make_user(server, p) for p in ("alice", "bob", "carol"))
    a = clients.add(Eio4Client(server, token=alice.token, label="alice"))
    b = clients.add(Eio4Client(server, token=bob.token, label="bob"))
    a.join(2)
    b.join(1)
    a.wait_for("room")
    b.wait_for("room")
    for n in range(3):
        a.call("message", text_payload(2, f"unread {n}"))
    b.call("message", text_payload(1, "from bob"))

    def listing(token):
        return {i: {k: room.get(k) for k in ROOM_KEYS} for i, room in rooms(server, token).items()}
    expected = {1: {"id": 1, "name": "room1", "online": 1, "unread": 1},
                2: {"id": 2, "name": "room2", "online": 1, "unread": 3}}
    wait_until(lambda: listing(carol.token) == expected, timeout=5, message="carol's room list")
    # Own messages are never unread, nor messages of the room one is in (F3).
    unread = {name: {i: r["unread"] for i, r in listing(user.token).items()} for name, user in
              (("alice", alice), ("bob", bob))}
    assert unread == {"alice": {1: 1, 2: 0}, "bob": {1: 0, 2: 3}}
    assert {i: r["unread"] for i, r in listing(None).items()} == {1: 0, 2: 0}
    assert {i: r["unread"] for i, r in listing("false").items()} == {1: 0, 2: 0}


def test_history_pages_newest_first_ascending_inside_with_total_correction(chat_server, clients):
    server = chat_server()
    alice = make_user(server, "alice")
    a = clients.add(Eio4Client(server, token=alice.token, label="alice in room1"))
    a2 = clients.add(Eio4Client(server, token=alice.token, label="alice in room2"))
    a.join(1)
    a2.join(2)
    a.wait_for("room")
    a2.wait_for("room")
    texts = [f"m{n:02d}" for n in range(1, 46)]
    for text in texts:
        a.call("message", text_payload(1, text))
    a2.call("message", text_payload(2, "other room"))

    first = history(server, 1, current=1, total=0, token=alice.token)
    assert first["data"]["errno"] == 0
    assert first["data"]["total"] == 45
    page1 = first["data"]["data"]
    assert [m["msg"] for m in page1] == texts[25:45]  # the newest 20, ascending
    for item in page1:
        assert_message_fields(item, alice, item["msg"], 1)
        assert isinstance(item.get("id"), int)
    assert [m["msg"] for m in history(server, 1, current=2, total=45, token=alice.token)["data"]["data"]] == texts[5:25]
    assert [m["msg"] for m in history(server, 1, current=3, total=45, token=alice.token)["data"]["data"]] == texts[0:5]
    assert history(server, 1, current=4, total=45, token=alice.token)["data"]["data"] == []

    # Three new messages after page 1 was read: page 2 with the old total skips them (snapshot correction).
    for text in ("new1", "new2", "new3"):
        a.call("message", text_payload(1, text))
    second = history(server, 1, current=2, total=45, token=alice.token)["data"]
    assert second["errno"] == 0 and second["total"] == 48
    assert [m["msg"] for m in second["data"]] == texts[5:25]
    # Without a token (the page's reconnect request: no token, no total) history is readable too (F18).
    reconnect = history(server, 1, current=1)["data"]
    assert reconnect["errno"] == 0 and [m["msg"] for m in reconnect["data"]] == (texts + ["new1", "new2", "new3"])[-20:]
    assert [m["msg"] for m in history(server, 2)["data"]["data"]] == ["other room"]
    assert find_secrets(first, [alice.token]) == []


def test_history_bad_input_is_errno_1_with_http_200(chat_server):
    server = chat_server()
    for params in ({"roomid": "3", "current": "1"}, {"roomid": "0", "current": "1"}, {"roomid": "x", "current": "1"},
                   {"roomid": "1", "current": "0"}, {"roomid": "1", "current": "-1"}, {"roomid": "1", "current": "abc"},
                   {"current": "1"}, {"roomid": "", "current": "1"}):
        answer = get_json(server, "/history/message", params=params)
        assert answer == {"data": {"errno": 1}} or answer["data"]["errno"] == 1, (params, answer)
    # Without `current` the first page is a sensible answer too; it must still be HTTP 200 with errno.
    answer = get_json(server, "/history/message", params={"roomid": "1"})
    assert answer["data"]["errno"] in (0, 1)
    empty = get_json(server, "/history/message", params={"roomid": "1", "current": "1"})["data"]
    assert empty["errno"] == 0 and empty["data"] == [] and empty["total"] == 0, empty


# ------------------------------------------------------------------------------------------------
# Uploads
# ------------------------------------------------------------------------------------------------
def upload(server, path, content, token, filename="a.png", mime="image/png", roomid="1"):
    fields = {"api_token": token}
    if roomid is not None:
        fields["roomid"] = roomid
    response = requests.post(api_url(server, path), files={"file": (filename, content, mime)}, data=fields, timeout=30)
    assert response.status_code == 200, f"HTTP {response.status_code}: {response.text[:200]}"
    return response.json()


def test_image_upload(chat_server):
    server = chat_server(args=["--max-image-size", "1m"])
    alice = make_user(server, "alice")
    image = png_bytes(4, 4)
    answer = upload(server, "/file/uploadimg", image, alice.token)
    assert answer["errno"] == 0, answer
    url = answer["data"]["url"]
    assert url == f"/storage/images/messages/{sha256_hex(image)}.png", url
    response = requests.get(server.url(url), timeout=15)
    assert response.status_code == 200 and response.content == image
    assert response.headers["content-type"].split(";")[0].strip() == "image/png"
    # The client appends a thumbnail query; the static handler ignores it.
    assert requests.get(server.url(url + "?imageView2/2/w/360"), timeout=15).content == image

    def stored_copies():
        return [p for p in server.storage_dir.rglob("*") if p.is_file() and p.read_bytes() == image]
    assert [p.name for p in stored_copies()] == [f"{sha256_hex(image)}.png"]
    # The same bytes again land in the same file; the upload inserts no message (F10).
    again = upload(server, "/file/uploadimg", image, alice.token, filename="other.jpg", mime="image/jpeg")
    assert again["errno"] == 0 and again["data"]["url"] == url
    assert len(stored_copies()) == 1
    assert psql_scalar(server.db_uri, "SELECT count(*) FROM messages") == 0

    # A large but allowed image is fine.
    assert upload(server, "/file/uploadimg", png_bytes(padding=600 * 1024), alice.token)["errno"] == 0


def test_bad_uploads_are_refused_with_http_200(chat_server):
    server = chat_server(args=["--max-image-size", "1m"])
    alice = make_user(server, "alice")
    cases = {
        "not an image named .png": (b"hello, this is plain text" * 10, "evil.png", "image/png", alice.token),
        "html named .png": (b"<html><script>alert(1)</script></html>", "x.png", "image/png", alice.token),
        "truncated png signature": (b"\x89PNG\r\n", "x.png", "image/png", alice.token),
        "oversize": (png_bytes(padding=1536 * 1024), "big.png", "image/png", alice.token),
        "empty": (b"", "empty.png", "image/png", alice.token),
        "no token": (png_bytes(), "a.png", "image/png", ""),
        "false token": (png_bytes(), "a.png", "image/png", "false"),
    }
    for label, (content, filename, mime, token) in cases.items():
        answer = upload(server, "/file/uploadimg", content, token, filename=filename, mime=mime)
        assert answer.get("errno") not in (0, None), f"{label}: {answer}"
    response = requests.post(api_url(server, "/file/uploadimg"), data={"api_token": alice.token, "roomid": "1"},
                             timeout=15)
    assert response.status_code == 200 and response.json()["errno"] != 0, "no file part"
    assert [p for p in server.storage_dir.rglob("*") if p.is_file()] == []
    assert psql_scalar(server.db_uri, "SELECT count(*) FROM messages") == 0


def test_avatar_upload_sets_a_loadable_avatar(chat_server):
    server = chat_server()
    alice = make_user(server, "alice")
    image = png_bytes(8, 8)
    # The page sends the cropped PNG named after the original file, with its type (§3.7).
    answer = upload(server, "/file/avatar", image, alice.token, filename="photo.jpg", mime="image/jpeg", roomid=None)
    assert answer["errno"] == 0, answer
    url = answer["data"]["url"]
    assert url.startswith("/storage/"), url
    response = requests.get(server.url(url + "?imageView2/2/w/120/h/120"), timeout=15)
    assert response.status_code == 200 and response.content == image
    assert response.headers["content-type"].startswith("image/png")
    assert login(server, alice.email)["user"]["avatar"] == url
    assert_failure(upload(server, "/file/avatar", b"just some text, not an image", alice.token, roomid=None), key="msg")
    assert login(server, alice.email)["user"]["avatar"] == url


# ------------------------------------------------------------------------------------------------
# Robot
# ------------------------------------------------------------------------------------------------
def test_robot_answers_a_json_string(chat_server):
    server = chat_server()
    alice = make_user(server, "alice")
    answer = get_json(server, "/robot", params={"info": "你好", "id": alice.email, "api_token": alice.token})
    assert isinstance(answer.get("data"), str), answer
    inner = json.loads(answer["data"])
    assert isinstance(inner.get("code"), int) and isinstance(inner.get("text"), str) and inner["text"], inner


def test_history_after_a_seq_gives_what_a_client_missed(chat_server, clients):
    server = chat_server()
    alice = make_user(server, "alice")
    client = clients.add(Eio4Client(server, token=alice.token))
    client.join(1)
    for n in range(5):
        client.call("message", text_payload(1, f"m{n}"))
    answer = get_json(server, "/history/message", params={"roomid": "1", "after": "2"})
    assert answer["data"]["errno"] == 0, answer
    items = answer["data"]["data"]
    assert [item["seq"] for item in items] == [3, 4, 5]
    assert [item["msg"] for item in items] == ["m2", "m3", "m4"]
    assert_message_fields(items[0], alice, "m2", 1)
    assert get_json(server, "/history/message", params={"roomid": "1", "after": "5"})["data"]["data"] == []
    for bad in ({"roomid": "9", "after": "1"}, {"roomid": "1", "after": "-1"}, {"roomid": "1", "after": "x"}):
        assert get_json(server, "/history/message", params=bad)["data"]["errno"] != 0, bad


def test_migrate_applies_each_migration_once(chat_server):
    server = chat_server(start=False)
    first = server.run("migrate", "--database-url", server.db_uri, check=True)
    assert "applied:" in first.stdout
    applied = psql_query(server.db_uri, "SELECT version FROM schema_migrations ORDER BY version")
    assert len(applied) >= 1
    again = server.run("migrate", "--database-url", server.db_uri, check=True)
    assert "up to date" in again.stdout
    assert psql_query(server.db_uri, "SELECT version FROM schema_migrations ORDER BY version") == applied
    # The server then starts on the migrated database, with the configured rooms.
    server.start()
    assert [room["name"] for room in rooms(server).values()] == ["room1", "room2"]
    bad = server.run("migrate", "--database-url", "postgresql:///nope?host=/nonexistent")
    assert bad.returncode == 1 and "migration failed" in bad.stderr
