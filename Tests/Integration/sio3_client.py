"""An Engine.IO 3 / Socket.IO 2.x client (python-socketio 4.6.1 + python-engineio 3.14.2) driven by
the integration tests as a subprocess. It runs in its own venv ($SIO3_PYTHON, made by
scripts/lib/test_venvs.sh), because python-socketio 4 and 5 share their import names.

    $SIO3_PYTHON sio3_client.py --url 'http://127.0.0.1:PORT/?api_token=TOKEN' [--transports polling,websocket]

Without --transports the client does what the tutorial's page does: polling first, then the upgrade
to WebSocket. The token, if any, travels in the URL's query string like the page's `io(url)`.

Protocol on the standard streams, one JSON object per line (ASCII-escaped):
  stdout  {"type": "ready", "transport": "websocket", "sid": "..."}   once connected (connect fired)
          {"type": "connect_error", "error": "..."}                  then exit status 3
          {"type": "event", "event": NAME, "args": [...]}           every event the server sends,
                                                                     and "connect"/"disconnect"
          {"type": "reply", "id": N, ...}                            answer to a command with an id
          {"type": "closed"}                                         after "disconnect", then exit 0
  stdin   {"cmd": "emit", "event": NAME, "data": ANY}   ("data" absent: an event without argument)
          {"cmd": "transport", "id": N}                 -> {"type": "reply", "id": N, "transport": ...}
          {"cmd": "disconnect"}                         Socket.IO disconnect, then exit
  End of stdin disconnects too. A SIGKILL of this process drops the TCP connection without any
  Socket.IO or Engine.IO goodbye (what a crashed browser tab looks like to the server).
"""
import argparse
import json
import logging
import sys
import threading

import socketio  # python-socketio 4.6.1

_out_lock = threading.Lock()


def send(obj):
    line = json.dumps(obj, ensure_ascii=True)
    with _out_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


class RecordingClient(socketio.Client):
    """Reports every event the server sends (python-socketio 4 has no catch-all handler)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.connected_event = threading.Event()

    def _trigger_event(self, event, namespace, *args):
        if event == "connect":
            self.connected_event.set()
        send({"type": "event", "event": event, "args": list(args)})
        return super()._trigger_event(event, namespace, *args)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--transports", default="polling,websocket",
                        help="comma-separated; the default is polling first, then the upgrade")
    parser.add_argument("--connect-timeout", type=float, default=15.0)
    parser.add_argument("--log-level", default="WARNING")
    options = parser.parse_args()
    logging.basicConfig(level=options.log_level, stream=sys.stderr)

    client = RecordingClient(reconnection=False, logger=options.log_level == "DEBUG",
                             engineio_logger=options.log_level == "DEBUG")
    client.eio.request_timeout = 10
    transports = [t for t in options.transports.split(",") if t]
    try:
        client.connect(options.url, transports=transports)
    except Exception as error:  # noqa: BLE001 - reported to the test, which fails with it
        send({"type": "connect_error", "error": repr(error)})
        return 3
    # The EIO3 connect packet `40` may come in the handshake payload or on a later poll.
    if not client.connected_event.wait(options.connect_timeout):
        send({"type": "connect_error", "error": "no Socket.IO connect packet (40) within the timeout"})
        client.disconnect()
        return 3
    send({"type": "ready", "transport": client.transport(), "sid": client.eio.sid})

    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        command = json.loads(line)
        kind = command.get("cmd")
        if kind == "emit":
            if "data" in command:
                client.emit(command["event"], command["data"])
            else:
                client.emit(command["event"])
        elif kind == "transport":
            send({"type": "reply", "id": command.get("id"), "transport": client.transport()})
        elif kind == "disconnect":
            break
        else:
            send({"type": "reply", "id": command.get("id"), "error": f"unknown command {kind!r}"})
    client.disconnect()
    send({"type": "closed"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
