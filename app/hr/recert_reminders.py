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
from app.content.catalog import Catalog
from app.db import select_columns
from app.hr.claims import claim_rows, queue_claimed
from app.hr.due import completed, due_in, module_line
from app.hr.recert import recert_stats, status_column
from app.hr.schedule import describe
from app.mail import stored_texts, texts
from app.mail.mailer import Message
from app.mail.outbox import REMINDER
from app.models import Assignment, Completion, RecertReminder, User
from app.recert.cycles import current_cycle, start_cycle
from app.recert.policy import validity_months
from app.recert.status import RecertStatus, expiry_of

KEY = ["user_id", "kind", "period"]
EXPIRING = texts.RECERT_EXPIRING
EXPIRED = texts.RECERT_EXPIRED
EXPIRED_WEEKLY = "recert-weekly"
# The weekly reminders after expiry say what the expired stage says.
TEXT_OF = {EXPIRING: EXPIRING, EXPIRED: EXPIRED, EXPIRED_WEEKLY: EXPIRED}


def _finished(session: Session, user_id: int, cycle: int) -> bool:
    """Every assigned module is complete in the person's current cycle."""
    assigned = set(session.exec(select(Assignment.module_id).where(Assignment.user_id == user_id)))
    done = set(
        session.exec(
            select(Completion.module_id).where(
                Completion.user_id == user_id,
                Completion.cycle == cycle,
                Completion.superseded_by == 0,
            )
        )
    )
    return bool(assigned) and assigned <= done


def _open_next_cycle(session: Session, user_id: int, cycle: int, due: datetime) -> int:
    """Start the next cycle (due on the expiry day) if this one is finished; the cycle now.

    When HR started it first (assigning again, at the same moment), the person's cycle is
    read again, so this stage is claimed for that cycle and not sent twice.
    """
    if not _finished(session, user_id, cycle):
        return cycle
    if start_cycle(session, user_id=user_id, seen=cycle, actor_id=None, due_on=due.date()):
        session.execute(
            update(Assignment).where(col(Assignment.user_id) == user_id).values(due_at=due)
        )
        return cycle + 1
    return current_cycle(session, user_id=user_id)


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


def _message(
    session: Session,
    settings: Settings,
    catalog: Catalog,
    person: tuple[int, str, str],
    stage: str,
    dates: tuple[datetime, datetime],
) -> Message:
    """The stage's text (editable on /hr/emails) with the person's reopened modules."""
    uid, email, name = person
    expires, today = dates[0], dates[1].date()
    open_rows = session.exec(
        select(Assignment.module_id, Assignment.due_at)
        .where(Assignment.user_id == uid, ~completed())
        .order_by(col(Assignment.due_at), col(Assignment.module_id))
    ).all()
    lines = [
        module_line(settings, catalog, module, describe("", due.date(), today))
        for module, due in open_rows
    ]
    first = min((due for _, due in open_rows), default=expires)
    values = stored_texts.base_values(session, settings, name=name) | {
        "expires_on": f"{expires:%-d %b %Y}",
        "due_date": f"{first:%-d %b %Y}",
        "modules": "\n".join(lines) or "- (your dashboard shows what is open)",
        "link": f"{settings.public_url}/",
    }
    return stored_texts.compose(session, settings, TEXT_OF[stage], to=email, values=values)


def queue_recert(
    session: Session,
    settings: Settings,
    catalog: Catalog,
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
            _message(session, settings, catalog, (uid, email, name), stage[0], (expires, now)),
            kind=REMINDER,
        )
        queued.append((email, stage[0], 1))
