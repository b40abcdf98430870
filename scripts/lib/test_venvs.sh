# The Python environments of the integration tests. Source it after common.sh; call ensure_test_venvs.
#
# $ROOT/.venv-test  pytest and the clients the tests drive in-process: websockets (/ws),
#                   requests (HTTP API), python-socketio 5.x / python-engineio 4.x (Socket.IO v5 over
#                   Engine.IO 4, the EIO4 client) with websocket-client for its WebSocket transport.
# $ROOT/.venv-sio3  python-socketio 4.6.1 / python-engineio 3.14.2: a Socket.IO 2.x (Engine.IO 3) client,
#                   the protocol of the tutorial's compiled page. It cannot live in the same venv as the
#                   5.x client (same import names), so Tests/Integration/sio3_client.py runs in it as a
#                   subprocess, found through $SIO3_PYTHON.
#
# Every package is pinned, transitive ones included, so that both venvs are the same on every machine.
# ensure_venv (common.sh) rebuilds a venv only when its list below changes.

TEST_VENV_PINS=(
  pytest==9.0.3
  websockets==15.0.1
  requests==2.32.5
  "python-socketio[client]==5.18.1"
  python-engineio==4.15.1
  websocket-client==1.9.2
  bidict==0.24.1
  simple-websocket==1.1.0
  wsproto==1.3.2
  h11==0.16.0
  selenium==4.51.0
  trio==0.35.0
  trio-websocket==0.12.2
  outcome==1.3.0.post0
  sniffio==1.3.1
  sortedcontainers==2.4.0
  attrs==26.1.0
  pysocks==1.7.1
  certifi==2026.10.18
  urllib3==2.8.0
  typing_extensions==4.16.0
  idna==3.20
  charset-normalizer==3.5.2
  prometheus_client==0.21.1
)

# python-engineio 3.14.2's client uses requests for polling and websocket-client for the upgrade
# (create_connection with enable_multithread, WebSocketTimeoutException, ...: still in 1.x).
SIO3_VENV_PINS=(
  python-socketio==4.6.1
  python-engineio==3.14.2
  six==1.17.0
  requests==2.32.5
  websocket-client==1.9.2
)

ensure_test_venvs() {
  say "test venvs"
  ensure_venv "$ROOT/.venv-test" "${TEST_VENV_PINS[@]}"
  ensure_venv "$ROOT/.venv-sio3" "${SIO3_VENV_PINS[@]}"
  export SIO3_PYTHON="$ROOT/.venv-sio3/bin/python"
}
