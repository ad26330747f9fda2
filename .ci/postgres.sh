#!/usr/bin/env bash
# Start (or stop) a throwaway PostgreSQL on 127.0.0.1:54329 for the test suite.
# Usage: source .ci/postgres.sh start   -> exports ALLYSHIP_TEST_POSTGRES_URL
#        bash .ci/postgres.sh stop
set -euo pipefail
PGPORT=${PGPORT:-54329}
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PGDIR=${PGDIR:-/tmp/allyship-pg}
case "${1:-start}" in
  start)
    if [ ! -d "$PGDIR/data" ]; then
      mkdir -p "$PGDIR" && chown postgres: "$PGDIR"
      su postgres -c "$PGBIN/initdb -D $PGDIR/data -U postgres --auth=trust -E UTF8 --no-locale" >/dev/null
    fi
    su postgres -c "$PGBIN/pg_ctl -D $PGDIR/data -l $PGDIR/log -o '-p $PGPORT -k $PGDIR -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off' -w start" >/dev/null
    export ALLYSHIP_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$PGPORT/postgres"
    ;;
  stop)
    su postgres -c "$PGBIN/pg_ctl -D $PGDIR/data -m fast -w stop" >/dev/null || true
    ;;
esac
