"""'Send a reminder now' for the selected people: one e-mail each, queued in the outbox.

The weekly cap: each open assignment gets at most one such reminder per calendar week (ISO
week), claimed under ReminderSent's unique key (assignment, "manual", week) like the nightly
reminders, so pressing the button twice, or two HR users pressing it at once, queues each
person's reminder once. The statements run are the same for 3 people or 20,000: the claims
are one INSERT ... SELECT and the messages one INSERT from a JSON value. Manual claims are
marked queued without a link to their message (that link would take a statement per person);
the reminders page previews the schedule's kinds only, and the outbox holds each message.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, literal, select, update
from sqlmodel import Session, col

from app import audit
from app.auth.lookup import AnyUser
from app.clock import utcnow
from app.config import Settings
from app.content.catalog import Catalog
from app.db import conflict_insert, id_in, json_text_rows
from app.hr import schedule
from app.hr.bulk import Outcome, Selection, resolve
from app.hr.reminders import (
    REMINDER_KEY,
    OpenItem,
    Recipient,
    _reminder_message,
    open_with_recipients,
)
from app.mail.mailer import Message
from app.mail.outbox import REMINDER
from app.models import Assignment, OutboxMessage, ReminderSent

MANUAL = "manual"


def week_of(day: date) -> str:
    """The ISO week a manual reminder is counted in: "2026-W50"."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def remind(
    session: Session,
    settings: Settings,
    catalog: Catalog,
    *,
    actor: AnyUser,
    selection: Selection,
) -> Outcome:
    """Queue one reminder per selected active person with open modules not reminded this week."""
    now = utcnow()
    today = now.date()
    period = week_of(today)
    ids = resolve(session, selection)
    rows = session.exec(open_with_recipients(id_in(session, Assignment.user_id, ids))).all()
    token = uuid.uuid4().hex
    mine = _claim(session, [r[0] for r in rows], period=period, token=token, now=now)
    people: dict[int, Recipient] = {}
    reminder = schedule.Reminder(today, MANUAL, period)
    for aid, uid, module_id, due_at, email, name, manager in rows:
        if aid in mine:
            person = people.setdefault(uid, Recipient(uid, email, name, manager))
            person.items.append(OpenItem(aid, module_id, due_at.date(), reminder))
    messages = [
        _reminder_message(session, settings, catalog, person, person.items, today)
        for person in people.values()
    ]
    _queue_all(session, messages, now=now)
    session.execute(
        update(ReminderSent)
        .where(col(ReminderSent.claim_token) == token, col(ReminderSent.status) == "claimed")
        .values(status="queued")
    )
    queued = people
    outcome = Outcome("remind", len(ids), len(queued), len(ids) - len(queued))
    audit.record(
        session,
        actor_id=actor.id,
        action="reminders.queued",
        target=f"{len(queued)} of {len(ids)} selected",
        **selection.describe(),
        user_ids=sorted(queued),
        week=period,
        reminders=len(queued),
        via="people table",
    )
    session.commit()
    return outcome


def _literal(model: Any, name: str, value: Any) -> Any:
    return literal(value, model.__table__.c[name].type)


def _claim(
    session: Session, assignment_ids: list[int], *, period: str, token: str, now: datetime
) -> set[int]:
    """Claim this week's manual reminder of each assignment (one statement); the ones we got."""
    values = {
        "kind": MANUAL,
        "period": period,
        "status": "claimed",
        "claim_token": token,
        "claimed_at": now,
        "attempts": 0,
        "last_error": "",
    }
    rows = select(
        col(Assignment.id), *(_literal(ReminderSent, k, v) for k, v in values.items())
    ).where(id_in(session, Assignment.id, assignment_ids))
    insert = conflict_insert(session, ReminderSent).from_select(["assignment_id", *values], rows)
    claimed = insert.on_conflict_do_nothing(index_elements=REMINDER_KEY).returning(
        col(ReminderSent.assignment_id)
    )
    return set(session.execute(claimed).scalars())


def _queue_all(session: Session, messages: list[Message], *, now: datetime) -> None:
    """Put every message in the outbox in one statement (see app.mail.outbox.queue_message)."""
    if not messages:
        return
    texts = [{"to": m.to[:320], "subject": m.subject[:300], "body": m.body} for m in messages]
    source = json_text_rows(session, texts, ["to", "subject", "body"]).subquery()
    fixed = {
        "kind": REMINDER,
        "created_at": now,
        "next_attempt_at": now,
        "attempts": 0,
        "last_error": "",
        "claimed_by": "",
    }
    rows = select(
        source.c.to,
        source.c.subject,
        source.c.body,
        *(_literal(OutboxMessage, k, v) for k, v in fixed.items()),
    )
    session.execute(insert(OutboxMessage).from_select(["to", "subject", "body", *fixed], rows))
