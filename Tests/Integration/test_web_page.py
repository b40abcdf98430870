"""The web page (public/) in real headless Chromium against the real server and PostgreSQL.

Each step leaves a screenshot in test-output/screenshots/<test>/NN-step.png; every test fails on any
SEVERE entry of any browser's JavaScript console."""
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from chat_fixtures import Eio4Client, chat_server, clients, register, text_payload, unique_email  # noqa: F401
from web_fixtures import browsers, page_server, picture_png, tcp_proxy, write_file  # noqa: F401

PASSWORD = "secret123"
XSS = "<img src=x onerror=alert(1)>"


def sign_up(browser, email, password=PASSWORD, label=None):
    """Registers through the page's own form and waits for the room list."""
    browser.open("/#/register")
    form = browser.wait_visible("register-form")
    browser.find("auth-email", form).send_keys(email)
    browser.find("auth-password", form).send_keys(password)
    browser.find("auth-submit", form).click()
    browser.wait(lambda b: b.find('room-item').is_displayed(), "the room list after signing up")
    browser.wait(lambda b: b.connection_state() == "connected", "the socket to connect")
    if label:
        browser.screenshot(label)


def enter_room(browser, room_id="1"):
    browser.driver.find_element(By.CSS_SELECTOR, f'[data-testid="room-item"][data-room-id="{room_id}"]').click()
    browser.wait(lambda b: b.find("room-view").get_attribute("data-room-id") == room_id, f"room {room_id} to open")
    browser.wait(lambda b: b.find("history-state").get_attribute("data-state") in ("start", "more"), "the history to load")


def type_and_send(browser, *lines):
    """Types the lines with Shift+Enter between them, then Enter sends."""
    box = browser.find("composer-input")
    for index, line in enumerate(lines):
        if index:
            box.send_keys(Keys.SHIFT, Keys.ENTER)
        box.send_keys(line)
    box.send_keys(Keys.ENTER)


def texts(browser):
    return [m["text"] for m in browser.messages()]


def wait_text(browser, text, what=None):
    return browser.wait(lambda b: next((m for m in b.messages() if m["text"] == text), None),
                        what or f"the message {text!r}")


def test_two_users_chat_with_images_presence_and_unread(page_server, browsers, tmp_path):
    server = page_server(args=["--max-image-size", "300k"])
    alice = browsers("alice", server.url())
    bob = browsers("bob", server.url(), phone=True)
    carol = browsers("carol", server.url())
    alice_email, bob_email, carol_email = (unique_email(n) for n in ("alice", "bob", "carol"))
    alice_name, bob_name = alice_email.split("@")[0], bob_email.split("@")[0]

    # Logged out, the page shows the login form.
    alice.open("/")
    alice.wait_visible("login-form")
    alice.screenshot("alice login form")
    alice.find("goto-register").click()
    alice.wait_visible("register-form")

    sign_up(alice, alice_email, label="alice signed up room list")
    sign_up(bob, bob_email, label="bob signed up room list phone")
    sign_up(carol, carol_email, label="carol signed up room list")
    session = alice.local_session()
    assert session["email"] == alice_email and len(session["token"]) >= 32, session
    assert carol.room_badge("1") == (False, 0)

    # Both join room1 and see each other online.
    enter_room(alice)
    enter_room(bob)
    for browser, other in ((alice, bob_name), (bob, alice_name)):
        browser.wait(lambda b: b.online_count() == 2, f"{browser.name}: 2 online")
        browser.wait(lambda b: b.online_names() == sorted([alice_name, bob_name]), f"{browser.name}: both avatars")
    alice.screenshot("alice in room1 sees bob online")
    bob.screenshot("bob in room1 sees alice online phone")
    carol.wait(lambda b: b.find("room-item").find_element(By.CSS_SELECTOR, '[data-testid="room-online"]')
               .get_attribute("data-count") in ("1", "2"), "carol's list to show people online", timeout=20)

    # Alice → Bob, with a link; Bob → Alice, two lines with Shift+Enter.
    hello = "Hello Bob! The docs are at https://example.com/docs?page=1."
    type_and_send(alice, hello)
    seen = wait_text(bob, hello, "bob to receive alice's message")
    assert not seen["own"] and seen["author"] == alice_name
    assert seen["links"] == [{"href": "https://example.com/docs?page=1", "rel": "noopener noreferrer",
                              "text": "https://example.com/docs?page=1"}], seen["links"]
    mine = wait_text(alice, hello)
    assert mine["own"]
    bob.screenshot("bob receives alice's message with a link")

    type_and_send(bob, "Hi Alice!", "Second line, after Shift+Enter.")
    reply = wait_text(alice, "Hi Alice!\nSecond line, after Shift+Enter.", "alice to receive bob's two lines")
    assert not reply["own"]
    # Own messages on the right, others' on the left.
    mine = wait_text(alice, hello)
    width = alice.script("return document.querySelector('[data-testid=message-list]').getBoundingClientRect()")
    assert mine["bubbleRight"] > width["left"] + width["width"] * 0.75, (mine, width)
    assert reply["bubbleLeft"] < width["left"] + width["width"] * 0.25, (reply, width)
    assert alice.find("composer-input").get_attribute("value") == ""
    alice.screenshot("alice sees bob's reply on the left")

    # Carol, outside the room, sees the unread count rise live.
    # Carol, outside the room, sees the unread count rise live (and who is there).
    carol.wait(lambda b: b.room_badge("1") == (True, 2), "carol's room1 badge to show 2")
    carol.wait(lambda b: b.find("room-online").get_attribute("data-count") == "2", "carol's list: 2 online in room1")
    carol.screenshot("carol sees 2 unread in room1")

    # Alice sends images: picked with the file input, pasted, dropped. Bob sees each one.
    def loaded_images(browser):
        return [image for m in browser.messages() for image in m["images"] if image["loaded"]]

    alice.find("image-input").send_keys(write_file(tmp_path, "picture.png", picture_png()))
    image = bob.wait(lambda b: (loaded_images(b) or [None])[0], "bob to see alice's picked image")
    assert "/storage/images/messages/" in image["src"] and image["width"] == 160, image
    alice.paste_image(picture_png(120, 90))
    alice.drop_image(picture_png(90, 120))
    bob.wait(lambda b: [i["width"] for i in loaded_images(b)] == [160, 120, 90], "bob to see the pasted and dropped images")
    alice.wait(lambda b: sum(1 for m in b.messages() if m["own"] and m["images"]) == 3, "alice to see her 3 images")
    alice.wait(lambda b: not b.find("upload-progress").is_displayed(), "the upload indicator to go away")
    bob.screenshot("bob sees alice's picked pasted and dropped images")

    # An upload shows its progress; the server's errors (too large, not an image) are shown.
    alice.throttle_uploads(200 * 1024)
    alice.find("image-input").send_keys(write_file(tmp_path, "large.png", picture_png(padding=400 * 1024)))
    alice.wait(lambda b: b.find("upload-progress").is_displayed() and "%" in b.find("upload-label").text,
               "the upload progress")
    alice.screenshot("alice sees the upload progress")
    error = alice.wait(lambda b: b.find("room-error").is_displayed() and b.find("room-error-text").text, "the size error")
    assert "too large" in error, error
    alice.throttle_uploads(None)
    alice.screenshot("alice sees the server's image too large error")
    alice.find("image-input").send_keys(write_file(tmp_path, "notes.png", b"this is not a picture at all"))
    alice.wait(lambda b: "not an image" in b.find("room-error-text").text, "the type error")

    # HTML in a message is text.
    type_and_send(bob, XSS)
    shown = wait_text(alice, XSS, "alice to see the HTML as text")
    assert shown["elements"] == [] and "&lt;img" in shown["html"], shown
    assert alice.script("return document.querySelectorAll('[data-testid=message-list] img[src=\"x\"]').length") == 0
    alice.assert_no_alert()
    bob.assert_no_alert()
    alice.screenshot("alice sees the html message as text")

    carol.wait(lambda b: b.room_badge("1") == (True, 6), "carol's room1 badge to show 6")
    carol.screenshot("carol sees 6 unread in room1")

    # Bob leaves; Alice sees the online count drop.
    bob.find("leave-room").click()
    bob.wait(lambda b: b.find("rooms-view").is_displayed(), "bob back on the room list")
    alice.wait(lambda b: b.online_count() == 1 and b.online_names() == [alice_name], "alice to see 1 online")
    alice.screenshot("alice sees the online count drop to 1")
    bob.screenshot("bob back on the room list phone")

    # Carol opens room1: the badge resets and she sees the conversation, in order, once.
    enter_room(carol)
    carol.wait(lambda b: b.room_badge("1") == (False, 0), "carol's room1 badge to reset")
    carol.wait(lambda b: len(b.messages()) == 6, "carol to see the 6 messages")
    shown = carol.messages()
    assert [m["seq"] for m in shown] == sorted({m["seq"] for m in shown})
    assert [m["text"] for m in shown] == [hello, "Hi Alice!\nSecond line, after Shift+Enter.", "", "", "", XSS]
    assert all(m["images"] for m in shown[2:5]) and not any(m["own"] for m in shown)
    carol.wait(lambda b: b.online_count() == 2, "carol to see alice and herself online")
    carol.screenshot("carol opened room1 badge reset history shown")
    alice.wait(lambda b: b.online_count() == 2, "alice to see carol arrive")

    for browser in (alice, bob, carol):
        browser.assert_no_alert()
    browsers.all.assert_no_console_errors()


def test_history_loads_older_pages_without_jumps(page_server, browsers, clients):
    server = page_server()
    sender = register(server, unique_email("seed"), src=None)["user"]
    client = clients.add(Eio4Client(server, token=sender["api_token"]))
    client.emit("room", {"roomid": "1", "api_token": sender["api_token"]})
    for index in range(1, 46):
        client.call("message", text_payload(1, f"history message {index:02d}", sender["api_token"]))

    reader = browsers("reader", server.url())
    sign_up(reader, unique_email("reader"))
    enter_room(reader)
    # The newest page, scrolled to the end.
    reader.wait(lambda b: len(b.messages()) >= 20, "the first page")
    assert texts(reader)[-1] == "history message 45"
    at_end = reader.script("const s = document.querySelector('[data-testid=message-list]');"
                           "return s.scrollHeight - s.scrollTop - s.clientHeight")
    assert at_end < 5, at_end
    reader.screenshot("reader sees the newest page at the end")

    def scroll_to_top_and_check():
        before = reader.messages()
        first_seq = before[0]["seq"]
        top_before = reader.script(
            "const s = document.querySelector('[data-testid=message-list]');"
            "const li = s.querySelector('[data-seq=\"' + arguments[0] + '\"]');"
            "s.scrollTop = 0; return li.getBoundingClientRect().top", first_seq)
        reader.wait(lambda b: len(b.messages()) > len(before), "an older page")
        top_after = reader.script(
            "return document.querySelector('[data-testid=message-list] [data-seq=\"' + arguments[0] + '\"]')"
            ".getBoundingClientRect().top", first_seq)
        # The message that was at the top stays where it was: the older page went above it.
        assert abs(top_after - top_before) < 3, (top_before, top_after)

    scroll_to_top_and_check()
    reader.screenshot("reader scrolled up older page loaded in place")
    scroll_to_top_and_check()
    reader.wait(lambda b: b.find("history-state").get_attribute("data-state") == "start", "the beginning")
    shown = reader.messages()
    assert [m["text"] for m in shown] == [f"history message {i:02d}" for i in range(1, 46)]
    assert len({m["seq"] for m in shown}) == 45
    reader.script("document.querySelector('[data-testid=message-list]').scrollTop = 0")
    reader.screenshot("reader reached the beginning of the conversation")
    browsers.all.assert_no_console_errors()


def test_reconnect_shows_state_and_fetches_missed_messages_once(page_server, browsers, clients, tcp_proxy):
    server = page_server()
    proxy = tcp_proxy(server.port)
    other = register(server, unique_email("other"), src=None)["user"]
    client = clients.add(Eio4Client(server, token=other["api_token"]))
    client.emit("room", {"roomid": "1", "api_token": other["api_token"]})
    client.call("message", text_payload(1, "before the cut", other["api_token"]))

    page = browsers("page", proxy.url())
    sign_up(page, unique_email("page"))
    enter_room(page)
    wait_text(page, "before the cut")
    page.wait(lambda b: b.online_count() == 2, "2 online")

    proxy.hold()
    assert proxy.cut_websockets() >= 1
    page.wait(lambda b: b.connection_state() == "reconnecting", "the page to show reconnecting")
    assert "Reconnecting" in page.find("connection-state").text
    for index in range(1, 4):
        client.call("message", text_payload(1, f"missed {index}", other["api_token"]))
    type_and_send(page, "written while offline")
    page.wait(lambda b: b.find("pending-message").is_displayed(), "the message waiting in the outbox")
    page.screenshot("page reconnecting with a message waiting")

    mark = client.mark()
    proxy.release()
    page.wait(lambda b: b.connection_state() == "connected", "the page to reconnect", timeout=30)
    page.wait(lambda b: texts(b)[-4:] == ["missed 1", "missed 2", "missed 3", "written while offline"]
              and not b.find_all("pending-message"), "the missed messages and the sent one")
    shown = page.messages()
    assert [m["text"] for m in shown] == ["before the cut", "missed 1", "missed 2", "missed 3", "written while offline"]
    assert len({m["seq"] for m in shown}) == len(shown)
    assert shown[-1]["own"]
    got = client.wait_for("message", lambda m: m.get("msg") == "written while offline", since=mark)
    assert got["seq"] == shown[-1]["seq"]
    page.screenshot("page reconnected missed messages shown once")
    browsers.all.assert_no_console_errors()
    assert len([m for m in client.received("message", since=mark) if m.get("msg") == "written while offline"]) == 1


def test_revoked_or_expired_token_and_avatar(page_server, browsers, tmp_path):
    server = page_server()
    email = unique_email("dana")
    page = browsers("dana", server.url(), phone=True)
    sign_up(page, email)

    # Avatar change from the account page.
    page.find("profile-link").click()
    page.wait_visible("profile-view")
    page.find("avatar-input").send_keys(write_file(tmp_path, "me.png", picture_png(96, 96)))
    page.wait(lambda b: "/storage/images/avatars/" in b.find("profile-avatar").get_attribute("src"), "the new avatar")
    page.wait(lambda b: b.local_session()["avatar"].startswith("/storage/images/avatars/"), "the stored avatar")
    page.screenshot("dana changed her avatar phone")

    # The token is revoked elsewhere while the page is in a room: the next event sends her to log in.
    page.open("/#/room/1")
    page.wait_visible("room-view")
    page.wait(lambda b: b.connection_state() == "connected", "connected")
    token = page.local_session()["token"]

    assert requests.post(server.url("/api/logout"), json={"api_token": token}, timeout=10).json()["errno"] == 0
    type_and_send(page, "am I still logged in?")
    page.wait_visible("login-form")
    notice = page.wait_visible("auth-notice").text
    assert "session" in notice.lower(), notice
    assert page.local_session() is None
    page.screenshot("revoked token back to the login form")

    # Logging in again works (the e-mail is filled in); a stored token that is not valid at page
    # load is sent back too.
    assert page.find("auth-email").get_attribute("value") == email
    page.find("auth-password").send_keys(PASSWORD)
    page.find("auth-submit").click()
    page.wait(lambda b: b.find("room-item").is_displayed(), "the room list after logging in")
    page.script("const s = JSON.parse(localStorage.getItem('chatroom.session'));"
                "s.token = 'x'.repeat(60); localStorage.setItem('chatroom.session', JSON.stringify(s));")
    page.driver.refresh()
    page.wait_visible("login-form")
    assert "session" in page.wait_visible("auth-notice").text.lower()
    page.screenshot("expired token at page load back to the login form")

    # Log out from the account page.
    page.find("auth-password").send_keys(PASSWORD)
    page.find("auth-submit").click()
    page.wait(lambda b: b.find("room-item").is_displayed(), "the room list after logging in again")
    page.find("profile-link").click()
    page.wait_visible("logout-button").click()
    page.wait_visible("login-form")
    assert "logged out" in page.wait_visible("auth-notice").text.lower()
    page.screenshot("logged out")
    browsers.all.assert_no_console_errors()


def test_user_text_is_rendered_as_text_with_safe_links(page_server, browsers):
    """render-text.js in the page itself: only http(s) URLs become <a> elements, everything else
    (markup, javascript: URLs) stays text."""
    server = page_server()
    page = browsers("render", server.url())
    page.open("/")
    page.wait_visible("login-form")
    page.screenshot("render page loaded")
    results = page.driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        import('/js/render-text.js').then(({renderText}) => done(arguments[0].map(text => {
          const p = renderText(document.createElement('p'), text);
          return {text: p.textContent, tags: [...p.querySelectorAll('*')].map(e => e.tagName.toLowerCase()),
                  links: [...p.querySelectorAll('a')].map(a => [a.getAttribute('href'), a.textContent, a.rel, a.target])};
        }))).catch(error => done(String(error)));
        """, [
        '<a href="https://evil.example/x" onclick="alert(1)">x</a>',
        "javascript:alert(1) and data:text/html,<b>x</b>",
        "see https://example.com/docs?page=1. or (https://en.wikipedia.org/wiki/Foo_(bar)).",
        "<script>alert(1)</script>",
    ])
    assert isinstance(results, list), results
    first, second, third, fourth = results
    assert first["text"] == '<a href="https://evil.example/x" onclick="alert(1)">x</a>'
    assert first["links"] == [["https://evil.example/x", "https://evil.example/x", "noopener noreferrer", "_blank"]]
    assert second == {"text": "javascript:alert(1) and data:text/html,<b>x</b>", "tags": [], "links": []}
    assert third["text"] == "see https://example.com/docs?page=1. or (https://en.wikipedia.org/wiki/Foo_(bar))."
    assert [link[0] for link in third["links"]] == ["https://example.com/docs?page=1",
                                                   "https://en.wikipedia.org/wiki/Foo_(bar)"]
    assert fourth == {"text": "<script>alert(1)</script>", "tags": [], "links": []}
    page.assert_no_alert()
    browsers.all.assert_no_console_errors()
