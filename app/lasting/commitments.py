"""Private if-then commitments and their 30-day check-ins (only their author ever reads them).

A commitment is made at the end of a module; its check-in falls due CHECKIN_DAYS later. A
check-in is stored once per due day and never changed: keep asks again 30 days later,
change edits the plan and asks again 30 days after the edit, close ends it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.db import conflict_insert
from app.errors import Conflict, Invalid, NotFound
from app.lasting.schedule import CHECKIN_DAYS
from app.models import Commitment, CommitmentCheckIn, Completion, LiveCommitment, row_id
from app.web.plain_text import hidden_character, one_line

PART_MAX = 500
ACTED = {
    "not-yet": "Not yet",
    "once": "Once",
    "a-few-times": "A few times",
    "often": "Often",
}
DECISIONS = {
    "keep": "Keep it: ask me again in 30 days",
    "change": "Change it: I will edit it below",
    "close": "Close it: I am done with this one",
}


@dataclass(frozen=True)
class Plan:
    """The two halves of an if-then plan, checked."""

    situation: str
    action: str


# Words the form already shows ("If …", "…then I will") that people often type again.
_LEADS = {
    "situation": re.compile(r"^if\b[\s,:…]*", re.IGNORECASE),
    "action": re.compile(r"^(?:then\s+)?I\s+will\b[\s,:…]*", re.IGNORECASE),
}


def checked_plan(situation: str, action: str) -> Plan:
    """Both halves filled in, within PART_MAX characters and free of hidden characters (the
    text rule of app/web/plain_text.py); Invalid names each problem. The words the form
    already shows ("If", "then I will") are not doubled when typed again."""
    problems: dict[str, str] = {}
    parts: dict[str, str] = {}
    for name, label, raw in (("situation", "If", situation), ("action", "Then I will", action)):
        text = one_line(raw)
        text = _LEADS[name].sub("", text, count=1) or text
        parts[name] = text
        odd = hidden_character(text)
        if not text:
            problems[name] = f"{label}: fill this in."
        elif odd is not None:
            problems[name] = (
                f"{label}: it contains a hidden control character ({odd}); remove it or retype it."
            )
        elif len(text) > PART_MAX:
            problems[name] = f"{label}: use at most {PART_MAX} characters (this has {len(text)})."
    if problems:
        raise Invalid("; ".join(problems.values()), fields=problems)
    return Plan(parts["situation"], parts["action"])


NOT_PASSED = (
    "Pass this module's quiz first: an if-then plan is written once you have passed it. "
    "Nothing was saved."
)


def may_write(session: Session, *, user_id: int, module_id: str) -> bool:
    """A plan is written after passing the module's quiz, or from the person's own commitment
    of a group session on it; a plan that exists may always be edited."""
    passed = session.exec(
        select(Completion.id)
        .where(Completion.user_id == user_id, Completion.module_id == module_id)
        .limit(1)
    ).first()
    if passed is not None or starting_text(session, user_id=user_id, module_id=module_id):
        return True
    return own_commitment(session, user_id=user_id, module_id=module_id) is not None


def check_day(now: datetime) -> date:
    return (now + timedelta(days=CHECKIN_DAYS)).date()


def own_commitment(session: Session, *, user_id: int, module_id: str) -> Commitment | None:
    return session.exec(
        select(Commitment).where(Commitment.user_id == user_id, Commitment.module_id == module_id)
    ).first()


def starting_text(session: Session, *, user_id: int, module_id: str) -> str:
    """The person's own group-session commitment for this module, offered as a starting text."""
    live = session.exec(
        select(LiveCommitment.text).where(
            LiveCommitment.user_id == user_id, LiveCommitment.module_id == module_id
        )
    ).first()
    return live or ""


def save(
    session: Session, *, user_id: int, module_id: str, plan: Plan, now: datetime | None = None
) -> Commitment:
    """Make (or remake) the person's plan for a module; its check-in falls 30 days on. Commits."""
    now = now or utcnow()
    row = own_commitment(session, user_id=user_id, module_id=module_id)
    if row is None:
        row = Commitment(user_id=user_id, module_id=module_id, situation="", action="")
        row.created_at = now
    row.situation, row.action, row.updated_at = plan.situation, plan.action, now
    row.check_on, row.closed_at = check_day(now), None
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def check_in(
    session: Session,
    *,
    user_id: int,
    module_id: str,
    acted: str,
    decision: str,
    plan: Plan | None = None,
    now: datetime | None = None,
) -> CommitmentCheckIn:
    """Store the answer to a due check-in once, then keep, change or close the plan. Commits.

    Two submissions of the same check-in (two tabs, a double click) store one answer: the
    second finds the (commitment, due day) taken and is told so.
    """
    now = now or utcnow()
    row = own_commitment(session, user_id=user_id, module_id=module_id)
    if row is None:
        raise NotFound("You have no commitment for this module.")
    due = row.check_on
    if due is None:
        raise Conflict("This commitment is closed: there is nothing to check in on.")
    if due > now.date():
        raise Conflict(f"This check-in opens on {due:%-d %b %Y}. Nothing was saved.")
    problems = {}
    if acted not in ACTED:
        problems["acted"] = "How often you acted: choose one of the answers."
    if decision not in DECISIONS:
        problems["decision"] = "What next: choose keep, change or close."
    if problems:
        raise Invalid("; ".join(problems.values()), fields=problems)
    if decision == "change" and plan is None:
        raise Invalid("If: fill this in.", fields={"situation": "If: fill this in."})
    answer = {
        "commitment_id": row_id(row),
        "due_on": due,
        "acted": acted,
        "decision": decision,
        "situation": row.situation,
        "action": row.action,
        "answered_at": now,
    }
    stored = session.execute(
        conflict_insert(session, CommitmentCheckIn)
        .values(**answer)
        .on_conflict_do_nothing()
        .returning(col(CommitmentCheckIn.id))
    ).first()
    if stored is None:
        session.rollback()
        raise Conflict("You have already answered this check-in; your first answer is kept.")
    changes: dict[str, object] = {"updated_at": now}
    if decision == "close":
        changes |= {"check_on": None, "closed_at": now}
    else:
        changes["check_on"] = check_day(now)
    if decision == "change" and plan is not None:
        changes |= {"situation": plan.situation, "action": plan.action}
    session.execute(
        update(Commitment)
        .where(col(Commitment.id) == row_id(row), col(Commitment.check_on) == due)
        .values(**changes)
    )
    session.commit()
    found = session.get(CommitmentCheckIn, stored[0])
    assert found is not None
    return found


def history(session: Session, commitment_id: int) -> list[CommitmentCheckIn]:
    """Every check-in of a commitment, newest first."""
    return list(
        session.exec(
            select(CommitmentCheckIn)
            .where(CommitmentCheckIn.commitment_id == commitment_id)
            .order_by(col(CommitmentCheckIn.due_on).desc())
        ).all()
    )


def all_of(session: Session, *, user_id: int) -> list[Commitment]:
    """The person's own commitments, those due soonest first, closed ones last."""
    rows = session.exec(select(Commitment).where(Commitment.user_id == user_id)).all()
    return sorted(rows, key=lambda c: (c.check_on is None, c.check_on or date.max, c.module_id))


def due_for(session: Session, *, user_id: int, today: date) -> list[Commitment]:
    """The person's commitments whose check-in is due today or was due earlier."""
    return list(
        session.exec(
            select(Commitment)
            .where(Commitment.user_id == user_id, col(Commitment.check_on) <= today)
            .order_by(col(Commitment.check_on))
        ).all()
    )
