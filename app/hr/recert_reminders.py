"""Recertification reminders: they follow each person's expiry, through the outbox.

Stages, once each per person and cycle (RecertReminder's unique key): `recert-expiring` when
the oldest completion enters the expiring window (app/recert/status.py), `recert-expired` on the day it expires, then
`recert-weekly` once a week after, up to the weekly cap (`reminder_weekly_cap`), as the
overdue reminders do. When the expiring stage finds a person whose current cycle is finished,
it first starts their next cycle (the modules open again, due on the expiry day): the run is
the system acting, never the learner.
"""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.config import Settings
from app.db import select_columns
from app.hr.claims import claim_rows, queue_claimed
from app.hr.due import due_in
from app.hr.recert import recert_stats, status_column
from app.mail.mailer import Message
from app.mail.outbox import REMINDER
from app.models import Assignment, Completion, RecertReminder, User
from app.recert.cycles import start_cycle
from app.recert.policy import validity_months
from app.recert.status import RecertStatus, expiry_of

KEY = ["user_id", "kind", "period"]
EXPIRING = "recert-expiring"
EXPIRED = "recert-expired"
EXPIRED_WEEKLY = "recert-weekly"


def _finished(session: Session, user_id: int, cycle: int) -> bool:
    """Every assigned module is complete in the person's current cycle."""
    assigned = set(session.exec(select(Assignment.module_id).where(Assignment.user_id == user_id)))
    done = set(
        session.exec(
            select(Completion.module_id).where(
                Completion.user_id == user_id, Completion.cycle == cycle
            )
        )
    )
    return bool(assigned) and assigned <= done


def _open_next_cycle(session: Session, user_id: int, cycle: int, due: datetime) -> int:
    """Start the next cycle (due on the expiry day) if this one is finished; the cycle now."""
    if _finished(session, user_id, cycle) and start_cycle(
        session, user_id=user_id, seen=cycle, actor_id=None, due_on=due.date()
    ):
        session.execute(
            update(Assignment).where(col(Assignment.user_id) == user_id).values(due_at=due)
        )
        return cycle + 1
    return cycle


def _stage(
    status: str, expires: datetime, today: datetime, cap: int, cycle: int
) -> tuple[str, str] | None:
    if status == RecertStatus.expiring:
        return EXPIRING, f"c{cycle}"
    week = (today.date() - expires.date()).days // 7
    if week == 0:
        return EXPIRED, f"c{cycle}"
    if 1 <= week <= cap:
        return EXPIRED_WEEKLY, f"c{cycle}/w{week}"
    return None


def _message(settings: Settings, name: str, email: str, kind: str, expires: datetime) -> Message:
    day = f"{expires:%-d %b %Y}"
    if kind == EXPIRING:
        subject = f"Time to renew: {settings.course_title} expires on {day}"
        first = f"Your {settings.course_title} completion is valid until {day}."
    else:
        subject = f"Expired: {settings.course_title} (since {day})"
        first = f"Your {settings.course_title} completion expired on {day}."
    return Message(
        to=email,
        subject=subject,
        body=(
            f"Hello {name},\n\n{first} Your modules are open again: when you complete them, "
            f"your certification is renewed.\n\nYour dashboard: {settings.public_url}/\n"
            "Your earlier completions and certificates stay in your record.\n"
        ),
    )


def queue_recert(
    session: Session,
    settings: Settings,
    *,
    queued: list[tuple[str, str, int]],
    dry_run: bool,
    now: datetime,
) -> None:
    """Queue today's reminders (appended to `queued`) in the caller's transaction; it commits."""
    months = validity_months(session)
    if months is None:
        return
    rs = recert_stats()
    status = status_column(rs, months, now.date())
    rows = session.exec(
        select_columns(
            col(User.id), col(User.email), col(User.name), col(User.cycle), status, rs.c.oldest
        )
        .join(rs, rs.c.user_id == User.id)
        .where(
            col(User.active), status.in_([RecertStatus.expiring.value, RecertStatus.expired.value])
        )
        .order_by(col(User.email))
    ).all()
    for uid, email, name, cycle, state, oldest in rows:
        day = expiry_of(oldest, months)
        if day is None:
            continue
        expires = datetime.combine(day, time(0, 0), tzinfo=now.tzinfo)
        stage = _stage(state, expires, now, settings.reminder_weekly_cap, cycle)
        if stage is None:
            continue
        if dry_run:
            queued.append((email, stage[0], 1))
            continue
        due = (
            expires - timedelta(seconds=1)
            if expires > now
            else due_in(now, settings.default_due_days)
        )
        opened = _open_next_cycle(session, uid, cycle, due)
        stage = (stage[0], stage[1].replace(f"c{cycle}", f"c{opened}", 1))
        token = uuid.uuid4().hex
        row = {"user_id": uid, "kind": stage[0], "period": stage[1]}
        if not claim_rows(session, RecertReminder, KEY, [row], token, now):
            continue
        queue_claimed(
            session,
            RecertReminder,
            token,
            _message(settings, name, email, stage[0], expires),
            kind=REMINDER,
        )
        queued.append((email, stage[0], 1))
