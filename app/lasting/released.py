"""Check-in outcomes released to HR in blocks of 5 or more people, with noise (app/privacy.py).

Whether a person wrote a plan, checked in, and how often they acted are private. HR sees
only sums over sealed blocks: a commitment's FIRST check-in outcome (how often they acted,
or "none" when nobody answered within GRACE of its day) is counted once, under the
department its person has then; counted outcomes wait per module and department until 5 or
more can be sealed together. A block never changes, and each of its answer counts carries
noise drawn once when it is sealed, so no sequence of views (before and after a move, a
leaver or one more check-in) isolates fewer than 5 people, and repeated views average
nothing away. Same rule as HR's scenario scores (app/hr/release.py, docs/privacy.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Engine, and_, exists, func, insert, literal
from sqlmodel import Session, col, select
from sqlmodel.sql.sqltypes import UTCDateTime

from app.auth.blocks import commit_unless_raced, full_groups, released_view, seal_full_groups
from app.auth.counted import counted_person
from app.clock import utcnow
from app.db import conflict_insert, select_columns, write_session
from app.lasting.commitments import ACTED
from app.models import (
    CheckInBlock,
    CheckInCount,
    CheckInMember,
    Commitment,
    CommitmentCheckIn,
    Department,
    User,
    row_id,
)
from app.privacy import MIN_GROUP, noise

GRACE = timedelta(days=14)
NONE = "none"
ANSWERS = (*ACTED, NONE)


def catch_up(session: Session, *, now: datetime | None = None) -> None:
    """Count new first check-in outcomes, then seal every group of 5 or more. Commits."""
    now = now or utcnow()
    _count_answered(session, now)
    _count_unanswered(session, now)
    commit_unless_raced(session, lambda: _seal(session, now))


def catch_up_on(engine: Engine, *, now: datetime | None = None) -> None:
    """catch_up in its own write transaction (for a page that only reads otherwise)."""
    with write_session(engine) as session:
        catch_up(session, now=now)


def _not_member() -> ColumnElement[bool]:
    return ~exists().where(col(CheckInMember.commitment_id) == Commitment.id)


def _add(session: Session, source: Any) -> None:
    names = ["commitment_id", "module_id", "department_id", "answer", "counted_at"]
    session.execute(
        conflict_insert(session, CheckInMember).from_select(names, source).on_conflict_do_nothing()
    )


def _count_answered(session: Session, now: datetime) -> None:
    first = (
        select(
            CommitmentCheckIn.commitment_id,
            func.min(CommitmentCheckIn.due_on).label("due_on"),
        )
        .group_by(col(CommitmentCheckIn.commitment_id))
        .subquery("first")
    )
    source = (
        select_columns(
            col(Commitment.id),
            col(Commitment.module_id),
            col(User.department_id),
            col(CommitmentCheckIn.acted),
        )
        .add_columns(literal(now, type_=UTCDateTime()))
        .join(first, first.c.commitment_id == Commitment.id)
        .join(
            CommitmentCheckIn,
            and_(
                col(CommitmentCheckIn.commitment_id) == Commitment.id,
                col(CommitmentCheckIn.due_on) == first.c.due_on,
            ),
        )
        .join(User, col(User.id) == Commitment.user_id)
        .where(_not_member(), counted_person())
    )
    _add(session, source)


def _count_unanswered(session: Session, now: datetime) -> None:
    """Commitments whose first check-in went unanswered for GRACE: counted as "none".

    Only open ones still waiting on their first day: a commitment answered once was counted
    by its answer. A person who left before the day was never asked, so is not counted.
    """
    answered = exists().where(col(CommitmentCheckIn.commitment_id) == Commitment.id)
    source = (
        select_columns(col(Commitment.id), col(Commitment.module_id), col(User.department_id))
        .add_columns(literal(NONE))
        .add_columns(literal(now, type_=UTCDateTime()))
        .join(User, col(User.id) == Commitment.user_id)
        .where(
            col(Commitment.check_on) <= (now - GRACE).date(),
            ~answered,
            col(User.active),
            _not_member(),
            counted_person(),
        )
    )
    _add(session, source)


def _seal(session: Session, now: datetime) -> None:
    """Seal each (module, department) with MIN_GROUP or more waiting; store noisy answer counts."""
    keys = (CheckInMember.module_id, CheckInMember.department_id)

    def new_block(module_id: str, department_id: int | None) -> CheckInBlock:
        return CheckInBlock(
            module_id=module_id, department_id=department_id, people=0, released_at=now
        )

    for block, people in seal_full_groups(session, CheckInMember, keys, new_block):
        block.people = people
        session.add(block)
        block_id = row_id(block)
        counted = dict(
            session.exec(
                select(CheckInMember.answer, func.count())
                .where(col(CheckInMember.block_id) == block_id)
                .group_by(col(CheckInMember.answer))
            ).all()
        )
        rows = [
            {
                "block_id": block_id,
                "answer": answer,
                "people": counted.get(answer, 0),
                "noisy_people": counted.get(answer, 0) + noise(1),
            }
            for answer in ANSWERS
        ]
        session.execute(insert(CheckInCount), rows)


@dataclass(frozen=True)
class DepartmentCheckIns:
    """One department's released check-in figures (None: no block of 5 yet)."""

    name: str
    people: int
    checked_in: int | None  # percent of counted commitments whose check-in was answered
    answers: dict[str, int]  # percent per ACTED answer, among those answered

    @property
    def hidden(self) -> bool:
        return self.checked_in is None


def _percent(part: int, whole: int) -> int:
    return min(100, max(0, round(100 * part / whole))) if whole > 0 else 0


def by_department(session: Session) -> list[DepartmentCheckIns]:
    """Every department (and "Everyone") with its released figures; sums of whole blocks only.

    A block's people are the sum of its answer counts' true people (exactly the block's size,
    as HR's scenario figures show it); every share is made of the noisy counts.
    """
    people: dict[int | None, int] = {}
    counts: dict[int | None, dict[str, int]] = {}
    for d, answer, n, noisy in session.exec(
        select(
            CheckInBlock.department_id,
            CheckInCount.answer,
            func.sum(CheckInCount.people),
            func.sum(CheckInCount.noisy_people),
        )
        .join(CheckInBlock, col(CheckInBlock.id) == CheckInCount.block_id)
        .group_by(col(CheckInBlock.department_id), col(CheckInCount.answer))
    ).all():
        people[d] = people.get(d, 0) + int(n)
        counts.setdefault(d, {})[answer] = max(0, int(noisy))
    names = {row_id(d): d.name for d in session.exec(select(Department)).all()}
    rows = [
        _row(names.get(d, "No department") if d else "No department", people[d], counts[d])
        for d in sorted(people, key=lambda d: names.get(d or 0, ""))
    ]
    rows += [
        DepartmentCheckIns(name, 0, None, {})
        for d, name in sorted(names.items(), key=lambda item: item[1])
        if d not in people
    ]
    everyone: dict[str, int] = {}
    for found in counts.values():
        for answer, n in found.items():
            everyone[answer] = everyone.get(answer, 0) + n
    return [_row("Everyone", sum(people.values()), everyone), *rows]


def _row(name: str, people: int, counts: dict[str, int]) -> DepartmentCheckIns:
    if people < MIN_GROUP:
        return DepartmentCheckIns(name, people, None, {})
    answered = sum(counts.get(a, 0) for a in ACTED)
    total = answered + counts.get(NONE, 0)
    shares = {a: _percent(counts.get(a, 0), answered) for a in ACTED}
    return DepartmentCheckIns(name, people, _percent(answered, total), shares)


def lasting_panel(engine: Engine, *, now: datetime | None = None) -> list[DepartmentCheckIns]:
    """HR's "Lasting learning" figures, released blocks only; counts what is new first."""
    now = now or utcnow()
    return released_view(
        engine,
        due=lambda session: _due_work(session, now),
        catch_up=lambda: catch_up_on(engine, now=now),
        read=by_department,
    )


def _due_work(session: Session, now: datetime) -> bool:
    """Whether an outcome waits to be counted or a group of MIN_GROUP waits to be sealed (one read)."""
    answered = exists().where(col(CommitmentCheckIn.commitment_id) == Commitment.id)
    lapsed = col(Commitment.check_on) <= (now - GRACE).date()
    uncounted = select(Commitment.id).where(_not_member(), answered | lapsed)
    sealable = full_groups(CheckInMember, CheckInMember.module_id, CheckInMember.department_id)
    return bool(session.exec(select(uncounted.exists() | sealable.exists())).one())
