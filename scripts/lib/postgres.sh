# A private PostgreSQL cluster for the scripts: created under a directory of the repository,
# reachable only through its own Unix socket (no TCP port to collide with), trust authentication.
# Source it after common.sh (it uses need_packages, say, die).
#
#   ensure_private_postgres DIR [fast]   create/start the cluster in DIR, create database "chatroom",
#                                        export DATABASE_URL (and PG_BIN, PG_SOCKET_DIR, PG_USER)
#   stop_private_postgres DIR            stop it (the data stays)
#   create_test_database NAME            after ensure_private_postgres: a fresh, empty database;
#                                        prints its DATABASE_URL
#   drop_test_database NAME              drops it, even with sessions still connected
#
# "fast" starts the server without fsync: for test runs, whose data may be lost on a crash.
#
# initdb refuses to run as root, so as root the server runs as the unprivileged `postgres` user
# (created when missing) and the scripts connect as its superuser role `postgres`; as a normal user
# the server runs as that user, with a superuser role of the same name.

# The newest installed server's bin directory (Debian keeps initdb and pg_ctl off PATH).
pg_bin_dir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

# Runs a command as the OS user that owns the cluster.
_pg_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

_pg_owner() {
  if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi
}

# Where the cluster really lives for DIR. As root, DIR may sit below a directory the `postgres`
# user cannot enter (a checkout in /root), and a socket path longer than ~100 bytes does not fit
# in sockaddr_un; either way the cluster goes to a short directory named after DIR instead.
_pg_home() {
  local dir=$1
  local socket="$dir/socket/.s.PGSQL.5432"
  local reachable=1
  if [ "$(id -u)" -eq 0 ]; then
    # The nearest existing ancestor must be enterable by `postgres`.
    local probe=$dir
    while [ ! -e "$probe" ]; do probe=$(dirname "$probe"); done
    runuser -u postgres -- test -x "$probe" || reachable=0
  fi
  if [ $reachable -eq 1 ] && [ ${#socket} -le 100 ]; then
    echo "$dir"
  else
    echo "/tmp/chatroom-pg-$(printf '%s' "$dir" | cksum | cut -d' ' -f1)"
  fi
}

# Percent-encodes a value for a libpq URI query parameter.
_pg_uri_escape() {
  local LC_ALL=C  # byte by byte, so UTF-8 names become %XX%XX
  local text=$1 out="" c i
  for ((i = 0; i < ${#text}; i++)); do
    c=${text:i:1}
    case "$c" in
      [A-Za-z0-9/._~-]) out+=$c ;;
      *) out+=$(printf '%%%02X' "'$c") ;;
    esac
  done
  printf '%s' "$out"
}

_pg_url() {
  printf 'postgresql:///%s?host=%s&user=%s' "$1" "$(_pg_uri_escape "$PG_SOCKET_DIR")" "$(_pg_uri_escape "$PG_USER")"
}

_pg_psql() {
  PGOPTIONS="-c client_min_messages=warning" "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCKET_DIR" -U "$PG_USER" "$@"
}

ensure_private_postgres() {
  local dir=${1:?usage: ensure_private_postgres DIR [fast]}
  local mode=${2:-}
  local bin
  bin=$(pg_bin_dir) || true
  if [ -z "$bin" ]; then
    need_packages postgresql
    bin=$(pg_bin_dir) || die "initdb not found under /usr/lib/postgresql/*/bin after installing postgresql"
  fi
  if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    useradd --system --user-group --home-dir /var/lib/postgresql --shell /usr/sbin/nologin postgres
  fi
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  local home owner
  home=$(_pg_home "$dir")
  owner=$(_pg_owner)
  [ "$home" = "$dir" ] || say "PostgreSQL for $dir lives in $home (unreachable for $owner or path too long)"
  mkdir -p "$home/socket"
  # The owner writes the log and the socket; others may enter the socket directory (the server
  # may run as another user than this one), never the data directory (initdb makes it 0700).
  [ "$(id -u)" -eq 0 ] && chown "$owner:" "$home" "$home/socket"
  chmod 755 "$home" "$home/socket"

  PG_BIN=$bin
  PG_SOCKET_DIR="$home/socket"
  PG_USER=$owner
  export PG_BIN PG_SOCKET_DIR PG_USER

  # Two scripts starting at once must not both run initdb or pg_ctl start.
  local lock_fd
  exec {lock_fd}>>"$home/.lock"
  flock "$lock_fd"
  if [ ! -f "$home/data/PG_VERSION" ]; then
    say "creating a PostgreSQL cluster in $home/data"
    rm -rf "$home/data"
    _pg_as_owner "$bin/initdb" -D "$home/data" -U "$owner" -A trust -E UTF8 --locale=C.UTF-8 --no-sync \
      >"$home/initdb.log" 2>&1 || { cat "$home/initdb.log" >&2; flock -u "$lock_fd"; die "initdb failed"; }
    # Unix socket only, in our own directory; nothing on TCP.
    {
      echo "listen_addresses = ''"
      echo "unix_socket_directories = '$home/socket'"
    } | _pg_as_owner tee -a "$home/data/postgresql.conf" >/dev/null
  fi
  if ! _pg_as_owner "$bin/pg_ctl" -D "$home/data" status >/dev/null 2>&1; then
    local options=""
    [ "$mode" = fast ] && options="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    _pg_as_owner "$bin/pg_ctl" -D "$home/data" -l "$home/postgres.log" -w -t 60 -o "$options" start >/dev/null \
      || { tail -n 20 "$home/postgres.log" >&2; flock -u "$lock_fd"; die "PostgreSQL did not start (log: $home/postgres.log)"; }
  fi
  if [ "$(_pg_psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'chatroom'")" != 1 ]; then
    _pg_psql -d postgres -c 'CREATE DATABASE chatroom'
  fi
  flock -u "$lock_fd"
  exec {lock_fd}>&-

  DATABASE_URL=$(_pg_url chatroom)
  export DATABASE_URL
}

stop_private_postgres() {
  local dir=${1:?usage: stop_private_postgres DIR}
  local home bin
  [ -d "$dir" ] && dir=$(cd "$dir" && pwd)
  home=$(_pg_home "$dir")
  bin=$(pg_bin_dir) || return 0
  [ -f "$home/data/PG_VERSION" ] || return 0
  if _pg_as_owner "$bin/pg_ctl" -D "$home/data" status >/dev/null 2>&1; then
    _pg_as_owner "$bin/pg_ctl" -D "$home/data" -m fast -w -t 60 stop >/dev/null
  fi
}

_pg_check_name() {
  [[ $1 =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || die "bad database name '$1' (lower-case letters, digits, _)"
  [ -n "${PG_SOCKET_DIR:-}" ] || die "ensure_private_postgres must run first"
}

create_test_database() {
  local name=${1:?usage: create_test_database NAME}
  _pg_check_name "$name"
  _pg_psql -d postgres -c "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" -c "CREATE DATABASE \"$name\"" >/dev/null
  _pg_url "$name"
  echo
}

drop_test_database() {
  local name=${1:?usage: drop_test_database NAME}
  _pg_check_name "$name"
  _pg_psql -d postgres -c "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" >/dev/null
}
