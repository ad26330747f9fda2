#!/usr/bin/env bash
# A throwaway PostgreSQL on a free loopback port, for the test suite.
#   source .ci/postgres.sh start   -> exports ALLYSHIP_TEST_POSTGRES_URL and ALLYSHIP_PGDIR
#   bash .ci/postgres.sh stop      -> stops the server in $ALLYSHIP_PGDIR and removes it
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
case "${1:-start}" in
  start)
    ALLYSHIP_PGDIR=$(mktemp -d /tmp/allyship-pg.XXXXXX)
    chown postgres: "$ALLYSHIP_PGDIR"
    PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    (cd / && su postgres -c "$PGBIN/initdb -D $ALLYSHIP_PGDIR/data -U postgres --auth=trust -E UTF8 --no-locale" >/dev/null)
    (cd / && su postgres -c "$PGBIN/pg_ctl -D $ALLYSHIP_PGDIR/data -l $ALLYSHIP_PGDIR/log -o '-p $PGPORT -k $ALLYSHIP_PGDIR -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off' -w start" >/dev/null)
    export ALLYSHIP_PGDIR
    export ALLYSHIP_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$PGPORT/postgres"
    echo "PostgreSQL test server on 127.0.0.1:$PGPORT ($ALLYSHIP_PGDIR)"
    ;;
  stop)
    if [ -n "${ALLYSHIP_PGDIR:-}" ] && [ -d "$ALLYSHIP_PGDIR/data" ]; then
      (cd / && su postgres -c "$PGBIN/pg_ctl -D $ALLYSHIP_PGDIR/data -m fast -w stop" >/dev/null) || true
      rm -rf "$ALLYSHIP_PGDIR"
    fi
    ;;
esac
