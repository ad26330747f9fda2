"""What HR sees before and after reminders go out: the plan for the next days, the
recertification reminders lately queued, and failures."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from app.config import Settings
from app.content.catalog import Catalog
from app.db import day_text, select_columns
from app.hr import reminder_schedule, schedule
from app.hr.due import completed
from app.mail.outbox import DIGEST, REMINDER
from app.models import Assignment, OutboxMessage, RecertReminder, ReminderSent, User


@dataclass(frozen=True)
class Planned:
    day: date
    email: str
    name: str
    kind: str
    modules: list[str]
    status: str


def preview(
    session: Session, settings: Settings, catalog: Catalog, *, today: date, days: int = 14
) -> list[Planned]:
    """Who will get what and when over the next `days` days (today's first).

    Open assignments are grouped per person and due date in SQL, so the schedule is worked
    out once per group rather than once per assignment.
    """
    plan = reminder_schedule.current_plan(session, settings)
    low, high = schedule.window(today, plan=plan, ahead=days)
    within = (
        col(Assignment.due_at) >= datetime.combine(low, time.min, tzinfo=UTC),
        col(Assignment.due_at) <= datetime.combine(high, time.max, tzinfo=UTC),
        ~completed(),
    )
    due_day = day_text(session, Assignment.due_at)
    groups = session.exec(
        select_columns(
            col(Assignment.user_id),
            col(User.email),
            col(User.name),
            due_day,
            func.count(),
            func.aggregate_strings(col(Assignment.module_id), ","),
        )
        .join(User, col(User.id) == Assignment.user_id)
        .where(col(User.active), *within)
        .group_by(col(Assignment.user_id), col(User.email), col(User.name), due_day)
    ).all()
    states: dict[tuple[int, str, str, str], dict[str, int]] = defaultdict(dict)
    state = delivery(ReminderSent.status, settings.outbox_max_attempts)
    for uid, day, kind, period, status, count in session.exec(
        select_columns(
            col(Assignment.user_id),
            due_day,
            col(ReminderSent.kind),
            col(ReminderSent.period),
            state,
            func.count(),
        )
        .join(Assignment, col(Assignment.id) == ReminderSent.assignment_id)
        .outerjoin(OutboxMessage, col(OutboxMessage.id) == ReminderSent.outbox_id)
        .where(*within)
        .group_by(
            col(Assignment.user_id),
            due_day,
            col(ReminderSent.kind),
            col(ReminderSent.period),
            state,
        )
    ):
        states[(uid, day, kind, period)][status] = count
    planned = []
    for uid, email, name, day, count, module_ids in groups:
        due = date.fromisoformat(day)
        titles = [m.title if (m := catalog.get(i)) else i for i in sorted(module_ids.split(","))]
        now = schedule.current(due, today, plan=plan)
        if now is not None:
            state = _state(states.get((uid, day, now.kind, now.period), {}), count)
            planned.append(Planned(today, email, name, now.kind, titles, state))
        for later in schedule.upcoming(due, today, plan=plan, days=days):
            planned.append(Planned(later.day, email, name, later.kind, titles, "scheduled"))
    return sorted(planned, key=lambda p: (p.day, p.email, p.kind))


def delivery(status: Any, max_attempts: int) -> Any:
    """A claim's state, from its outbox message once queued: queued, sent, failed or given up."""
    return case(
        (status != "queued", status),
        (col(OutboxMessage.sent_at).is_not(None), "sent"),
        (col(OutboxMessage.id).is_(None), "given up"),  # the message is gone: never sent
        (col(OutboxMessage.attempts) >= max_attempts, "given up"),
        (col(OutboxMessage.attempts) > 0, "failed"),
        else_="queued",
    )


def _state(counts: dict[str, int], total: int) -> str:
    if counts.get("sent", 0) >= total:
        return "sent"
    if counts.get("given up"):
        return "not sent: given up"
    if counts.get("failed"):
        return "failed, will retry"
    if counts.get("queued"):
        return "queued"
    return "due now"


STAGES = {
    "recert-expiring": "expiring soon",
    "recert-expired": "expired, new cycle",
    "recert-weekly": "weekly, after expiry",
}


@dataclass(frozen=True)
class RecertSent:
    day: date
    email: str
    name: str
    stage: str
    cycle: str
    status: str


def _cycle(period: str) -> str:
    """ "c2" as "cycle 2", "c2/w3" as "cycle 2, week 3"."""
    return ", ".join(
        part.replace("c", "cycle ").replace("w", "week ") for part in period.split("/")
    )


def recert_reminders(
    session: Session, *, since: date, max_attempts: int, limit: int = 300
) -> list[RecertSent]:
    """Recertification reminders queued since `since`, newest first, each with its delivery."""
    state = delivery(RecertReminder.status, max_attempts)
    rows = session.exec(
        select_columns(
            col(RecertReminder.claimed_at),
            col(User.email),
            col(User.name),
            col(RecertReminder.kind),
            col(RecertReminder.period),
            state,
        )
        .join(User, col(User.id) == RecertReminder.user_id)
        .outerjoin(OutboxMessage, col(OutboxMessage.id) == RecertReminder.outbox_id)
        .where(col(RecertReminder.claimed_at) >= datetime.combine(since, time.min, tzinfo=UTC))
        .order_by(col(RecertReminder.claimed_at).desc(), col(User.email), col(RecertReminder.kind))
        .limit(limit)
    ).all()
    return [
        RecertSent(at.date(), email, name, STAGES.get(kind, kind), _cycle(period), status)
        for at, email, name, kind, period, status in rows
    ]


@dataclass(frozen=True)
class MailToday:
    """Reminder and digest e-mail queued today, by what the outbox sender has done with it."""

    queued: int = 0
    sent: int = 0
    retrying: int = 0
    given_up: int = 0

    @property
    def total(self) -> int:
        return self.queued + self.sent + self.retrying + self.given_up


def reminder_mail(session: Session, *, today: date, max_attempts: int) -> MailToday:
    """How today's reminders and digests stand in the outbox (one grouped read)."""
    state = case(
        (col(OutboxMessage.sent_at).is_not(None), "sent"),
        (col(OutboxMessage.attempts) >= max_attempts, "given_up"),
        (col(OutboxMessage.attempts) > 0, "retrying"),
        else_="queued",
    )
    rows = session.exec(
        select_columns(state, func.count())
        .where(
            col(OutboxMessage.kind).in_([REMINDER, DIGEST]),
            col(OutboxMessage.created_at) >= datetime.combine(today, time.min, tzinfo=UTC),
        )
        .group_by(state)
    ).all()
    return MailToday(**{name: int(count) for name, count in rows})


@dataclass(frozen=True)
class Failure:
    email: str
    what: str
    error: str
    attempts: int
    gave_up: bool = False


def failures(session: Session, *, limit: int = 100, max_attempts: int = 8) -> list[Failure]:
    """Reminders and outbox e-mail the SMTP server did not accept, and which were given up."""
    reminder_rows = session.exec(
        select(User.email, ReminderSent.kind, ReminderSent.last_error, ReminderSent.attempts)
        .join(Assignment, col(Assignment.id) == ReminderSent.assignment_id)
        .join(User, col(User.id) == Assignment.user_id)
        .where(ReminderSent.status == "failed")
        .order_by(User.email)
        .limit(limit)
    ).all()
    mail_rows = session.exec(
        select(
            OutboxMessage.to, OutboxMessage.kind, OutboxMessage.last_error, OutboxMessage.attempts
        )
        .where(col(OutboxMessage.sent_at).is_(None), OutboxMessage.last_error != "")
        .order_by(OutboxMessage.to)
        .limit(limit)
    ).all()
    out = {Failure(e, f"reminder ({k})", err, n) for e, k, err, n in reminder_rows}
    out |= {
        Failure(e, k.replace("-", " "), err, n, gave_up=n >= max_attempts)
        for e, k, err, n in mail_rows
    }
    return sorted(out, key=lambda f: (f.email, f.what))
