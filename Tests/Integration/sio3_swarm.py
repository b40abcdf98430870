"""Many Engine.IO 3 / Socket.IO 2.x chat clients (python-socketio 4.6.1) in one process, for tests that
need a crowd of them (a process per client, as sio3_client.py does, is too heavy for hundreds). It
runs in the $SIO3_PYTHON venv.

    $SIO3_PYTHON sio3_swarm.py --url http://127.0.0.1:PORT/

Protocol, one JSON object per line:
  stdin   {"cmd": "start", "clients": [{"token": T, "room": 1, "transports": ["polling", "websocket"]}, ...]}
  stdout  {"type": "ready", "sids": [...], "transports": [...]}   every client connected and in its room
          {"type": "error", "error": "..."}                          a client could not connect or join
  stdin   {"cmd": "report"}
  stdout  {"type": "report", "clients": [{"messages": [[roomid, seq, msg], ...], "disconnects": N,
                                          "sid": S, "transport": T}, ...]}
  stdin   {"cmd": "quit"}      disconnects everyone and exits (so does the end of stdin)
  stdout  {"type": "error", "error": "..."}   for any other command
"""
import argparse
import json
import sys
import threading
import time
import urllib.parse

import socketio  # python-socketio 4.6.1

_out_lock = threading.Lock()


def send(obj):
    with _out_lock:
        sys.stdout.write(json.dumps(obj, ensure_ascii=True) + "\n")
        sys.stdout.flush()


class SwarmClient:
    def __init__(self, base_url, token, room, transports):
        self.token = token
        self.room = room
        self.transports = transports
        self.url = base_url + "?" + urllib.parse.urlencode({"api_token": token})
        self.messages = []
        self.disconnects = 0
        self.joined = threading.Event()
        self.lock = threading.Lock()
        self.sio = socketio.Client(reconnection=False)
        self.sio.eio.request_timeout = 20
        self.sio.on("message", self._on_message)
        self.sio.on("room", lambda data: self.joined.set())
        self.sio.on("disconnect", self._on_disconnect)

    def _on_message(self, data):
        with self.lock:
            self.messages.append([int(data.get("roomid")), data.get("seq"), data.get("msg")])

    def _on_disconnect(self):
        with self.lock:
            self.disconnects += 1

    def start(self):
        self.sio.connect(self.url, transports=self.transports)
        self.sio.emit("room", {"name": "swarm", "src": "", "roomid": str(self.room), "api_token": self.token})
        if not self.joined.wait(20):
            raise RuntimeError(f"no room answer for a client of room {self.room}")

    def report(self):
        with self.lock:
            return {"messages": list(self.messages), "disconnects": self.disconnects, "sid": self.sio.eio.sid,
                    "transport": self.sio.transport()}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    options = parser.parse_args()
    swarm = []
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        command = json.loads(line)
        kind = command.get("cmd")
        if kind == "start":
            try:
                for spec in command["clients"]:
                    client = SwarmClient(options.url, spec["token"], spec["room"], spec["transports"])
                    client.start()
                    swarm.append(client)
                # An upgrade finishes in the background: wait for it so the test knows what it has.
                deadline = time.monotonic() + 20
                while time.monotonic() < deadline and any(
                        "websocket" in c.transports and c.sio.transport() != "websocket" for c in swarm):
                    time.sleep(0.05)
                send({"type": "ready", "sids": [c.sio.eio.sid for c in swarm],
                      "transports": [c.sio.transport() for c in swarm]})
            except Exception as error:  # noqa: BLE001 - reported to the test, which fails with it
                send({"type": "error", "error": repr(error)})
        elif kind == "report":
            send({"type": "report", "clients": [c.report() for c in swarm]})
        elif kind == "quit":
            break
        else:
            send({"type": "error", "error": f"unknown command {kind!r}"})
    for client in swarm:
        try:
            client.sio.disconnect()
        except Exception:  # noqa: BLE001 - best effort at exit
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
