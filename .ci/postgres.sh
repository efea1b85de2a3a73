#!/usr/bin/env bash
# Starts a throwaway PostgreSQL (Debian's packages) on loopback for the relay's
# shared-queue tests and prints the line to eval:
#   eval "$(bash .ci/postgres.sh)"   → export DOCTOWN_TEST_DATABASE_URL=postgres://…
#   bash .ci/postgres.sh stop
# Environment: DOCTOWN_PG_DIR (default /tmp/doctown-pg), DOCTOWN_PG_PORT (default 54329).
# Everything but the export line goes to stderr. Trust authentication is used, and
# the server listens on 127.0.0.1 and a socket in DOCTOWN_PG_DIR only.
set -euo pipefail
DIR=${DOCTOWN_PG_DIR:-/tmp/doctown-pg}
PORT=${DOCTOWN_PG_PORT:-54329}
DB=doctown_test

as_postgres() {
	if [[ $(id -un) == postgres ]]; then "$@"
	elif [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"
	else sudo -u postgres "$@"; fi
}

pgbin() {
	ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1
}

if [[ -z "$(pgbin)" ]]; then
	echo "postgres.sh: installing postgresql" >&2
	SUDO=""; [[ $(id -u) != 0 ]] && SUDO=sudo
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends postgresql >&2
fi
BIN=$(pgbin)

if [[ ${1:-} == stop ]]; then
	if [[ -f $DIR/data/postmaster.pid ]]; then
		as_postgres "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >&2
	fi
	exit 0
fi

if [[ ! -f $DIR/data/PG_VERSION ]]; then
	install -d -m 0700 "$DIR"
	chown postgres "$DIR" 2>/dev/null || true
	as_postgres "$BIN/initdb" -D "$DIR/data" -A trust -U postgres -E UTF8 >&2
fi
if ! as_postgres "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
	as_postgres "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
		-o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c max_connections=200 -c fsync=off" start >&2
fi
if ! as_postgres "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$DB'" | grep -q 1; then
	as_postgres "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -c "CREATE DATABASE $DB" >&2
fi
echo "export DOCTOWN_TEST_DATABASE_URL='postgres://postgres@127.0.0.1:$PORT/$DB?sslmode=disable'"
