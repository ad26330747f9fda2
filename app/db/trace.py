"""One observable point for every SQL statement, raw or ORM, on SQLite and PostgreSQL.

SQLite reports each statement it starts through sqlite3's trace callback; on PostgreSQL
every cursor of a psycopg connection is a `TracedCursor` or, for a streamed read, a
`TracedServerCursor` (psycopg's `cursor_factory` and `server_cursor_factory`). Both
are the drivers' public API and sit below SQLAlchemy, so statements run on a raw DBAPI
connection (app.db.raw) are seen as well as the ORM's. Watchers get the statement text; on
SQLite it carries the bound values, so it must never be logged as it is.

psycopg is imported only when a PostgreSQL connection is traced: a server on SQLite never
loads it (about 9 MB and 0.08 s of CPU; bench/NOTES.md).
"""

from __future__ import annotations

import functools
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import psycopg

Watcher = Callable[[str], None]
_watchers: tuple[Watcher, ...] = ()
_lock = threading.Lock()


def _seen(statement: str) -> None:
    for watcher in _watchers:
        watcher(statement)


@contextmanager
def watching(watcher: Watcher) -> Iterator[None]:
    """Call `watcher(statement)` for every statement any connection of this process runs."""
    global _watchers
    with _lock:
        _watchers = (*_watchers, watcher)
    try:
        yield
    finally:
        with _lock:
            rest = list(_watchers)
            rest.remove(watcher)
            _watchers = tuple(rest)


@functools.cache
def traced_cursor() -> type[psycopg.Cursor[Any]]:
    """The cursor class of traced psycopg connections (made once, on the first one)."""
    import psycopg

    class TracedCursor(psycopg.Cursor[Any]):
        """A psycopg cursor that reports each statement before running it."""

        def execute(self, query: Any, *args: Any, **kwargs: Any) -> Any:
            if _watchers:
                _seen(_text(query))
            return super().execute(query, *args, **kwargs)

        def executemany(self, query: Any, *args: Any, **kwargs: Any) -> None:
            if _watchers:
                _seen(_text(query))
            super().executemany(query, *args, **kwargs)

    return TracedCursor


@functools.cache
def traced_server_cursor() -> type[psycopg.ServerCursor[Any]]:
    """The named (server-side) cursor class of traced connections: streamed reads
    (`yield_per`, the HR exports) run their statement through it, not the plain cursor."""
    import psycopg

    class TracedServerCursor(psycopg.ServerCursor[Any]):
        """A psycopg server-side cursor that reports its statement before declaring it."""

        def execute(self, query: Any, *args: Any, **kwargs: Any) -> Any:
            if _watchers:
                _seen(_text(query))
            return super().execute(query, *args, **kwargs)

    return TracedServerCursor


def _text(query: Any) -> str:
    return query.decode() if isinstance(query, bytes) else str(query)


def install(dbapi_connection: Any) -> None:
    """Report this new DBAPI connection's statements (called from the engine's connect hook)."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.set_trace_callback(_seen)
        return
    import psycopg

    if isinstance(dbapi_connection, psycopg.Connection):
        dbapi_connection.cursor_factory = traced_cursor()
        dbapi_connection.server_cursor_factory = traced_server_cursor()
    else:
        raise TypeError(f"cannot trace a {type(dbapi_connection).__name__} connection")
