"""'Send a reminder now' for the selected people: one e-mail each, queued in the outbox.

The weekly cap: each open assignment gets at most one such reminder per calendar week (ISO
week), claimed under ReminderSent's unique key (assignment, "manual", week) like the nightly
reminders, so pressing the button twice, or two HR users pressing it at once, queues each
person's reminder once. The statements run are the same for 3 people or 20,000.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import bindparam, update
from sqlmodel import Session, col, select

from app import audit
from app.auth.lookup import AnyUser
from app.clock import utcnow
from app.config import Settings
from app.content.catalog import Catalog
from app.db import id_in, insert_ignore, select_columns
from app.hr import schedule
from app.hr.bulk import Outcome, Selection, resolve
from app.hr.due import completed
from app.hr.reminders import REMINDER_KEY, OpenItem, Recipient, _reminder_message
from app.mail.outbox import REMINDER, queue_message
from app.models import Assignment, ReminderSent, User

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
    rows = session.exec(
        select_columns(
            col(Assignment.id),
            col(Assignment.user_id),
            col(Assignment.module_id),
            col(Assignment.due_at),
            col(User.email),
            col(User.name),
            col(User.manager_id),
        )
        .join(User, col(User.id) == Assignment.user_id)
        .where(id_in(session, Assignment.user_id, ids), col(User.active), ~completed())
    ).all()
    token = {uid: uuid.uuid4().hex for uid in {r[1] for r in rows}}
    claims = [
        {
            "assignment_id": aid,
            "kind": MANUAL,
            "period": period,
            "status": "claimed",
            "claim_token": token[uid],
            "claimed_at": now,
        }
        for aid, uid, *_ in rows
    ]
    insert_ignore(session, ReminderSent, claims, REMINDER_KEY)
    owner = {aid: token[uid] for aid, uid, *_ in rows}
    claimed = session.exec(
        select(ReminderSent.assignment_id, ReminderSent.claim_token).where(
            ReminderSent.kind == MANUAL,
            ReminderSent.period == period,
            col(ReminderSent.status) == "claimed",
            id_in(session, ReminderSent.assignment_id, list(owner)),
        )
    ).all()
    mine = {aid for aid, claim in claimed if owner.get(aid) == claim}
    people: dict[int, Recipient] = {}
    reminder = schedule.Reminder(today, MANUAL, period)
    for aid, uid, module_id, due_at, email, name, manager in rows:
        if aid in mine:
            person = people.setdefault(uid, Recipient(uid, email, name, manager))
            person.items.append(OpenItem(aid, module_id, due_at.date(), reminder))
    queued = {
        uid: queue_message(
            session,
            _reminder_message(settings, catalog, person, person.items, today),
            kind=REMINDER,
        )
        for uid, person in people.items()
    }
    session.flush()
    if queued:
        session.connection().execute(
            update(ReminderSent)
            .where(col(ReminderSent.claim_token) == bindparam("token"))
            .values(status="queued", outbox_id=bindparam("outbox")),
            [{"token": token[uid], "outbox": row.id} for uid, row in queued.items()],
        )
    outcome = Outcome("remind", len(ids), len(queued), len(ids) - len(queued))
    audit.record(
        session,
        actor_id=actor.id,
        action="reminders.queued",
        target=f"{len(queued)} of {len(ids)} selected",
        **selection.describe(),
        user_ids=sorted(people),
        week=period,
        reminders=len(queued),
        via="people table",
    )
    session.commit()
    return outcome
