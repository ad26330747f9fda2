"""The data package: engine, sessions, hand-written reads, the writer thread, portable SQL.

    engine.py        the engine and SQLite's pragmas, BEGIN IMMEDIATE, write sessions
    sessions.py      the request-scoped session of sync routes (SessionDep)
    raw.py           plain SQL on a DBAPI connection; rows as tuples or frozen dataclasses
    reads.py         reads for async routes: the loop's read-only connection, else a thread
    group_commit.py  the writer thread: async routes' writes, many to a transaction (SQLite)
    sql.py           the one place that builds SQL differently for SQLite and PostgreSQL
    trace.py         the one point every SQL statement passes (tests count them)
    capacity.py      the connections a PostgreSQL server has left for this database
    migrate.py       Alembic driven from code; migrations/ holds the revisions

Feature code imports what it needs from here (`from app.db import SessionDep`).
"""

from app.db.capacity import ConnectionRoom, connection_room
from app.db.engine import (
    SQLITE_PRAGMAS,
    brief_busy_wait,
    install_pragmas,
    is_sqlite_file,
    limit_threads,
    make_engine,
    pool_limits,
    session_for,
    write_session,
    writer,
)
from app.db.group_commit import WriteBatches, WriterClosed, WriteTimedOut, run_batched_write
from app.db.raw import (
    Columns,
    Held,
    RawQuery,
    Source,
    bind_values,
    columns_of,
    execute,
    fetch_all,
    fetch_one,
    held,
    in_transaction,
    row_of,
    select_list,
    utc,
)
from app.db.reads import LoopReader, loop_reader, run_read
from app.db.sessions import SAFE_METHODS, SessionDep, get_session
from app.db.sql import (
    chunks,
    conflict_insert,
    day_text,
    id_in,
    insert_ignore,
    json_text_rows,
    lock_for_transaction,
    select_columns,
)

__all__ = [
    "SAFE_METHODS",
    "SQLITE_PRAGMAS",
    "Columns",
    "ConnectionRoom",
    "Held",
    "LoopReader",
    "RawQuery",
    "SessionDep",
    "Source",
    "WriteBatches",
    "WriteTimedOut",
    "WriterClosed",
    "bind_values",
    "brief_busy_wait",
    "chunks",
    "columns_of",
    "conflict_insert",
    "connection_room",
    "day_text",
    "execute",
    "fetch_all",
    "fetch_one",
    "get_session",
    "held",
    "id_in",
    "in_transaction",
    "insert_ignore",
    "install_pragmas",
    "is_sqlite_file",
    "json_text_rows",
    "limit_threads",
    "lock_for_transaction",
    "loop_reader",
    "make_engine",
    "pool_limits",
    "row_of",
    "run_batched_write",
    "run_read",
    "select_columns",
    "select_list",
    "session_for",
    "utc",
    "write_session",
    "writer",
]
