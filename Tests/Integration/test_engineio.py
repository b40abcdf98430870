"""Engine.IO 3/4 and Socket.IO transport (PROTOCOL.md §4), against the echo application at `/echo.io/`
(`--echo`): raw HTTP polling framing and errors, the upgrade sequence, heartbeats, limits, CORS, the
hand-off of polling connections between workers, and the real python-socketio 5.x client (EIO4)
on WebSocket, polling, and polling with the upgrade; python-socketio 4.x (EIO3) when its venv exists.

The echo application sends every event back with the same name and arguments and acks with the
arguments; `whoami` answers {"sid","worker","version","polling"}; `broadcast` goes to every echo
socket of the worker; `disconnect_me` makes the server disconnect the socket (`41`)."""
import json
import os
import pathlib
import subprocess
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import socketio
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

import wsraw
from conftest import parse_response, wait_until

PATH = "/echo.io/"
RS = "\x1e"


# -- helpers ---------------------------------------------------------------------------------------

def utf16_len(text):
    return sum(2 if ord(c) > 0xFFFF else 1 for c in text)


def encode_eio3(packets):
    return "".join(f"{utf16_len(p)}:{p}" for p in packets)


def decode_eio3(body):
    """`<len>:<packet>…` with lengths in UTF-16 code units, as engine.io-parser 2 (JavaScript) reads it."""
    packets, i = [], 0
    while i < len(body):
        colon = body.index(":", i)
        want = int(body[i:colon])
        j, units = colon + 1, 0
        while units < want:
            units += 2 if ord(body[j]) > 0xFFFF else 1
            j += 1
        assert units == want, f"length {want} splits a character in {body!r}"
        packets.append(body[colon + 1:j])
        i = j
    return packets


def decode(version, body):
    return decode_eio3(body) if version == 3 else body.split(RS)


def encode(version, packets):
    return encode_eio3(packets) if version == 3 else RS.join(packets)


class Polling:
    """A raw polling client on one keep-alive HTTP connection (a requests.Session)."""

    def __init__(self, server, version=3, path=PATH, query=""):
        self.server = server
        self.version = version
        self.path = path
        self.http = requests.Session()
        self.query = query
        r = self.http.get(self.url(sid=None), timeout=10)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "text/plain; charset=UTF-8"
        self.handshake = decode(version, r.content.decode())
        assert self.handshake[0][0] == "0", self.handshake
        self.open = json.loads(self.handshake[0][1:])
        self.sid = self.open["sid"]

    def url(self, sid="", **extra):
        q = f"EIO={self.version}&transport=polling"
        if sid is None:
            pass
        else:
            q += f"&sid={sid or self.sid}"
        if self.query:
            q += "&" + self.query
        for k, v in extra.items():
            q += f"&{k}={v}"
        return self.server.url(f"{self.path}?{q}")

    def get(self, timeout=10, session=None):
        r = (session or self.http).get(self.url(t=time.monotonic_ns()), timeout=timeout)
        return r

    def poll(self, timeout=10):
        r = self.get(timeout)
        assert r.status_code == 200, (r.status_code, r.text)
        return decode(self.version, r.content.decode())

    def post(self, packets, session=None):
        r = (session or self.http).post(self.url(), data=encode(self.version, packets).encode(),
                                         headers={"Content-Type": "text/plain;charset=UTF-8"}, timeout=10)
        return r

    def send(self, packets):
        r = self.post(packets)
        assert r.status_code == 200 and r.text == "ok", (r.status_code, r.text)
        assert r.headers["content-type"].startswith("text/html")

    def connect4(self, auth=None):
        """EIO4: Socket.IO CONNECT, answered 40{"sid":…}."""
        self.send(["40" + (json.dumps(auth) if auth is not None else "")])
        packets = self.poll()
        assert packets[0].startswith('40{"sid":"'), packets
        return packets[1:]

    def poll_until(self, predicate, timeout=10):
        got, deadline = [], time.monotonic() + timeout
        while time.monotonic() < deadline:
            got += self.poll()
            if predicate(got):
                return got
        raise AssertionError(f"not received in {timeout}s: {got}")


def error_of(response):
    assert response.headers["content-type"].startswith("application/json"), response.headers
    return response.status_code, response.json()


def sio_client(**kwargs):
    return socketio.Client(reconnection=False, **kwargs)


def connect_sio(server, transports=None, auth=None):
    client = sio_client()
    events = []
    client.on("*", lambda event, *args: events.append((event, list(args))))
    kwargs = {} if transports is None else {"transports": transports}
    client.connect(server.url("/"), socketio_path="echo.io", wait_timeout=10, auth=auth, **kwargs)
    return client, events


@pytest.fixture
def echo(server_factory):
    return server_factory(workers=2, args=["--echo"]).start()


# python-engineio's polling client can lose its last POST (`41`, `1`) when it disconnects while a
# POST is in flight (its write loop stops as soon as the state changes), and then waits for its held
# GET to end: at the next server ping. A short ping interval keeps that wait short.
FAST_PINGS = ["--ping-interval", "2", "--ping-timeout", "5"]


@pytest.fixture
def sio_echo(server_factory):
    return server_factory(workers=2, args=["--echo", *FAST_PINGS]).start()


# -- handshakes and framing ------------------------------------------------------------------------

def test_eio3_polling_handshake(echo):
    r = requests.get(echo.url(PATH + "?EIO=3&transport=polling&t=abc"), timeout=10)
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/plain; charset=UTF-8"
    body = r.content.decode()
    packets = decode_eio3(body)
    assert packets[1] == "40", body  # Socket.IO connect in the same payload, bare (PROTOCOL.md §0.5)
    assert body.endswith("2:40")
    assert body.startswith(f"{len(packets[0])}:0{{")
    opened = json.loads(packets[0][1:])
    assert list(opened) == ["sid", "upgrades", "pingInterval", "pingTimeout"]
    assert opened["upgrades"] == ["websocket"]
    assert (opened["pingInterval"], opened["pingTimeout"]) == (25000, 20000)
    assert len(opened["sid"]) == 22
    # A missing EIO means 3.
    r = requests.get(echo.url(PATH + "?transport=polling"), timeout=10)
    assert decode_eio3(r.text)[1] == "40"


def test_eio4_polling_handshake_and_connect(echo):
    client = Polling(echo, version=4)
    assert len(client.handshake) == 1  # no Socket.IO connect until the client asks
    assert client.open["maxPayload"] == 8 * 1024 * 1024
    assert client.open["upgrades"] == ["websocket"]
    rest = client.connect4({"token": "abc"})
    got = rest if rest else client.poll()
    assert got == ['42["auth",{"token":"abc"}]']


def test_eio3_utf16_lengths_both_ways(echo):
    client = Polling(echo, version=3)
    text = "é中😀🎉x"
    event = json.dumps(["echo", text, {"k": "𝄞"}], ensure_ascii=False, separators=(",", ":"))
    # Several packets in one POST: a ping and two events, lengths in UTF-16 units.
    body = encode_eio3(["2", "42" + event, "42" + event])
    assert utf16_len("42" + event) != len(("42" + event).encode())
    r = client.http.post(client.url(), data=body.encode(), headers={"Content-Type": "text/plain;charset=UTF-8"}, timeout=10)
    assert (r.status_code, r.text) == (200, "ok")
    got = client.poll_until(lambda g: len(g) >= 3)
    assert got == ["3", "42" + event, "42" + event]
    client.send(["42" + event])
    r = client.get()
    assert r.content.decode() == f"{utf16_len('42' + event)}:42{event}"


def test_eio4_record_separator_payloads(echo):
    client = Polling(echo, version=4)
    client.connect4()
    client.send(['42["a",1]', '42["b","é😀"]', '421["c",[true]]'])
    got = client.poll_until(lambda g: len(g) >= 4)
    assert got == ['42["a",1]', '42["b","é😀"]', '42["c",[true]]', '431[[true]]']


def test_eio3_binary_framed_post(echo):
    """python-engineio 3.x posts `\\x00<digits>\\xff<packet>` (byte lengths) as application/octet-stream."""
    client = Polling(echo, version=3)

    def framed(packet):
        data = packet.encode()
        return b"\x00" + bytes(int(d) for d in str(len(data))) + b"\xff" + data

    body = framed("2") + framed('42["echo","é😀"]')
    r = client.http.post(client.url(), data=body, headers={"Content-Type": "application/octet-stream"}, timeout=10)
    assert (r.status_code, r.text) == (200, "ok")
    assert client.poll_until(lambda g: len(g) >= 2) == ["3", '42["echo","é😀"]']
    # A binary packet inside it is refused and ends the session.
    r = client.http.post(client.url(), data=b"\x01\x01\xff\x04", headers={"Content-Type": "application/octet-stream"}, timeout=10)
    assert error_of(r) == (400, {"code": 3, "message": "Bad request"})
    assert error_of(client.get()) == (400, {"code": 1, "message": "Session ID unknown"})


# -- errors ----------------------------------------------------------------------------------------

def test_error_answers(echo):
    def get(query, method="GET", **kw):
        return requests.request(method, echo.url(PATH + "?" + query), timeout=10, **kw)

    assert error_of(get("EIO=3&transport=polling&sid=AAAAAAAAAAAAAAAAAAAAAA")) == (400, {"code": 1, "message": "Session ID unknown"})
    assert error_of(get("EIO=3&transport=polling&sid=nonsense")) == (400, {"code": 1, "message": "Session ID unknown"})
    # A well-formed id naming a worker slot that does not exist.
    assert error_of(get("EIO=3&transport=polling&sid=__AAAAAAAAAAAAAAAAAAAA")) == (400, {"code": 1, "message": "Session ID unknown"})
    assert error_of(get("EIO=5&transport=polling")) == (400, {"code": 5, "message": "Unsupported protocol version"})
    assert error_of(get("EIO=2&transport=polling")) == (400, {"code": 5, "message": "Unsupported protocol version"})
    assert error_of(get("EIO=3&transport=carrier-pigeon")) == (400, {"code": 0, "message": "Transport unknown"})
    assert error_of(get("EIO=3")) == (400, {"code": 0, "message": "Transport unknown"})
    assert error_of(get("EIO=3&transport=polling", method="POST", data=b"1:2")) == (400, {"code": 2, "message": "Bad handshake method"})
    assert error_of(get("EIO=3&transport=websocket")) == (400, {"code": 3, "message": "Bad request"})
    assert error_of(get("EIO=3&transport=polling&j=0")) == (400, {"code": 3, "message": "Bad request"})
    client = Polling(echo)
    r = client.http.put(client.url(), data=b"x", timeout=10)
    assert error_of(r) == (400, {"code": 3, "message": "Bad request"})
    # Garbage in a POST: 400 and the session is gone.
    r = client.http.post(client.url(), data=b"12:abc", timeout=10)
    assert error_of(r) == (400, {"code": 3, "message": "Bad request"})
    assert error_of(client.get()) == (400, {"code": 1, "message": "Session ID unknown"})
    # The server survives all of it.
    assert requests.get(echo.url("/health"), timeout=5).status_code == 200


def test_concurrent_get_closes_the_session(echo):
    client = Polling(echo, version=3)
    first = {}

    def hold():
        first["response"] = client.get(timeout=15)

    thread = threading.Thread(target=hold)
    thread.start()
    time.sleep(0.5)
    second = requests.get(client.url(), timeout=10)
    assert error_of(second) == (400, {"code": 3, "message": "Bad request"})
    thread.join(10)
    assert first["response"].status_code == 200
    assert decode_eio3(first["response"].text) == ["1"]
    assert error_of(client.get()) == (400, {"code": 1, "message": "Session ID unknown"})


def test_held_poll_is_answered_when_a_packet_is_queued(echo):
    client = Polling(echo, version=4)
    client.connect4()
    result = {}

    def hold():
        started = time.monotonic()
        result["packets"] = client.poll(timeout=15)
        result["elapsed"] = time.monotonic() - started

    thread = threading.Thread(target=hold)
    thread.start()
    time.sleep(0.5)
    client.post(['42["x","y"]'], session=requests.Session())
    thread.join(10)
    assert result["packets"] == ['42["x","y"]']
    assert 0.4 < result["elapsed"] < 5


def test_a_poll_answer_carries_at_most_16_packets(echo):
    # python-engineio clients drop the session on a payload of more than 16 packets: the rest waits
    # for the next poll, which is answered at once, in order.
    client = Polling(echo, version=4)
    client.connect4()
    client.send([f'42["n",{i}]' for i in range(40)])
    # The echo answers are queued while the POST is handled, all before the first poll.
    batches = [client.poll(), client.poll(), client.poll()]
    assert batches == [[f'42["n",{i}]' for i in range(start, min(start + 16, 40))] for start in (0, 16, 32)]


def test_cors_and_preflight(echo):
    origin = "http://webchats.test:8080"
    r = requests.get(echo.url(PATH + "?EIO=3&transport=polling"), headers={"Origin": origin}, timeout=10)
    assert r.headers["access-control-allow-origin"] == origin
    assert r.headers["access-control-allow-credentials"] == "true"
    sid = json.loads(decode_eio3(r.text)[0][1:])["sid"]
    r = requests.post(echo.url(PATH + f"?EIO=3&transport=polling&sid={sid}"), data=b"1:2", headers={"Origin": origin}, timeout=10)
    assert r.headers["access-control-allow-origin"] == origin and r.text == "ok"
    r = requests.get(echo.url(PATH + "?EIO=3&transport=polling&sid=nope"), headers={"Origin": origin}, timeout=10)
    assert r.status_code == 400 and r.headers["access-control-allow-origin"] == origin
    r = requests.options(echo.url(PATH + "?EIO=3&transport=polling"),
                         headers={"Origin": origin, "Access-Control-Request-Method": "POST",
                                  "Access-Control-Request-Headers": "content-type"}, timeout=10)
    assert r.status_code == 204
    assert r.headers["access-control-allow-origin"] == origin
    assert r.headers["access-control-allow-credentials"] == "true"
    assert "POST" in r.headers["access-control-allow-methods"]
    assert r.headers["access-control-allow-headers"] == "content-type"


# -- Socket.IO packets -----------------------------------------------------------------------------

def test_server_disconnect_and_client_disconnect(echo):
    client = Polling(echo, version=3)
    client.send(['42["disconnect_me"]'])
    got = client.poll_until(lambda g: "1" in g)
    assert got == ["41", "1"]
    assert error_of(client.get()) == (400, {"code": 1, "message": "Session ID unknown"})

    client = Polling(echo, version=4)
    client.connect4()
    client.send(["41"])
    r = client.get()
    assert r.status_code == 400 or decode(4, r.text) == ["1"]
    # Another namespace does not exist.
    client = Polling(echo, version=4)
    client.send(["40/admin,"])
    assert client.poll() == ['44/admin,{"message":"Invalid namespace"}']


def test_engineio_close_packet(echo):
    client = Polling(echo, version=3)
    client.send(["1"])
    assert error_of(client.get()) == (400, {"code": 1, "message": "Session ID unknown"})


# -- WebSocket -------------------------------------------------------------------------------------

def test_direct_websocket_eio3(echo):
    with connect(echo.ws_url(PATH + "?EIO=3&transport=websocket")) as ws:
        opened = ws.recv(timeout=5)
        assert opened.startswith("0{")
        info = json.loads(opened[1:])
        assert info["upgrades"] == [] and "maxPayload" not in info
        assert ws.recv(timeout=5) == "40"
        ws.send("2")
        assert ws.recv(timeout=5) == "3"
        ws.send('42["echo","é😀"]')
        assert ws.recv(timeout=5) == '42["echo","é😀"]'
        ws.send('425["echo",{"a":[1,2]}]')
        assert ws.recv(timeout=5) == '42["echo",{"a":[1,2]}]'
        assert ws.recv(timeout=5) == '435[{"a":[1,2]}]'
        ws.send("1")
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)


def test_direct_websocket_eio4_and_binary_refused(echo):
    with connect(echo.ws_url(PATH + "?EIO=4&transport=websocket")) as ws:
        info = json.loads(ws.recv(timeout=5)[1:])
        assert info["upgrades"] == [] and info["maxPayload"] == 8 * 1024 * 1024
        ws.send("40")
        assert ws.recv(timeout=5).startswith('40{"sid":"')
        ws.send('42["whoami"]')
        me = json.loads(ws.recv(timeout=5)[2:])
        assert me[1]["polling"] is False and me[1]["version"] == 4 and me[1]["sid"] == info["sid"]
        ws.send(b"\x04binary")
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
        assert closed.value.rcvd.code == 1003


def test_websocket_message_limit(server_factory):
    server = server_factory(workers=1, args=["--echo", "--max-message-size", "65536"]).start()
    with connect(server.ws_url(PATH + "?EIO=4&transport=websocket"), max_size=None) as ws:
        ws.recv(timeout=5)
        ws.send("40")
        ws.recv(timeout=5)
        ws.send('42["e","' + "x" * 60000 + '"]')
        assert len(ws.recv(timeout=5)) > 60000
        ws.send('42["e","' + "x" * 70000 + '"]')
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
        assert closed.value.rcvd.code == 1009
    # The same limit for polling bodies.
    client = Polling(server, version=4)
    client.connect4()
    r = client.post(['42["e","' + "x" * 70000 + '"]'])
    assert r.status_code == 413
    client = Polling(server, version=4)
    client.connect4()
    client.send(['42["e","' + "x" * 60000 + '"]'])
    assert len(client.poll()[0]) > 60000


# -- upgrade ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("version", [3, 4])
def test_upgrade_sequence(echo, version):
    client = Polling(echo, version=version)
    if version == 4:
        client.connect4()
    held = {}

    def hold():
        started = time.monotonic()
        held["packets"] = client.poll(timeout=20)
        held["elapsed"] = time.monotonic() - started

    thread = threading.Thread(target=hold)
    thread.start()
    time.sleep(0.3)
    with connect(echo.ws_url(PATH + f"?EIO={version}&transport=websocket&sid={client.sid}")) as ws:
        # Nothing is sent on the probe before the client speaks.
        with pytest.raises(TimeoutError):
            ws.recv(timeout=0.5)
        assert thread.is_alive()  # the poll is still held
        ws.send("2probe")
        assert ws.recv(timeout=5) == "3probe"
        thread.join(5)
        assert held["packets"] == ["6"] and held["elapsed"] < 5
        # Until the upgrade every poll is answered at once.
        started = time.monotonic()
        assert client.poll() == ["6"]
        assert time.monotonic() - started < 2
        # A packet posted during the pause is delivered on the WebSocket after the upgrade.
        client.send(['42["during","pause"]'])
        ws.send("5")
        assert ws.recv(timeout=5) == '42["during","pause"]'
        ws.send('42["whoami"]')
        me = json.loads(ws.recv(timeout=5)[2:])[1]
        assert me["polling"] is False and me["sid"] == client.sid
        # Polling is over for this session.
        assert error_of(client.get()) == (400, {"code": 3, "message": "Bad request"})
        assert error_of(client.post(["2"])) == (400, {"code": 3, "message": "Bad request"})
        # A second probe too.
        s, head = wsraw.handshake(echo, path=PATH + f"?EIO={version}&transport=websocket&sid={client.sid}")
        s.close()
        assert parse_response(head)[0] == 400
        ws.send("2")
        assert ws.recv(timeout=5) == "3"


def test_failed_probe_keeps_polling(echo):
    client = Polling(echo, version=3)
    with connect(echo.ws_url(PATH + f"?EIO=3&transport=websocket&sid={client.sid}")) as ws:
        ws.send("2probe")
        assert ws.recv(timeout=5) == "3probe"
        ws.send("4nonsense")  # anything but 5 abandons the probe
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)
    client.send(['42["still","polling"]'])
    assert client.poll_until(lambda g: len(g) >= 1) == ['42["still","polling"]']


def test_probe_without_upgrade_times_out(echo):
    """engine.io's upgradeTimeout: a probe that does not send `5` within 10 s is closed; the session
    goes on polling (and a second probe meanwhile is refused)."""
    client = Polling(echo, version=4)
    client.connect4()
    with connect(echo.ws_url(PATH + f"?EIO=4&transport=websocket&sid={client.sid}")) as ws:
        ws.send("2probe")
        assert ws.recv(timeout=5) == "3probe"
        s, head = wsraw.handshake(echo, path=PATH + f"?EIO=4&transport=websocket&sid={client.sid}")
        s.close()
        assert parse_response(head)[0] == 400
        started = time.monotonic()
        with pytest.raises(ConnectionClosed):
            while True:
                message = ws.recv(timeout=15)
                assert message == "2"  # only server pings could come
        assert 8 < time.monotonic() - started < 13
    # Polls are held again, and the session works.
    client.send(["3", '42["after","timeout"]'])
    got = client.poll_until(lambda g: '42["after","timeout"]' in g)
    assert [p for p in got if p not in ("2", "6")] == ['42["after","timeout"]']


# -- heartbeats ------------------------------------------------------------------------------------

def test_heartbeats_and_timeouts(server_factory):
    server = server_factory(workers=1, args=["--echo", "--ping-interval", "1", "--ping-timeout", "1"]).start()
    # EIO3: the server never pings; a held poll ends with a noop after the ping interval.
    client = Polling(server, version=3)
    assert client.open["pingInterval"] == 1000 and client.open["pingTimeout"] == 1000
    started = time.monotonic()
    assert client.poll() == ["6"]
    assert 0.7 < time.monotonic() - started < 3
    client.send(["2"])
    assert client.poll() == ["3"]
    # EIO4: the server pings; answering keeps the session, silence ends it.
    client = Polling(server, version=4)
    client.connect4()
    pings = lambda got: [p for p in got if p != "6"]  # noqa: E731 (a noop may end a hold first)
    assert pings(client.poll_until(lambda g: "2" in g, timeout=5)) == ["2"]
    client.send(["3"])
    assert pings(client.poll_until(lambda g: "2" in g, timeout=5)) == ["2"]
    # No pong: closed within pingTimeout.
    time.sleep(2.5)
    r = client.get()
    assert r.status_code == 400 or decode(4, r.text)[-1] == "1"
    # EIO3 silence: closed after pingInterval + pingTimeout (+ grace).
    silent = Polling(server, version=3)
    time.sleep(4)
    assert error_of(silent.get()) == (400, {"code": 1, "message": "Session ID unknown"})
    # WebSocket, EIO4: pings arrive as "2" frames.
    with connect(server.ws_url(PATH + "?EIO=4&transport=websocket")) as ws:
        ws.recv(timeout=5)
        ws.send("40")
        ws.recv(timeout=5)
        assert ws.recv(timeout=3) == "2"
        ws.send("3")
        assert ws.recv(timeout=3) == "2"


# -- the real clients ------------------------------------------------------------------------------

@pytest.mark.parametrize("transports", [["websocket"], ["polling"], None])
def test_python_socketio_client(sio_echo, transports):
    client, events = connect_sio(sio_echo, transports=transports, auth={"token": "t0k"})
    try:
        expected = "websocket" if transports != ["polling"] else "polling"
        assert client.transport() == expected
        payload = {"text": "héllo 😀", "n": [1, 2.5, None, True], "big": "x" * 200_000}
        assert client.call("echo", payload, timeout=10) == payload
        assert client.call("two", data=("a", "b"), timeout=10) == ("a", "b")
        me = client.call("whoami", timeout=10)
        assert me["version"] == 4 and me["polling"] == (expected == "polling")
        client.emit("plain", {"k": 1})
        wait_until(lambda: ("plain", [{"k": 1}]) in events, timeout=5)
        assert ("auth", [{"token": "t0k"}]) in events
    finally:
        client.disconnect()


def test_python_socketio_server_disconnect(sio_echo):
    client, _ = connect_sio(sio_echo, transports=["websocket"])
    disconnected = threading.Event()
    client.on("disconnect", lambda *a: disconnected.set())
    client.emit("disconnect_me")
    assert disconnected.wait(10)
    client.disconnect()


def test_broadcast_reaches_every_transport(server_factory):
    server = server_factory(workers=1, args=["--echo", *FAST_PINGS]).start()
    ws_client, ws_events = connect_sio(server, transports=["websocket"])
    poll_client, poll_events = connect_sio(server, transports=["polling"])
    raw3 = Polling(server, version=3)
    try:
        count = ws_client.call("broadcast", {"to": "all", "t": "é😀"}, timeout=10)
        assert count == 3
        expected = ("broadcast", [{"to": "all", "t": "é😀"}])
        wait_until(lambda: expected in ws_events and expected in poll_events, timeout=10)
        assert raw3.poll_until(lambda g: len(g) >= 1) == ['42["broadcast",{"to":"all","t":"é😀"}]']
    finally:
        ws_client.disconnect()
        poll_client.disconnect()


SIO3_PYTHON = os.environ.get("SIO3_PYTHON") or str(pathlib.Path(__file__).resolve().parents[2] / ".venv-sio3/bin/python")

SIO3_SCRIPT = textwrap.dedent("""
    import json, sys, socketio  # python-socketio 4.x: Socket.IO 2.x over Engine.IO 3
    url, transports = sys.argv[1], sys.argv[2].split(",")
    client = socketio.Client(reconnection=False)
    got = []
    client.on("echo", lambda *args: got.append(list(args)))
    client.connect(url, socketio_path="echo.io", transports=transports)
    # Astral characters stay out of polling answers: python-engineio 3 counts code points, not UTF-16
    # units, in text payloads (a client bug; JavaScript clients count right).
    reply = client.call("echo", {"text": "héllo 中文"}, timeout=10)
    me = client.call("whoami", timeout=10)
    client.sleep(0.3)
    print(json.dumps({"reply": reply, "me": me, "got": got, "transport": client.transport()}))
    client.disconnect()
""")


@pytest.mark.skipif(not pathlib.Path(SIO3_PYTHON).exists(), reason="no python-socketio 4.x venv (scripts/test makes it)")
@pytest.mark.parametrize("transports", ["polling,websocket", "polling", "websocket"])
def test_python_socketio_eio3_client(sio_echo, transports):
    out = subprocess.run([SIO3_PYTHON, "-c", SIO3_SCRIPT, sio_echo.url("/"), transports], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["reply"] == {"text": "héllo 中文"}
    assert result["got"] == [[{"text": "héllo 中文"}]]
    assert result["me"]["version"] == 3
    assert result["transport"] == ("polling" if transports == "polling" else "websocket")


# -- sessions owned by another worker --------------------------------------------------------------

def test_polling_clients_on_many_workers(server_factory):
    """Every request of a polling session may land on any worker: those that land elsewhere are
    passed, connection and all, to the owner. Many clients, each with its own connections."""
    server = server_factory(workers=4, args=["--echo", *FAST_PINGS]).start()
    before = server.counter_total("connectionsHandedOff")

    def run(i):
        client = sio_client()
        client.connect(server.url("/"), socketio_path="echo.io", transports=["polling"], wait_timeout=10)
        try:
            workers = set()
            for k in range(4):
                payload = {"client": i, "k": k, "t": "é😀"}
                assert client.call("echo", payload, timeout=10) == payload
                workers.add(client.call("whoami", timeout=10)["worker"])
            assert len(workers) == 1  # one session, one owner
            return workers.pop()
        finally:
            client.disconnect()

    with ThreadPoolExecutor(max_workers=12) as pool:
        owners = list(pool.map(run, range(24)))
    assert len(set(owners)) > 1, owners
    handed = server.counter_total("connectionsHandedOff") - before
    assert handed > 0
    # Raw EIO3 polling clients with fresh connections for every request.
    for _ in range(6):
        client = Polling(server, version=3)
        for k in range(3):
            fresh = requests.Session()
            r = client.post(['42["echo",%d]' % k], session=fresh)
            assert r.text == "ok"
            r = client.get(session=requests.Session())
            assert decode_eio3(r.text) == ['42["echo",%d]' % k]
    assert server.counter_total("connectionsHandedOff") - before > handed
    assert requests.get(server.url("/health"), timeout=5).status_code == 200
    status = server.status()
    assert status["connections"] >= 0


def test_handed_off_connection_stays_with_the_owner(server_factory):
    server = server_factory(workers=2, args=["--echo"]).start()
    client = Polling(server, version=4)
    client.connect4()
    # New connections until one lands on the other worker and is handed off.
    for _ in range(20):
        http = requests.Session()
        before = server.counter_total("connectionsHandedOff")
        r = client.post(['42["x",0]'], session=http)
        assert r.text == "ok"
        if server.counter_total("connectionsHandedOff") > before:
            break
    else:
        pytest.fail("no request landed on the other worker")
    after_first = server.counter_total("connectionsHandedOff")
    got = []
    for k in range(1, 6):
        assert client.post([f'42["x",{k}]'], session=http).text == "ok"
        r = client.get(session=http)
        got += decode(4, r.text)
    assert server.counter_total("connectionsHandedOff") == after_first
    assert '42["x",5]' in got


def test_websocket_probe_on_the_other_worker(server_factory):
    server = server_factory(workers=2, args=["--echo"]).start()
    for _ in range(6):
        client = Polling(server, version=3)
        with connect(server.ws_url(PATH + f"?EIO=3&transport=websocket&sid={client.sid}")) as ws:
            ws.send("2probe")
            assert ws.recv(timeout=5) == "3probe"
            ws.send("5")
            ws.send('42["whoami"]')
            assert json.loads(ws.recv(timeout=5)[2:])[1]["sid"] == client.sid


# -- stopping --------------------------------------------------------------------------------------

def test_graceful_stop_closes_sessions(server_factory):
    server = server_factory(workers=1, args=["--echo"]).start()
    client = Polling(server, version=3)
    held = {}

    def hold():
        held["response"] = client.get(timeout=20)

    thread = threading.Thread(target=hold)
    thread.start()
    ws = connect(server.ws_url(PATH + "?EIO=4&transport=websocket"))
    ws.recv(timeout=5)
    ws.send("40")
    ws.recv(timeout=5)
    time.sleep(0.3)
    result = server.stop()
    assert result.returncode == 0, result.stderr
    thread.join(10)
    assert decode_eio3(held["response"].text) == ["1"]
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            ws.recv(timeout=5)
    assert closed.value.rcvd.code == 1001
