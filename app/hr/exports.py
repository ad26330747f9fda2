"""CSV exports of the people report: streamed, spreadsheet-safe, exactly the report's rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from functools import partial
from typing import Any

from sqlalchemy import Engine, case, exists, func
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app import audit
from app.clock import utcnow
from app.content.catalog import Catalog
from app.db import day_text, select_columns
from app.hr.due import in_current_cycle
from app.hr.people import STATUSES, PeopleFilter, people_select, to_row
from app.hr.sessions import attended_by_module
from app.models import Assignment, Completion, Department, LessonProgress, QuizAttempt
from app.recert.policy import validity_months
from app.spreadsheet import safe_cell
from app.web.inputs import whole_number

KINDS = ("long", "pivot")
BATCH = 1000
PERSON_COLUMNS = ["external_id", "email", "name", "department", "active"]
# The person's recertification status and the day their earliest completion expires.
RECERT_COLUMNS = ["recert_status", "valid_until"]
# Held group sessions of the module the person recorded attending, and the latest one's day.
SESSION_COLUMNS = ["group_sessions", "last_group_session_on"]
LONG_COLUMNS = [
    *PERSON_COLUMNS,
    "module_id",
    "module",
    "assigned",
    "assigned_on",
    "due_on",
    "status",
    "overdue",
    "lesson_read_on",
    "attempts",
    "first_score",
    "best_score",
    "completed_on",
    *RECERT_COLUMNS,
    *SESSION_COLUMNS,
]


def filename(kind: str, filters: PeopleFilter, department_name: str | None, today: date) -> str:
    return f"allyship-progress-{kind}-{today.isoformat()}{filters.file_tag(department_name)}.csv"


def start_export(
    session: Session, *, actor_id: int | None, kind: str, filters: PeopleFilter
) -> str:
    """Record the export in the audit log and return the file name."""
    name = None
    if (department_id := whole_number(filters.department)) is not None:
        dept = session.get(Department, department_id)
        name = dept.name if dept else None
    file = filename(kind, filters, name, utcnow().date())
    audit.record(
        session,
        actor_id=actor_id,
        action="report.export",
        target=file,
        kind=kind,
        **filters.params(),
    )
    session.commit()
    return file


# Per (person, module): assigned, assigned on, due on, overdue, read on, started, attempts,
# first score, best score, completed on.
_BLANK = ("no", None, None, "no", None, False, 0, None, None, None)


def _details(
    session: Session, ids: Sequence[int], now: datetime
) -> dict[tuple[int, str], list[Any]]:
    """Everything per person and module for a batch of people, in four Core queries."""
    conn = session.connection()
    day = partial(day_text, session)
    facts: dict[tuple[int, str], list[Any]] = {}
    read = (
        (col(LessonProgress.user_id) == Assignment.user_id)
        & (col(LessonProgress.module_id) == Assignment.module_id)
        & in_current_cycle(LessonProgress)
    )
    done = (
        (col(Completion.user_id) == Assignment.user_id)
        & (col(Completion.module_id) == Assignment.module_id)
        & in_current_cycle(Completion)
    )
    assigned = (
        select_columns(
            col(Assignment.user_id),
            col(Assignment.module_id),
            day(Assignment.created_at),
            day(Assignment.due_at),
            case((col(Assignment.due_at) < now, "yes"), else_="no"),
            day(LessonProgress.completed_at),
            col(LessonProgress.id).is_not(None),
            day(Completion.completed_at),
        )
        .select_from(Assignment)
        .join(LessonProgress, read, isouter=True)
        .join(Completion, done, isouter=True)
        .where(col(Assignment.user_id).in_(ids))
    )
    for uid, m, created, due, late, read_on, opened, done_on in conn.execute(assigned).all():
        facts[uid, m] = ["yes", created, due, late, read_on, opened, 0, None, None, done_on]
    for uid, m, read_on, done_on in conn.execute(_unassigned(session, ids)).all():
        facts[uid, m] = ["no", None, None, "no", read_on, True, 0, None, None, done_on]
    grouped = (
        select_columns(
            col(QuizAttempt.user_id),
            col(QuizAttempt.module_id),
            func.count().label("n"),
            func.max(QuizAttempt.percent).label("best"),
            func.min(QuizAttempt.id).label("first_id"),
        )
        .where(col(QuizAttempt.user_id).in_(ids), in_current_cycle(QuizAttempt))
        .group_by(col(QuizAttempt.user_id), col(QuizAttempt.module_id))
        .subquery("g")
    )
    first = aliased(QuizAttempt)
    tries = select_columns(
        grouped.c.user_id, grouped.c.module_id, grouped.c.n, grouped.c.best, col(first.percent)
    ).join(first, col(first.id) == grouped.c.first_id)
    for uid, m, n, best, first_score in conn.execute(tries).all():
        f = facts.get((uid, m)) or facts.setdefault((uid, m), list(_BLANK))
        f[5], f[6], f[7], f[8] = True, n, first_score, best
    return facts


def _unassigned(session: Session, ids: Sequence[int]) -> Any:
    """Lessons read (and modules completed) that were never assigned: rare, still reported."""
    assigned = exists().where(
        col(Assignment.user_id) == LessonProgress.user_id,
        col(Assignment.module_id) == LessonProgress.module_id,
    )
    done = (
        (col(Completion.user_id) == LessonProgress.user_id)
        & (col(Completion.module_id) == LessonProgress.module_id)
        & (col(Completion.cycle) == LessonProgress.cycle)
        & (col(Completion.superseded_by) == 0)
    )
    return (
        select(
            LessonProgress.user_id,
            LessonProgress.module_id,
            day_text(session, LessonProgress.completed_at),
            day_text(session, Completion.completed_at),
        )
        .join(Completion, done, isouter=True)
        .where(col(LessonProgress.user_id).in_(ids), ~assigned, in_current_cycle(LessonProgress))
    )


def _status(f: tuple[Any, ...] | list[Any]) -> str:
    if f[9]:
        return "complete"
    if f[5]:
        return "in progress"
    return "not started" if f[0] == "yes" else "not assigned"


def _long_tail(f: tuple[Any, ...] | list[Any]) -> list[Any]:
    """The module part of a long row: assigned, dates, status, overdue, scores, completion."""
    status = _status(f)
    overdue = f[3] if status != "complete" else "no"
    return [f[0], f[1], f[2], status, overdue, f[4], f[6], f[7], f[8], f[9]]


def _pivot_cell(f: tuple[Any, ...] | list[Any]) -> str:
    status = _status(f)
    if status == "complete":
        return str(f[9])
    return "overdue" if f[3] == "yes" else status


def rows(
    engine: Engine, catalog: Catalog, *, kind: str, filters: PeopleFilter
) -> Iterator[list[list[Any]]]:
    """The export in batches of rows (header first); every cell is already spreadsheet-safe."""
    now = utcnow()
    module_ids = catalog.module_ids
    if kind == "long":
        yield [LONG_COLUMNS]
        prefix = {m.id: [safe_cell(m.id), safe_cell(m.title)] for m in catalog.modules}
        blank = {m: prefix[m] + _long_tail(_BLANK) for m in module_ids}
    else:
        header = [*PERSON_COLUMNS, "status", "assigned", "completed", "overdue", *RECERT_COLUMNS]
        yield [header + [safe_cell(m.title) for m in catalog.modules]]
    with Session(engine) as session:
        months = validity_months(session)
        stmt = people_select(filters, now=now, months=months)
        stmt = stmt.execution_options(yield_per=BATCH)
        for batch in session.connection().execute(stmt).partitions():
            facts = _details(session, [r.id for r in batch], now)
            went = attended_by_module(session, [r.id for r in batch]) if kind == "long" else {}
            out: list[list[Any]] = []
            for person in batch:
                cells = [safe_cell(v) for v in _person_cells(person)]
                recert = _recert_cells(person, months)
                uid = person.id
                if kind == "pivot":
                    out.append(
                        cells
                        + [STATUSES[person.status], person.assigned, person.done, person.overdue]
                        + recert
                        + [_pivot_cell(facts.get((uid, m), _BLANK)) for m in module_ids]
                    )
                    continue
                for m in module_ids:
                    f = facts.get((uid, m))
                    tail = prefix[m] + _long_tail(f) if f else blank[m]
                    out.append(cells + tail + recert + list(went.get((uid, m), (0, ""))))
            yield out


def _recert_cells(row: Any, months: int | None) -> list[Any]:
    """Recertification status and valid-until day (blank without assignments or expiry)."""
    person = to_row(row, months)
    until = person.valid_until.isoformat() if person.valid_until else ""
    return [person.recert or "", until]


def _person_cells(row: Any) -> list[Any]:
    return [row.external_id, row.email, row.name, row.department or "", row.active]


def csv_chunks(batches: Iterator[list[list[Any]]]) -> Iterator[bytes]:
    """Encode batches of safe rows as UTF-8 CSV (with a BOM so spreadsheets detect UTF-8)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    for batch in batches:
        writer.writerows(batch)
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
