"""How many connections a PostgreSQL server has left for this database's clients."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, text

# Reserved slots (PostgreSQL 16 adds `reserved_connections`), and the client connections to
# other databases that this role may see: a superuser or pg_read_all_stats sees all of them,
# an ordinary role only its own (the others' rows have no database name).
_ROOM = text(
    "SELECT current_setting('max_connections')::int,"
    " current_setting('superuser_reserved_connections')::int"
    " + coalesce(current_setting('reserved_connections', true), '0')::int,"
    " (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
    "  AND datname IS NOT NULL AND datname <> current_database())::int"
)


@dataclass(frozen=True)
class ConnectionRoom:
    """The server's `max_connections`, the slots reserved, and those other databases use."""

    max_connections: int
    reserved: int
    elsewhere: int

    @property
    def available(self) -> int:
        return self.max_connections - self.reserved - self.elsewhere


def connection_room(engine: Engine) -> ConnectionRoom | None:
    """What the PostgreSQL server leaves for this database's clients; None on SQLite."""
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as conn:
        max_connections, reserved, elsewhere = conn.execute(_ROOM).one()
    return ConnectionRoom(int(max_connections), int(reserved), int(elsewhere))
