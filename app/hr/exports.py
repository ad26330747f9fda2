"""CSV exports of the people report: streamed, spreadsheet-safe, exactly the report's rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.content.catalog import Catalog
from app.hr import audit
from app.hr.people import STATUSES, PeopleFilter, people_select
from app.models import Assignment, Completion, Department, LessonProgress, QuizAttempt

KINDS = ("long", "pivot")
BATCH = 1000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PERSON_COLUMNS = ["external_id", "email", "name", "department", "active"]
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
]


def safe_cell(value: Any) -> Any:
    """Numbers stay numbers; text a spreadsheet would run as a formula gets a leading quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime | date):
        return value.strftime("%Y-%m-%d")
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def filename(kind: str, filters: PeopleFilter, department_name: str | None, today: date) -> str:
    return f"allyship-progress-{kind}-{today.isoformat()}{filters.file_tag(department_name)}.csv"


def start_export(
    session: Session, *, actor_id: int | None, kind: str, filters: PeopleFilter
) -> str:
    """Record the export in the audit log and return the file name."""
    name = None
    if filters.department.isdigit():
        dept = session.get(Department, int(filters.department))
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


def _details(session: Session, ids: Sequence[int]) -> dict[str, dict[tuple[int, str], Any]]:
    """Assignments, reads, attempts and completions for a batch of people (four queries)."""
    assignments = {
        (uid, m): (created, due)
        for uid, m, created, due in session.exec(
            select(
                Assignment.user_id, Assignment.module_id, Assignment.created_at, Assignment.due_at
            ).where(col(Assignment.user_id).in_(ids))
        )
    }
    reads = {
        (uid, m): (opened, read)
        for uid, m, opened, read in session.exec(
            select(
                LessonProgress.user_id,
                LessonProgress.module_id,
                LessonProgress.opened_at,
                LessonProgress.completed_at,
            ).where(col(LessonProgress.user_id).in_(ids))
        )
    }
    first = func.min(QuizAttempt.id)
    attempts = {
        (uid, m): (n, best, first_id)
        for uid, m, n, best, first_id in session.exec(
            select(  # type: ignore[call-overload]
                QuizAttempt.user_id,
                QuizAttempt.module_id,
                func.count(),
                func.max(QuizAttempt.percent),
                first,
            )
            .where(col(QuizAttempt.user_id).in_(ids))
            .group_by(QuizAttempt.user_id, QuizAttempt.module_id)
        )
    }
    first_ids = [v[2] for v in attempts.values()]
    first_scores = (
        dict(
            session.exec(
                select(QuizAttempt.id, QuizAttempt.percent).where(
                    col(QuizAttempt.id).in_(first_ids)
                )
            ).all()
        )
        if first_ids
        else {}
    )
    completions = {
        (uid, m): at
        for uid, m, at in session.exec(
            select(Completion.user_id, Completion.module_id, Completion.completed_at).where(
                col(Completion.user_id).in_(ids)
            )
        )
    }
    return {
        "assignments": assignments,
        "reads": reads,
        "attempts": {k: (n, best, first_scores.get(f)) for k, (n, best, f) in attempts.items()},
        "completions": completions,
    }


def _module_status(
    key: tuple[int, str], d: dict[str, dict[tuple[int, str], Any]], now: datetime
) -> tuple[str, bool]:
    assigned = d["assignments"].get(key)
    if key in d["completions"]:
        return "complete", False
    overdue = bool(assigned and assigned[1] < now)
    if key in d["reads"] or key in d["attempts"]:
        return "in progress", overdue
    return ("not started" if assigned else "not assigned"), overdue


def _person_cells(row: Any) -> list[Any]:
    return [row.external_id, row.email, row.name, row.department or "", row.active]


def rows(
    engine: Engine, catalog: Catalog, *, kind: str, filters: PeopleFilter
) -> Iterator[list[Any]]:
    """The export's rows (header first), streamed from the database in batches."""
    now = utcnow()
    modules = catalog.modules
    if kind == "long":
        yield LONG_COLUMNS
    else:
        yield [
            *PERSON_COLUMNS,
            "status",
            "assigned",
            "completed",
            "overdue",
            *[m.title for m in modules],
        ]
    with Session(engine) as session:
        result = session.exec(people_select(filters, now=now).execution_options(yield_per=BATCH))
        for batch in result.partitions():
            d = _details(session, [r.id for r in batch])
            for person in batch:
                cells = _person_cells(person)
                if kind == "pivot":
                    yield [
                        *cells,
                        STATUSES[person.status],
                        person.assigned,
                        person.done,
                        person.overdue,
                        *(_pivot_cell((person.id, m.id), d, now) for m in modules),
                    ]
                    continue
                for m in modules:
                    key = (person.id, m.id)
                    status, overdue = _module_status(key, d, now)
                    assigned = d["assignments"].get(key)
                    read = d["reads"].get(key)
                    tries, best, first = d["attempts"].get(key, (0, None, None))
                    yield [
                        *cells,
                        m.id,
                        m.title,
                        bool(assigned),
                        assigned[0] if assigned else None,
                        assigned[1] if assigned else None,
                        status,
                        overdue,
                        read[1] if read else None,
                        tries,
                        first,
                        best,
                        d["completions"].get(key),
                    ]


def _pivot_cell(
    key: tuple[int, str], d: dict[str, dict[tuple[int, str], Any]], now: datetime
) -> Any:
    if at := d["completions"].get(key):
        return at
    status, overdue = _module_status(key, d, now)
    return "overdue" if overdue else status


def csv_chunks(source: Iterator[list[Any]], *, rows_per_chunk: int = 500) -> Iterator[bytes]:
    """Encode rows as UTF-8 CSV (with a BOM so spreadsheets detect UTF-8), a chunk at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    for count, row in enumerate(source, 1):
        writer.writerow([safe_cell(v) for v in row])
        if count % rows_per_chunk == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()
