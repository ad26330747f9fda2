"""SQL that differs between SQLite and PostgreSQL, built in this one place; typed selects.

Features never ask which database they run on: they ask here for an INSERT that can take
ON CONFLICT, a day as text, or a transaction-wide lock, and get the statement for the
session's database.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import ColumnElement, Connection, Integer, any_, bindparam, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session
from sqlmodel.sql.expression import Select

if TYPE_CHECKING:
    from sqlalchemy.sql._typing import _ColumnsClauseArgument

T = TypeVar("T")
CHUNK = 900
Upsert = postgresql.Insert | sqlite.Insert


def on_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def has_table(conn: Connection, name: str) -> bool:
    """Whether the table exists: one query, without SQLAlchemy's reflection (slow to load)."""
    if conn.dialect.name == "postgresql":
        query = text("SELECT to_regclass(:name) IS NOT NULL")
    else:
        query = text("SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = :name")
    return bool(conn.execute(query, {"name": name}).scalar())


def conflict_insert(session: Session, model: Any) -> Upsert:
    """`INSERT INTO model` for the session's database, able to take `.on_conflict_do_*()`."""
    statement: Upsert = (postgresql if on_postgresql(session) else sqlite).insert(model)
    return statement


def insert_ignore(
    session: Session, model: Any, rows: list[dict[str, Any]], keys: list[str]
) -> None:
    """INSERT ... ON CONFLICT DO NOTHING on the unique `keys` (SQLite and PostgreSQL).

    Into the model's table, not the mapped class: an ORM bulk insert of a class whose ids
    the database makes can go row by row (20,000 statements for 20,000 events); a Core
    insert is one executemany.
    """
    if not rows:
        return
    table = getattr(model, "__table__", model)
    session.execute(
        conflict_insert(session, table).on_conflict_do_nothing(index_elements=keys), rows
    )


def day_text(session: Session, column: Any) -> Any:
    """A timestamp column as YYYY-MM-DD text, formatted by the database (no per-row Python)."""
    if on_postgresql(session):
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    return func.substr(column, 1, 10)


def lock_for_transaction(session: Session, key: int) -> None:
    """Hold the lock named `key` until the transaction ends: one such transaction at a time.

    PostgreSQL takes a transaction-level advisory lock; SQLite needs nothing more, because
    every write transaction already begins IMMEDIATE, one writer at a time.
    """
    if on_postgresql(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def id_in(session: Session, column: Any, ids: Sequence[int]) -> ColumnElement[bool]:
    """`column IN ids` with ONE bound value, however many ids: a statement per action, not per 900.

    PostgreSQL takes an integer array (`= ANY(:ids)`); SQLite reads a JSON array with
    json_each. Either way the statement text and its cost of preparing stay the same.
    """
    found: ColumnElement[bool]
    if on_postgresql(session):
        found = column == any_(bindparam(None, list(ids), type_=postgresql.ARRAY(Integer)))
    else:
        values = func.json_each(json.dumps(list(ids))).table_valued("value")
        found = column.in_(select(values.c.value))
    return found


def json_text_rows(
    session: Session, rows: Sequence[Mapping[str, str]], names: Sequence[str]
) -> Any:
    """`rows` (text values) as a SELECT with one column per name, from ONE bound JSON value.

    For an INSERT ... SELECT of thousands of rows in one statement: an executemany would be
    one statement per row to the database (and to the query counter).
    """
    payload = [{name: row[name] for name in names} for row in rows]
    if on_postgresql(session):
        data = bindparam(None, payload, type_=postgresql.JSON)
        items = func.json_array_elements(data).table_valued("value")
        columns = [items.c.value.op("->>")(name).label(name) for name in names]
    else:
        items = func.json_each(json.dumps(payload)).table_valued("value")
        columns = [func.json_extract(items.c.value, f"$.{name}").label(name) for name in names]
    return select(*columns).select_from(items)


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """`items` in slices small enough for an IN list on either database."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def select_columns(*columns: _ColumnsClauseArgument[Any]) -> Select[*tuple[Any, ...]]:
    """`sqlmodel.select(...)` for five or more columns, typed.

    sqlmodel's overloads stop at four entities (fastapi/sqlmodel#271), so mypy rejects a
    longer `select(...)`. For two or more entities `sqlmodel.select` returns exactly this
    `Select`, so the statement, its SQL and `session.exec` results are the same.
    """
    return Select(*columns)
