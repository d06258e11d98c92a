#!/usr/bin/env bash
# Starts a throwaway, loopback-only PostgreSQL for tests/EventBus.PostgreSql.Tests, or reuses one that already
# accepts the test login. Prints only `export NAME='value'` lines on stdout, so `eval "$(.ci/postgres-start.sh)"`
# works; progress goes to stderr.
#
#   .ci/postgres-start.sh [start|stop]
#
# Settings (environment, all optional):
#   EVENTBUS_PG_PORT=5432  EVENTBUS_PG_USER=eventbus  EVENTBUS_PG_PASSWORD=eventbus  EVENTBUS_PG_DATABASE=eventbus
#   EVENTBUS_PG_DATA=/tmp/eventbus-pg-<port>   (the cluster's data directory; delete it to start from scratch)
#
# The cluster is made with initdb and run with pg_ctl from the newest installed PostgreSQL (Debian's
# /usr/lib/postgresql/<version>/bin or whatever pg_config reports); as root it is installed with apt-get when
# missing and runs as the OS user `postgres`. Password authentication only, listening on 127.0.0.1.
set -euo pipefail

port="${EVENTBUS_PG_PORT:-5432}"
user="${EVENTBUS_PG_USER:-eventbus}"
password="${EVENTBUS_PG_PASSWORD:-eventbus}"
database="${EVENTBUS_PG_DATABASE:-eventbus}"
data_dir="${EVENTBUS_PG_DATA:-/tmp/eventbus-pg-$port}"
action="${1:-start}"

# Absolute paths only, then leave the caller's directory: the `postgres` OS user may not be allowed to read it.
data_dir="$(realpath -m "$data_dir")"
cd /

say() { printf '[postgres-start] %s\n' "$*" >&2; }
fail() { say "ERROR: $*"; exit 1; }

case "$user$password$database" in
  *[!A-Za-z0-9_]*) fail "EVENTBUS_PG_USER, EVENTBUS_PG_PASSWORD and EVENTBUS_PG_DATABASE may hold only letters, digits and '_'" ;;
esac

emit_env() {
  printf "export EVENTBUS_PG_CONNECTION_STRING='Host=127.0.0.1;Port=%s;Database=%s;Username=%s;Password=%s'\n" \
    "$port" "$database" "$user" "$password"
}

login_works() {
  command -v psql >/dev/null 2>&1 &&
    PGPASSWORD="$password" PGCONNECT_TIMEOUT=3 psql -X -q -h 127.0.0.1 -p "$port" -U "$user" -d "$database" \
      -Atc 'SELECT 1' >/dev/null 2>&1
}

find_bindir() {
  local dir=""
  if command -v pg_config >/dev/null 2>&1; then dir="$(pg_config --bindir 2>/dev/null || true)"; fi
  if [ -z "$dir" ] || [ ! -x "$dir/initdb" ]; then
    dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  fi
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && printf '%s' "$dir"
}

# Runs a server binary as the cluster's owner: PostgreSQL refuses to run as root.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

bindir="$(find_bindir || true)"

if [ "$action" = stop ]; then
  if [ -n "$bindir" ] && [ -f "$data_dir/postmaster.pid" ]; then
    as_owner "$bindir/pg_ctl" -D "$data_dir" stop -m fast >&2 && say "stopped"
  else
    say "not running from $data_dir"
  fi
  exit 0
fi
[ "$action" = start ] || fail "usage: $0 [start|stop]"

if login_works; then
  say "reusing the server on 127.0.0.1:$port (login $user/$database works)"
  emit_env
  exit 0
fi

if [ -z "$bindir" ]; then
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 || fail "PostgreSQL is not installed and cannot be installed here (needs root and apt-get)"
  say "installing PostgreSQL with apt-get ..."
  # Debian's package would start its own cluster; keep services from starting while installing.
  guard=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; guard=1; fi
  export DEBIAN_FRONTEND=noninteractive
  { apt-get install -y -q --no-install-recommends postgresql || { apt-get update -q && apt-get install -y -q --no-install-recommends postgresql; }; } >&2 || install_failed=1
  [ -n "$guard" ] && rm -f /usr/sbin/policy-rc.d
  [ -z "${install_failed:-}" ] || fail "apt-get could not install postgresql"
  bindir="$(find_bindir || true)"
  [ -n "$bindir" ] || fail "PostgreSQL was installed but initdb/pg_ctl were not found"
fi

if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
  useradd --system --home-dir /var/lib/postgresql --shell /bin/sh postgres
fi

if [ ! -f "$data_dir/PG_VERSION" ]; then
  say "creating a cluster in $data_dir with $bindir/initdb ..."
  mkdir -p "$data_dir"
  pwfile="$(mktemp)"
  printf '%s\n' "$password" > "$pwfile"
  if [ "$(id -u)" = 0 ]; then chown postgres "$data_dir" "$pwfile"; fi
  chmod 700 "$data_dir"
  as_owner "$bindir/initdb" -D "$data_dir" -U "$user" --pwfile="$pwfile" --auth=scram-sha-256 -E UTF8 --no-locale >&2
  rm -f "$pwfile"
fi

if ! as_owner "$bindir/pg_ctl" -D "$data_dir" status >/dev/null 2>&1; then
  say "starting PostgreSQL $("$bindir/postgres" --version | grep -oE "[0-9]+(\.[0-9]+)+" | head -n 1) on 127.0.0.1:$port ..."
  as_owner "$bindir/pg_ctl" -D "$data_dir" -l "$data_dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$data_dir'" start >&2 \
    || fail "the server did not start; see $data_dir/server.log (is port $port taken? set EVENTBUS_PG_PORT)"
fi

# The database (the cluster has only `postgres` and the templates at first).
PGPASSWORD="$password" psql -X -q -h 127.0.0.1 -p "$port" -U "$user" -d postgres -v ON_ERROR_STOP=1 -At <<SQL >&2 \
  || fail "cannot log in as $user on 127.0.0.1:$port; another server may own the port (set EVENTBUS_PG_PORT)"
SELECT 'CREATE DATABASE $database' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$database') \gexec
SQL

login_works || fail "the server runs but the login $user/$database does not work"
say "ready on 127.0.0.1:$port (database $database, user $user)"
emit_env
