"""Reminder emails: who gets what and when, a claim per (assignment, kind, period), queued.

A reminder (or a manager's weekly digest) is claimed under its unique key and its message
queued in the outbox in the same transaction (app.mail.outbox.queue_message): two runs at once,
the HR button and the nightly command, queue each reminder exactly once, and a request never
talks to SMTP. Delivery, retries and failures are the outbox sender's (app.mail.outbox_sender).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app import audit
from app.auth import invites
from app.auth.link_mail import SIGN_IN_LINKS
from app.clock import utcnow
from app.config import Settings
from app.content.catalog import Catalog
from app.db import chunks, select_columns
from app.hr import overdue, recert_reminders, reminder_schedule, schedule
from app.hr.claims import DONE
from app.hr.claims import claim_rows as _claim
from app.hr.claims import queue_claimed as _queue
from app.hr.due import completed, module_line
from app.hr.team_tree import team_of
from app.mail import outbox_sender, stored_texts, texts
from app.mail.mailer import Mailer, Message
from app.mail.outbox import DIGEST, REMINDER
from app.models import Assignment, DigestSent, ManagerDigest, ReminderSent, User

REMINDER_KEY = ["assignment_id", "kind", "period"]
DIGEST_KEY = ["manager_id", "period"]


@dataclass(frozen=True)
class OpenItem:
    assignment_id: int
    module_id: str
    due: date
    reminder: schedule.Reminder


@dataclass
class Recipient:
    user_id: int
    email: str
    name: str
    manager_id: int | None
    items: list[OpenItem] = field(default_factory=list)

    @property
    def kind(self) -> str:
        """The most pressing kind among this person's reminders."""
        return max((i.reminder.kind for i in self.items), key=schedule.KINDS.index)


@dataclass
class RunReport:
    """What a run queued (or, in a dry run, would queue): (address, kind, modules), digests."""

    queued: list[tuple[str, str, int]] = field(default_factory=list)
    digests: list[str] = field(default_factory=list)
    dry_run: bool = False


def open_with_recipients(*where: Any) -> Any:
    """Active people's open assignments with who to write to: (assignment id, user id,
    module, due, e-mail, name, manager id). Scheduled and manual reminders both read this."""
    return (
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
        .where(col(User.active), ~completed(), *where)
    )


def _open_assignments(
    session: Session, low: date, high: date
) -> list[tuple[int, int, str, datetime, str, str, int | None]]:
    return list(
        session.exec(
            open_with_recipients(
                col(Assignment.due_at) >= datetime.combine(low, time.min, tzinfo=UTC),
                col(Assignment.due_at) <= datetime.combine(high, time.max, tzinfo=UTC),
            ).order_by(col(User.email), col(Assignment.module_id))
        ).all()
    )


def _sent(session: Session, assignment_ids: list[int]) -> dict[tuple[int, str, str], str]:
    status: dict[tuple[int, str, str], str] = {}
    for part in chunks(assignment_ids):
        for aid, kind, period, state in session.exec(
            select(
                ReminderSent.assignment_id,
                ReminderSent.kind,
                ReminderSent.period,
                ReminderSent.status,
            ).where(col(ReminderSent.assignment_id).in_(part))
        ):
            status[(aid, kind, period)] = state
    return status


def due_now(session: Session, settings: Settings, *, today: date) -> list[Recipient]:
    """People with at least one reminder due today that has not been sent yet."""
    plan = reminder_schedule.current_plan(session, settings)
    low, high = schedule.window(today, plan=plan)
    rows = _open_assignments(session, low, high)
    sent = _sent(session, [r[0] for r in rows])
    people: dict[int, Recipient] = {}
    for aid, uid, module_id, due_at, email, name, manager in rows:
        reminder = schedule.current(due_at.date(), today, plan=plan)
        if reminder is None or sent.get((aid, reminder.kind, reminder.period)) in DONE:
            continue
        person = people.setdefault(uid, Recipient(uid, email, name, manager))
        person.items.append(OpenItem(aid, module_id, due_at.date(), reminder))
    return list(people.values())


def module_lines(settings: Settings, catalog: Catalog, items: list[OpenItem], today: date) -> str:
    """The {modules} of a reminder: one module a line, with its due date and link."""
    return "\n".join(
        module_line(
            settings,
            catalog,
            item.module_id,
            schedule.describe(item.reminder.kind, item.due, today),
        )
        for item in sorted(items, key=lambda i: (i.due, i.module_id))
    )


def _reminder_message(
    session: Session,
    settings: Settings,
    catalog: Catalog,
    person: Recipient,
    items: list[OpenItem],
    today: date,
) -> Message:
    first = min(i.due for i in items)
    values = stored_texts.base_values(session, settings, name=person.name) | {
        "modules": module_lines(settings, catalog, items, today),
        "due_date": f"{first:%-d %b %Y}",
        "link": f"{settings.public_url}/",
    }
    kind = texts.OVERDUE if first < today else texts.REMINDER
    return stored_texts.compose(session, settings, kind, to=person.email, values=values)


def queue_due(
    session: Session,
    settings: Settings,
    catalog: Catalog,
    *,
    actor_id: int | None,
    dry_run: bool = False,
    manager_digest: bool | None = None,
    now: datetime | None = None,
) -> RunReport:
    """Queue today's reminders (one e-mail per person) and digests in one transaction; commits."""
    now = now or utcnow()
    today = now.date()
    report = RunReport(dry_run=dry_run)
    for person in due_now(session, settings, today=today):
        if dry_run:
            report.queued.append((person.email, person.kind, len(person.items)))
            continue
        token = uuid.uuid4().hex
        rows = [
            {"assignment_id": i.assignment_id, "kind": i.reminder.kind, "period": i.reminder.period}
            for i in person.items
        ]
        mine = _claim(session, ReminderSent, REMINDER_KEY, rows, token, now)
        items = [i for i in person.items if i.assignment_id in mine]
        if not items:
            continue  # another run has them
        message = _reminder_message(session, settings, catalog, person, items, today)
        _queue(session, ReminderSent, token, message, kind=REMINDER)
        report.queued.append((person.email, person.kind, len(items)))
    if manager_digest is not False:
        # True (or the organisation's setting): every manager; otherwise those who opted in.
        everyone = manager_digest or settings.reminder_manager_digest
        _digests(session, settings, catalog, report, now, everyone=everyone)
    recert_reminders.queue_recert(
        session, settings, catalog, queued=report.queued, dry_run=dry_run, now=now
    )
    if not dry_run:
        overdue.record_overdue(session, now=now)
    if not dry_run and (report.queued or report.digests):
        audit.record(
            session,
            actor_id=actor_id,
            action="reminders.queued",
            reminders=len(report.queued),
            digests=len(report.digests),
        )
    session.commit()
    return report


def _digests(
    session: Session,
    settings: Settings,
    catalog: Catalog,
    report: RunReport,
    now: datetime,
    *,
    everyone: bool,
) -> None:
    """One weekly email per manager (every one, or those who opted in) listing the overdue
    modules of their whole team, direct and indirect reports (app.hr.team_tree)."""
    done = completed()
    boss = aliased(User)
    tops = select(boss.id) if everyone else select(ManagerDigest.user_id)
    team = team_of(tops)
    rows = session.exec(
        select_columns(
            team.c.top,
            col(User.name),
            col(Assignment.module_id),
            col(Assignment.due_at),
        )
        .join(User, col(User.id) == team.c.member)
        .join(Assignment, col(Assignment.user_id) == User.id)
        .where(col(User.active), Assignment.due_at < now, ~done)
        .order_by(team.c.top, col(User.name), col(Assignment.module_id))
    ).all()
    overdue: dict[int, list[str]] = defaultdict(list)
    for manager_id, name, module_id, due_at in rows:
        title = m.title if (m := catalog.get(module_id)) else module_id
        # Names only: a manager sees what /privacy lists of their reports, not their addresses.
        overdue[manager_id or 0].append(f"- {name}: {title} (due {due_at:%-d %b %Y})")
    managers = {
        u.id: u
        for part in chunks(list(overdue))
        for u in session.exec(select(User).where(col(User.id).in_(part), col(User.active)))
    }
    year, week, _ = now.isocalendar()
    period = f"{year}-W{week:02d}"
    for manager_id, lines in overdue.items():
        manager = managers.get(manager_id)
        if manager is None:
            continue
        if report.dry_run:
            report.digests.append(manager.email)
            continue
        token = uuid.uuid4().hex
        row = {"manager_id": manager_id, "period": period}
        if not _claim(session, DigestSent, DIGEST_KEY, [row], token, now):
            continue
        values = stored_texts.base_values(session, settings, name=manager.name) | {
            "people": "\n".join(lines),
            "link": f"{settings.public_url}/",
        }
        message = stored_texts.compose(
            session, settings, texts.DIGEST, to=manager.email, values=values
        )
        _queue(session, DigestSent, token, message, kind=DIGEST)
        report.digests.append(manager.email)


def send_now(
    session: Session,
    settings: Settings,
    catalog: Catalog,
    *,
    dry_run: bool = False,
    manager_digest: bool | None = None,
) -> tuple[RunReport, outbox_sender.SendReport]:
    """For the daily command: queue today's reminders, then deliver everything in the outbox."""
    report = queue_due(
        session, settings, catalog, actor_id=None, dry_run=dry_run, manager_digest=manager_digest
    )
    if dry_run:
        return report, outbox_sender.SendReport(invites.pending_emails(session), [])
    with Mailer(settings) as mailer:
        return report, outbox_sender.drain(session, settings, mailer, links=SIGN_IN_LINKS)
