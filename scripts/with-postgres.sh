#!/usr/bin/env bash
# Run a command with a throwaway PostgreSQL server for the database tests.
# If KB_TEST_DATABASE_URL is already set, that server is used. Otherwise PostgreSQL is taken
# from PATH or /usr/lib/postgresql/*/bin, installed from the Debian packages when missing (as
# root), started on a private Unix socket, and stopped and deleted afterwards. If none can be
# had, KB_TEST_PG_SKIP says why, and the PostgreSQL tests report themselves as skipped.
set -uo pipefail

if [ -n "${KB_TEST_DATABASE_URL:-}" ]; then exec "$@"; fi

find_bin() {
  command -v initdb >/dev/null 2>&1 && { dirname "$(readlink -f "$(command -v initdb)")"; return; }
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

bindir=$(find_bin)
if [ -z "$bindir" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo ">> Installiere PostgreSQL aus den Debian-Paketen für die Datenbanktests …"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) \
    >/tmp/kb-pg-install.log 2>&1 || echo "   (Installation fehlgeschlagen, siehe /tmp/kb-pg-install.log)"
  bindir=$(find_bin)
fi
if [ -z "$bindir" ]; then
  export KB_TEST_PG_SKIP="PostgreSQL ist nicht installiert und konnte nicht installiert werden"
  exec "$@"
fi

dir=$(mktemp -d /tmp/kb-pg.XXXXXX)
run_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$dir"
port=$(( 20000 + RANDOM % 20000 ))
cleanup() { run_pg "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1; rm -rf "$dir"; }
trap cleanup EXIT

if ! run_pg "$bindir/initdb" -D "$dir/data" -U kb -A trust -E UTF8 --locale=C.UTF-8 \
      >/tmp/kb-pg-initdb.log 2>&1 \
   || ! run_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
      -o "-k $dir -p $port -c listen_addresses='' -c fsync=off" start >/tmp/kb-pg-start.log 2>&1 \
   || ! run_pg "$bindir/createdb" -h "$dir" -p "$port" -U kb kb >/tmp/kb-pg-createdb.log 2>&1
then
  export KB_TEST_PG_SKIP="Der PostgreSQL-Testserver ließ sich nicht starten (/tmp/kb-pg-*.log)"
  trap - EXIT
  "$@"; status=$?
  cleanup; exit $status
fi

echo ">> PostgreSQL-Testserver läuft ($("$bindir/postgres" --version), Socket $dir, Port $port)"
export KB_TEST_DATABASE_URL="postgresql+psycopg://kb@/kb?host=$dir&port=$port"
"$@"
