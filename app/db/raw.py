"""Hand-written SQL for the hot paths: the sign-in lookup and a learner's own pages.

Every signed-in request reads the sign-in, and every learner page reads that learner's
progress. Through the ORM those reads cost five to ten times the SQL itself (statement
execution, entity loading, type processing, BEGIN and ROLLBACK around one SELECT), so they
run here as plain SQL on a pooled DBAPI connection (bench/NOTES.md has the figures). Rows
come back as tuples, or as frozen dataclasses (`row_of`), never as ORM instances: a path
that changes a row loads it with `session.get`.

Queries are written once with `:name` parameters, which sqlite3 takes as they are; the
PostgreSQL text (`%(name)s`) is derived when the query is built. Table and column names
are double-quoted where they clash with keywords ("user"), which both databases accept.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Boolean, DateTime, Dialect, Engine, TypeDecorator
from sqlalchemy.pool import PoolProxiedConnection
from sqlmodel import Session, SQLModel

Row = TypeVar("Row")


@dataclass(frozen=True)
class Held:
    """A DBAPI connection held for several statements in a row, with its dialect."""

    connection: PoolProxiedConnection
    dialect: Dialect


# Where a read runs: an engine's pool, a session's transaction, or a held connection.
Source = Engine | Session | Held
Columns = list[tuple[str, Callable[[Any], Any] | None]]

_PARAM = re.compile(r"(?<![:\w]):(\w+)")
NAIVE_TEXT_LENGTHS = (19, 26)  # "2026-10-07 12:34:56" and the same with ".123456"


@dataclass(frozen=True)
class RawQuery:
    """One statement, with its text for each database."""

    sqlite: str
    postgresql: str = field(repr=False)

    @classmethod
    def of(cls, sql: str) -> RawQuery:
        text = " ".join(sql.split())
        return cls(sqlite=text, postgresql=_PARAM.sub(r"%(\1)s", text.replace("%", "%%")))

    def text_for(self, dialect: str) -> str:
        return self.sqlite if dialect == "sqlite" else self.postgresql


def fetch_all(
    source: Source, query: RawQuery, params: Mapping[str, Any]
) -> Sequence[Sequence[Any]]:
    """Run one statement and return its rows (a SELECT, or a write with RETURNING).

    Given a Session inside a transaction, the query joins that transaction (so a write's
    own reads see its snapshot). Otherwise it runs on a connection from the pool as a
    single statement, which on SQLite is its own consistent read transaction.
    """
    if isinstance(source, Held):
        # try/finally rather than a context manager: this runs for every statement of a
        # page, and contextlib's generator costs more than the cursor (bench/NOTES.md).
        cursor = source.connection.cursor()
        try:
            cursor.execute(query.text_for(source.dialect.name), params)
            rows: Sequence[Sequence[Any]] = cursor.fetchall()  # DB-API rows are untyped
            return rows
        finally:
            cursor.close()
    if isinstance(source, Session) and source.in_transaction():
        return fetch_all(in_transaction(source), query, params)
    bind = source.get_bind() if isinstance(source, Session) else source
    with held(bind if isinstance(bind, Engine) else bind.engine) as connection:
        return fetch_all(connection, query, params)


def execute(source: Held, query: RawQuery, params: Mapping[str, Any]) -> int:
    """Run one write and return how many rows it changed."""
    cursor = source.connection.cursor()
    try:
        cursor.execute(query.text_for(source.dialect.name), params)
        return int(cursor.rowcount)
    finally:
        cursor.close()


def in_transaction(session: Session) -> Held:
    """The session's own connection, its transaction begun (for writes that must join it)."""
    connection = session.connection()
    return Held(connection.connection, connection.dialect)


@contextmanager
def held(engine: Engine) -> Iterator[Held]:
    """One connection from the pool for the reads of one request; back to the pool after."""
    raw = engine.raw_connection()
    try:
        yield Held(raw, engine.dialect)
    finally:
        raw.close()  # back to the pool, which rolls back any implicit transaction


def fetch_one(source: Source, query: RawQuery, params: Mapping[str, Any]) -> Sequence[Any] | None:
    rows = fetch_all(source, query, params)
    return rows[0] if rows else None


def utc(value: datetime | str | None) -> datetime | None:
    """A column value as an aware UTC datetime (SQLite returns text, PostgreSQL datetimes)."""
    if value is None:
        return None
    if isinstance(value, str):
        if len(value) in NAIVE_TEXT_LENGTHS:  # how SQLAlchemy stores UTC on SQLite
            return datetime.fromisoformat(value + "+00:00")  # 7x faster than .replace()
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _converter(column_type: Any) -> Callable[[Any], Any] | None:
    """How a raw column value becomes what the ORM would have given."""
    kind = column_type.impl if isinstance(column_type, TypeDecorator) else column_type
    if isinstance(kind, DateTime):
        return utc
    if isinstance(kind, Boolean):
        return bool  # SQLite returns 0/1
    return None


def columns_of(model: type[SQLModel]) -> Columns:
    """A table's columns in order, each with the conversion its raw values need."""
    return [(c.name, _converter(c.type)) for c in model.__table__.columns]  # type: ignore[attr-defined]


def select_list(columns: Columns, alias: str) -> str:
    return ", ".join(f'{alias}."{name}"' for name, _ in columns)


_BINDERS: dict[tuple[type[SQLModel], str], dict[str, Callable[[Any], Any]]] = {}


def bind_values(model: type[SQLModel], source: Held, values: Mapping[str, Any]) -> dict[str, Any]:
    """Values for a hand-written INSERT of `model`, stored exactly as the ORM would store them.

    Each column's type converts its value for the database (on SQLite a datetime becomes the
    text SQLAlchemy writes and reads back), so rows written here and through the ORM match.
    """
    dialect = source.dialect
    key = (model, dialect.name)
    if (processors := _BINDERS.get(key)) is None:
        processors = _BINDERS[key] = {
            column.name: process
            for column in model.__table__.columns  # type: ignore[attr-defined]
            if (process := column.type.dialect_impl(dialect).bind_processor(dialect)) is not None
        }
    return {
        name: processors[name](value) if name in processors and value is not None else value
        for name, value in values.items()
    }


def row_of(kind: Callable[..., Row], columns: Columns, values: Sequence[Any]) -> Row:
    """A read model (a frozen dataclass whose fields are `columns`, in order) from raw values."""
    return kind(
        *[
            convert(value) if convert and value is not None else value
            for (_, convert), value in zip(columns, values, strict=True)
        ]
    )


def columns_match(kind: Any, model: type[SQLModel]) -> bool:
    """Whether a read model's fields are the table's columns, in order (tests/test_db_raw.py)."""
    return [f.name for f in fields(kind)] == [name for name, _ in columns_of(model)]
