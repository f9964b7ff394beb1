# Starts a throw-away PostgreSQL (Debian package) on a free loopback port, for tests.
#   source scripts/lib/postgres.sh; pg_start; ...; pg_stop
# PostgreSQL refuses to run as root, so the server runs as the package's `postgres` user.
source "$(dirname "${BASH_SOURCE[0]}")/freeport.sh"

pg_start() {
  local bin; bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
  PG_DIR="$(mktemp -d /tmp/delivery-pg.XXXXXX)"
  PG_PORT="$(freeport)"
  local as=()
  if [ "$(id -u)" = 0 ]; then chown postgres "$PG_DIR"; as=(runuser -u postgres --); fi
  "${as[@]}" "$bin/initdb" -D "$PG_DIR/data" -A trust -U postgres >"$PG_DIR/initdb.log" 2>&1
  "${as[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off" start >/dev/null
  PG_VERSION="$("$bin/postgres" --version | grep -oE '[0-9]+' | head -1)"
  export PG_DIR PG_PORT PG_VERSION
  export POSTGRES_HOST=127.0.0.1 POSTGRES_PORT="$PG_PORT" POSTGRES_USER=postgres POSTGRES_PASSWORD=postgres
  # Backstage's TestDatabases picks a server per id from these variables.
  export "BACKSTAGE_TEST_DATABASE_POSTGRES${PG_VERSION}_CONNECTION_STRING=postgresql://postgres:postgres@127.0.0.1:$PG_PORT"
  export DELIVERY_TEST_PG_URL="postgresql://postgres:postgres@127.0.0.1:$PG_PORT"
  echo "PostgreSQL $PG_VERSION on 127.0.0.1:$PG_PORT ($PG_DIR)"
}

pg_stop() {
  [ -n "${PG_DIR:-}" ] || return 0
  local bin; bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
  local as=(); [ "$(id -u)" = 0 ] && as=(runuser -u postgres --)
  "${as[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"; PG_DIR=""
}
