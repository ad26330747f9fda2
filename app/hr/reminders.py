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
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, or_, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app import audit
from app.auth import invites
from app.auth.link_mail import SIGN_IN_LINKS
from app.clock import utcnow
from app.config import Settings
from app.content.catalog import Catalog
from app.db import chunks, insert_ignore, select_columns
from app.hr import schedule
from app.hr.due import completed
from app.hr.team_tree import team_of
from app.mail import outbox_sender
from app.mail.mailer import Mailer, Message
from app.mail.outbox import DIGEST, REMINDER, queue_message
from app.models import Assignment, DigestSent, ManagerDigest, ReminderSent, User

STALE_CLAIM = timedelta(minutes=30)
REMINDER_KEY = ["assignment_id", "kind", "period"]
DIGEST_KEY = ["manager_id", "period"]
ClaimModel = type[ReminderSent] | type[DigestSent]
# Claims whose message is in the outbox (or, before the outbox, was sent): never queued again.
DONE = ("queued", "sent")


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


def _open_assignments(
    session: Session, low: date, high: date
) -> list[tuple[int, int, str, datetime, str, str, int | None]]:
    done = completed()
    return list(
        session.exec(
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
            .where(
                col(User.active),
                col(Assignment.due_at) >= datetime.combine(low, time.min, tzinfo=UTC),
                col(Assignment.due_at) <= datetime.combine(high, time.max, tzinfo=UTC),
                ~done,
            )
            .order_by(col(User.email), col(Assignment.module_id))
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
    cap = settings.reminder_weekly_cap
    low, high = schedule.window(today, cap=cap)
    rows = _open_assignments(session, low, high)
    sent = _sent(session, [r[0] for r in rows])
    people: dict[int, Recipient] = {}
    for aid, uid, module_id, due_at, email, name, manager in rows:
        reminder = schedule.current(due_at.date(), today, cap=cap)
        if reminder is None or sent.get((aid, reminder.kind, reminder.period)) in DONE:
            continue
        person = people.setdefault(uid, Recipient(uid, email, name, manager))
        person.items.append(OpenItem(aid, module_id, due_at.date(), reminder))
    return list(people.values())


def _claim(
    session: Session,
    model: ClaimModel,
    keys: list[str],
    rows: list[dict[str, Any]],
    token: str,
    now: datetime,
) -> set[Any]:
    """Take unique rows (new, failed or abandoned ones) under `token`; returns the ids we own.

    Runs in the caller's transaction: a concurrent run's claim on the same key waits for it
    and then finds the row taken (INSERT ... ON CONFLICT DO NOTHING on the unique key).
    """
    fresh = {"status": "claimed", "claim_token": token, "claimed_at": now}
    insert_ignore(session, model, [{**row, **fresh} for row in rows], keys)
    retry = or_(
        col(model.status) == "failed",
        and_(col(model.status) == "claimed", col(model.claimed_at) < now - STALE_CLAIM),
    )
    for row in rows:
        match = [getattr(model, k) == row[k] for k in keys]
        session.execute(update(model).where(*match, retry).values(**fresh))
    return set(
        session.exec(
            select(getattr(model, keys[0])).where(
                col(model.claim_token) == token, col(model.status) == "claimed"
            )
        ).all()
    )


def _queue(session: Session, model: ClaimModel, token: str, message: Message, *, kind: str) -> None:
    """Put the message in the outbox and mark the claims it covers queued (caller commits)."""
    row = queue_message(session, message, kind=kind)
    session.flush()
    session.execute(
        update(model)
        .where(col(model.claim_token) == token, col(model.status) == "claimed")
        .values(status="queued", outbox_id=row.id, last_error="")
    )


def _reminder_message(
    settings: Settings, catalog: Catalog, person: Recipient, items: list[OpenItem], today: date
) -> Message:
    lines = []
    for item in sorted(items, key=lambda i: (i.due, i.module_id)):
        title = m.title if (m := catalog.get(item.module_id)) else item.module_id
        lines.append(
            f"- {title}: {schedule.describe(item.reminder.kind, item.due, today)}\n"
            f"  {settings.public_url}/modules/{item.module_id}"
        )
    overdue = any(i.due < today for i in items)
    subject = (
        f"Overdue: {settings.course_title}"
        if overdue
        else f"Reminder: {settings.course_title} is due soon"
    )
    return Message(
        to=person.email,
        subject=subject,
        body=(
            f"Hello {person.name},\n\n"
            f"This is a reminder about your {settings.course_title} modules:\n\n"
            + "\n".join(lines)
            + f"\n\nYour dashboard: {settings.public_url}/\n"
            "Each module takes about 15 minutes. Thank you!\n"
        ),
    )


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
        message = _reminder_message(settings, catalog, person, items, today)
        _queue(session, ReminderSent, token, message, kind=REMINDER)
        report.queued.append((person.email, person.kind, len(items)))
    if manager_digest is not False:
        # True (or the organisation's setting): every manager; otherwise those who opted in.
        everyone = manager_digest or settings.reminder_manager_digest
        _digests(session, settings, catalog, report, now, everyone=everyone)
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
            col(User.email),
            col(Assignment.module_id),
            col(Assignment.due_at),
        )
        .join(User, col(User.id) == team.c.member)
        .join(Assignment, col(Assignment.user_id) == User.id)
        .where(col(User.active), Assignment.due_at < now, ~done)
        .order_by(team.c.top, col(User.name), col(Assignment.module_id))
    ).all()
    overdue: dict[int, list[str]] = defaultdict(list)
    for manager_id, name, email, module_id, due_at in rows:
        title = m.title if (m := catalog.get(module_id)) else module_id
        overdue[manager_id or 0].append(f"- {name} <{email}>: {title} (due {due_at:%-d %b %Y})")
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
        message = Message(
            to=manager.email,
            subject=f"Your team's overdue {settings.course_title} modules",
            body=(
                f"Hello {manager.name},\n\nThese people in your team have overdue modules:\n\n"
                + "\n".join(lines)
                + "\n\nA word from you helps more than another reminder from us.\n"
            ),
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
