"""Small SQL helpers shared by HR services: portable insert-or-ignore, chunked IN lists."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Exists, exists, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col
from sqlmodel.sql.expression import Select

from app.models import Assignment, Completion

if TYPE_CHECKING:
    from sqlalchemy.sql._typing import _ColumnsClauseArgument

T = TypeVar("T")
CHUNK = 900


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def select_columns(*columns: _ColumnsClauseArgument[Any]) -> Select[*tuple[Any, ...]]:
    """`sqlmodel.select(...)` for five or more columns, typed.

    sqlmodel's overloads stop at four entities (fastapi/sqlmodel#271), so mypy rejects a
    longer `select(...)`. For two or more entities `sqlmodel.select` returns exactly this
    `Select`, so the statement, its SQL and `session.exec` results are the same.
    """
    return Select(*columns)


def insert_ignore(
    session: Session, model: Any, rows: list[dict[str, Any]], keys: list[str]
) -> None:
    """INSERT ... ON CONFLICT DO NOTHING on the unique `keys` (SQLite and PostgreSQL)."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    stmt = module.insert(model).on_conflict_do_nothing(index_elements=keys)
    session.execute(stmt, rows)


def completed() -> Exists:
    """True for an assignment whose module the person has completed (correlated EXISTS)."""
    return exists().where(
        col(Completion.user_id) == Assignment.user_id,
        col(Completion.module_id) == Assignment.module_id,
    )


def day_text(session: Session, column: Any) -> Any:
    """A timestamp column as YYYY-MM-DD text, formatted by the database (no per-row Python)."""
    if session.get_bind().dialect.name == "sqlite":
        return func.substr(column, 1, 10)
    return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")


def end_of_day(day: date) -> datetime:
    """Due dates mean "by the end of that day" (UTC)."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


def due_in(now: datetime, days: int) -> datetime:
    return end_of_day((now + timedelta(days=days)).date())
