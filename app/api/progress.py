"""API v1 reports: module completions since a time, a page at a time (keyset paging)."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_
from sqlmodel import Session, col, select

from app.api.schemas import ProgressItem, ProgressPage
from app.db import select_columns
from app.errors import Invalid
from app.models import Completion, QuizAttempt, User, row_id
from app.recert.policy import validity_months
from app.recert.status import expiry_of
from app.web.inputs import whole_number

PAGE_MAX = 1000


def encode_cursor(at: datetime, completion_id: int) -> str:
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{completion_id}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        at, text = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        when, row = datetime.fromisoformat(at), whole_number(text)
        if when.tzinfo is None or row is None:
            raise ValueError("not a cursor this API made")
        return when.astimezone(UTC), row
    except (ValueError, OverflowError, binascii.Error, UnicodeDecodeError) as exc:
        raise Invalid(
            "cursor: not a cursor from a previous page; start again without it.",
            fields={"cursor": "Not a cursor from a previous page; start again without it."},
        ) from exc


def after(cursor: str, at_column: Any, id_column: Any) -> ColumnElement[bool]:
    """Rows after the cursor's (time, id) in keyset order: `(at, id) > (cursor's at, id)`."""
    at, after_id = decode_cursor(cursor)
    return or_(at_column > at, and_(at_column == at, id_column > after_id))


def progress(
    session: Session, *, since: datetime | None, cursor: str | None, limit: int
) -> ProgressPage:
    """Completions in (completed_at, id) order from `since`, a page at a time (keyset paging)."""
    if since is not None and since.tzinfo is None:
        raise Invalid(
            "since: include a time zone, for example 2026-01-31T00:00:00Z.",
            fields={"since": "Include a time zone, for example 2026-01-31T00:00:00Z."},
        )
    stmt = (
        select(Completion, User.external_id, User.email)
        .join(User, col(User.id) == Completion.user_id)
        .order_by(col(Completion.completed_at), col(Completion.id))
        .limit(limit + 1)
    )
    if since is not None:
        stmt = stmt.where(col(Completion.completed_at) >= since)
    if cursor:
        stmt = stmt.where(after(cursor, col(Completion.completed_at), col(Completion.id)))
    rows = session.exec(stmt).all()
    page, more = rows[:limit], len(rows) > limit
    pairs = {(c.user_id, c.module_id) for c, _, _ in page}
    users = {u for u, _ in pairs}
    stats = (
        {
            (u, m, cycle): (n, best)
            for u, m, cycle, n, best in session.exec(
                select_columns(
                    col(QuizAttempt.user_id),
                    col(QuizAttempt.module_id),
                    col(QuizAttempt.cycle),
                    func.count(),
                    func.max(QuizAttempt.percent),
                )
                .where(col(QuizAttempt.user_id).in_(users))
                .group_by(
                    col(QuizAttempt.user_id), col(QuizAttempt.module_id), col(QuizAttempt.cycle)
                )
            )
        }
        if users
        else {}
    )
    months = validity_months(session)
    items = [
        ProgressItem(
            external_id=ext,
            email=email,
            module_id=c.module_id,
            completed_at=c.completed_at,
            via=c.via,
            attempts=stats.get((c.user_id, c.module_id, c.cycle), (0, None))[0],
            best_score=stats.get((c.user_id, c.module_id, c.cycle), (0, None))[1],
            cycle=c.cycle,
            valid_until=expiry_of(c.completed_at, months),
        )
        for c, ext, email in page
    ]
    last = page[-1][0] if page else None
    return ProgressPage(
        items=items,
        next_cursor=encode_cursor(last.completed_at, row_id(last)) if more and last else None,
    )
