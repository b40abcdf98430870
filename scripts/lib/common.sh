# Helpers shared by the scripts. Source it; it sets ROOT to the repository.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export PATH="/opt/swift/usr/bin:$PATH"

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Installs the Debian packages that are missing (apt-get update only when something is).
need_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# What building the server needs.
need_build_packages() {
  need_packages pkg-config libpq-dev libcrypt-dev
  command -v swift >/dev/null || die "Swift 6 is needed (expected at /opt/swift)"
}

# A Python 3 interpreter that can make virtual environments.
python3_with_venv() {
  local py
  py=$(command -v python3 || true)
  [ -n "$py" ] || { need_packages python3 python3-venv; py=$(command -v python3); }
  if ! "$py" -c 'import venv, ensurepip' 2>/dev/null; then
    need_packages python3-venv
  fi
  echo "$py"
}

# Creates (once) a venv at $1 with the pip requirements that follow.
ensure_venv() {
  local dir=$1; shift
  local stamp="$dir/.requirements"
  local wanted="$*"
  if [ -x "$dir/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$wanted" ]; then return 0; fi
  local py; py=$(python3_with_venv)
  rm -rf "$dir"
  "$py" -m venv "$dir"
  "$dir/bin/pip" install -q --disable-pip-version-check "$@"
  echo "$wanted" > "$stamp"
}

# A free TCP port on the loopback interface.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
