"""The nudge sender: reads each person's dates, asks the schedule, claims and queues today's nudge.

Run daily by `allyship send-nudges` (cron, like `allyship remind`). A nudge is claimed by an
INSERT ... ON CONFLICT DO NOTHING into NudgeSent, whose unique keys are (person, kind,
subject, due day) and (person, day), and its e-mail queued in the outbox in the same
transaction: two senders at once queue each nudge once and never two to one person a day.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, col, func, select

from app.clock import utcnow
from app.config import Settings
from app.content.catalog import Catalog
from app.db import chunks, conflict_insert, select_columns
from app.lasting import released, schedule, stopping
from app.lasting.seam import RefresherSource
from app.mail import stored_texts, texts
from app.mail.outbox import NUDGE, queue_message
from app.models import (
    Commitment,
    Completion,
    NudgePreference,
    NudgeSent,
    ReminderSchedule,
    User,
    row_id,
)

TEXTS = {schedule.REFRESHER: texts.NUDGE_REFRESHER, schedule.CHECKIN: texts.NUDGE_CHECKIN}
LOOK_BACK = timedelta(days=max(schedule.REFRESHER_DAYS) + schedule.WINDOW + schedule.CAP_DAYS)


@dataclass
class NudgeReport:
    """What a run queued: (address, kind, subject)."""

    queued: list[tuple[str, str, str]] = field(default_factory=list)


def weekly_cap(session: Session, settings: Settings) -> int:
    """The organisation's reminder cap (the reminder schedule's weekly cap) in force."""
    row = session.get(ReminderSchedule, 1)
    return row.weekly_cap if row is not None else settings.reminder_weekly_cap


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def learner_dates(
    session: Session, refreshers: RefresherSource, *, today: date
) -> dict[int, schedule.LearnerDates]:
    """The dates of every active person who could have a nudge due today (a few queries)."""
    since = today - LOOK_BACK
    passed: dict[int, dict[str, date]] = defaultdict(dict)
    for uid, module_id, first in session.exec(
        select_columns(
            col(Completion.user_id), col(Completion.module_id), func.min(Completion.completed_at)
        )
        .join(User, col(User.id) == Completion.user_id)
        .where(col(User.active), col(Completion.completed_at) >= _midnight(since))
        .group_by(col(Completion.user_id), col(Completion.module_id))
    ).all():
        passed[uid][module_id] = first.date()
    checks: dict[int, dict[int, date]] = defaultdict(dict)
    for cid, uid, day in session.exec(
        select_columns(col(Commitment.id), col(Commitment.user_id), col(Commitment.check_on))
        .join(User, col(User.id) == Commitment.user_id)
        .where(
            col(User.active),
            col(Commitment.check_on) >= today - timedelta(days=schedule.WINDOW),
            col(Commitment.check_on) <= today,
        )
    ).all():
        checks[uid][cid] = day
    people = sorted(set(passed) | set(checks))
    sent: dict[int, list[schedule.Sent]] = defaultdict(list)
    stopped: dict[int, date] = {}
    for part in chunks(people):
        for row in session.exec(
            select(NudgeSent).where(col(NudgeSent.user_id).in_(part), NudgeSent.sent_on >= since)
        ):
            sent[row.user_id].append(schedule.Sent(row.kind, row.subject, row.due_on, row.sent_on))
        for pref in session.exec(
            select(NudgePreference).where(
                col(NudgePreference.user_id).in_(part), col(NudgePreference.stopped_at).is_not(None)
            )
        ):
            assert pref.stopped_at is not None
            stopped[pref.user_id] = pref.stopped_at.date()
    done: dict[int, set[tuple[str, int]]] = defaultdict(set)
    for uid, module_id, number in refreshers.rounds_done(session, people):
        done[uid].add((module_id, number))
    return {
        uid: schedule.LearnerDates(
            passed=passed.get(uid, {}),
            check_ons=checks.get(uid, {}),
            sent=tuple(sent.get(uid, ())),
            rounds_done=frozenset(done.get(uid, ())),
            stopped_on=stopped.get(uid),
        )
        for uid in people
    }


def _claim(session: Session, user_id: int, nudge: schedule.Nudge, today: date) -> int | None:
    """The new NudgeSent's id, or None when another run holds this nudge or today's slot."""
    values = {
        "user_id": user_id,
        "kind": nudge.kind,
        "subject": nudge.subject,
        "due_on": nudge.due_on,
        "sent_on": today,
    }
    found = session.execute(
        conflict_insert(session, NudgeSent)
        .values(**values)
        .on_conflict_do_nothing()
        .returning(col(NudgeSent.id))
    ).first()
    return None if found is None else int(found[0])


def queue_nudges(
    session: Session,
    settings: Settings,
    catalog: Catalog,
    *,
    refreshers: RefresherSource,
    now: datetime | None = None,
) -> NudgeReport:
    """Queue today's nudges (one at most per person) and count released check-ins; commits."""
    now = now or utcnow()
    today = now.date()
    report = NudgeReport()
    cap = weekly_cap(session, settings)
    for uid, dates in learner_dates(session, refreshers, today=today).items():
        nudge = schedule.due_today(dates, today=today, weekly_cap=cap)
        if nudge is None:
            continue
        link = _link(session, settings, refreshers, uid, nudge)
        if link is None:
            continue
        claimed = _claim(session, uid, nudge, today)
        if claimed is None:
            continue
        person = session.get(User, uid)
        assert person is not None
        module_id = (
            nudge.subject if nudge.kind == schedule.REFRESHER else _module_of(session, nudge)
        )
        module = catalog.get(module_id)
        values = stored_texts.base_values(session, settings, name=person.name) | {
            "module": module.title if module else module_id,
            "link": link,
            "stop_link": stopping.stop_link(
                settings, user_id=uid, version=stopping.preference(session, uid).version
            ),
        }
        message = stored_texts.compose(
            session, settings, TEXTS[nudge.kind], to=person.email, values=values
        )
        row = queue_message(session, message, kind=NUDGE)
        session.flush()
        sent = session.get(NudgeSent, claimed)
        assert sent is not None
        sent.outbox_id = row_id(row)
        session.add(sent)
        report.queued.append((person.email, nudge.kind, module_id))
    session.commit()
    released.catch_up(session, now=now)
    return report


def _module_of(session: Session, nudge: schedule.Nudge) -> str:
    found = session.get(Commitment, int(nudge.subject))
    return found.module_id if found else ""


def _link(
    session: Session,
    settings: Settings,
    refreshers: RefresherSource,
    user_id: int,
    nudge: schedule.Nudge,
) -> str | None:
    if nudge.kind == schedule.REFRESHER:
        return refreshers.link(settings, user_id, nudge.subject, nudge.round)
    module_id = _module_of(session, nudge)
    return f"{settings.public_url}/modules/{module_id}/commitment" if module_id else None
