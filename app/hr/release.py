"""First-attempt scores released in blocks of at least 5 people, so views never difference.

A first attempt is counted once, under the department its person had then (a later move
changes nothing already counted). Counted attempts wait per module and department until at
least MIN_GROUP of them can be sealed into a block; attempts still waiting after POOL_AFTER
are sealed, 5 or more at a time, into a pooled block that counts for everyone only. Every
figure HR sees is a sum of whole blocks, and blocks never change, so any difference between
figures, taken at any times and with any filters, covers whole blocks of 5 or more people.

Blocks alone fail when the viewer knows 4 of the 5 (learners it made at mailboxes it reads,
or outside knowledge). So each block's per-scenario sum gets noise (app.privacy.noise),
drawn once in the transaction that seals the block and stored with it: every view of the
block, now or after any restart, adds up the same noisy sums, so repeating views averages
nothing away. The true sums are never read by a view.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Engine, case, exists, func, insert, union, update
from sqlmodel import Session, col, select

from app.auth.blocks import commit_unless_raced, matching, seal
from app.auth.counted import counted_person
from app.clock import utcnow
from app.content.schema import MAX_CHOICE_POINTS
from app.db import conflict_insert, insert_ignore, select_columns, write_session
from app.models import (
    AttemptAnswer,
    QuizAttempt,
    ReleaseBlock,
    ReleasedScore,
    ReleaseMember,
    ReleaseScan,
    User,
    row_id,
)
from app.privacy import MIN_GROUP, noise

POOL_AFTER = timedelta(days=28)
# A quiz attempt is committed within this long of its submission: attempts this recent are
# looked at again by the next count, so one committed late (PostgreSQL) is not skipped.
LATE_COMMIT = timedelta(minutes=10)
SCAN_ID = 1


def catch_up(engine: Engine, *, now: datetime | None = None) -> None:
    """Count new first attempts and seal the blocks that are due (two reads when nothing is)."""
    now = now or utcnow()
    with Session(engine) as session:
        if not _unseen(session) and not any(_sealable(_pending(session, now))):
            return
    with write_session(engine) as session:

        def count_and_seal() -> None:
            _add_members(session, now)
            _seal(session, now)

        commit_unless_raced(session, count_and_seal)


def scenario_totals(
    session: Session, *, department_id: int | None = None
) -> dict[tuple[str, str], tuple[int, int]]:
    """Released (people, noisy points) per (module, scenario): everyone, or one department's blocks.

    Only the noisy sums stored at sealing are read, so a figure is the same on every view.
    """
    stmt = (
        select(
            ReleaseBlock.module_id,
            ReleasedScore.scenario_id,
            func.sum(ReleasedScore.people),
            func.sum(ReleasedScore.noisy_points),
        )
        .join(ReleaseBlock, col(ReleaseBlock.id) == ReleasedScore.block_id)
        .group_by(col(ReleaseBlock.module_id), col(ReleasedScore.scenario_id))
    )
    if department_id is not None:
        stmt = stmt.where(ReleaseBlock.department_id == department_id, ~col(ReleaseBlock.pooled))
    return {(m, s): (int(n), int(p)) for m, s, n, p in session.exec(stmt).all()}


def _member_of(attempt: Any) -> ColumnElement[bool]:
    return exists().where(
        col(ReleaseMember.user_id) == attempt.user_id,
        col(ReleaseMember.module_id) == attempt.module_id,
    )


def _unseen(session: Session) -> bool:
    """Whether any attempt is newer than the last count (one index probe)."""
    through = select(func.coalesce(func.max(ReleaseScan.through), 0)).scalar_subquery()
    found = session.exec(select(QuizAttempt.id).where(col(QuizAttempt.id) > through).limit(1))
    return found.first() is not None


def _pending(session: Session, now: datetime) -> list[tuple[str, int | None, int, int]]:
    """(module, department, waiting, waiting longer than POOL_AFTER) for counted, unsealed members."""
    aged = col(ReleaseMember.submitted_at) < now - POOL_AFTER
    rows = session.exec(
        select(
            ReleaseMember.module_id,
            ReleaseMember.department_id,
            func.count(),
            func.sum(case((aged, 1), else_=0)),
        )
        .where(col(ReleaseMember.block_id).is_(None))
        .group_by(col(ReleaseMember.module_id), col(ReleaseMember.department_id))
    ).all()
    return [(m, d, n, int(old or 0)) for m, d, n, old in rows]


def _sealable(pending: list[tuple[str, int | None, int, int]]) -> tuple[list[Any], list[str]]:
    """Department groups of MIN_GROUP or more, and modules whose other waiting members may pool."""
    groups = [(m, d) for m, d, n, _ in pending if n >= MIN_GROUP]
    aged: dict[str, int] = defaultdict(int)
    for m, _d, n, old in pending:
        if n < MIN_GROUP:
            aged[m] += old
    return groups, sorted(m for m, old in aged.items() if old >= MIN_GROUP)


def _add_members(session: Session, now: datetime) -> None:
    """Record every uncounted first attempt under its person's department now, then the mark."""
    scan = session.get(ReleaseScan, SCAN_ID)
    mark = session.exec(select(func.coalesce(func.max(QuizAttempt.id), 0))).one()
    newer: Any = select(QuizAttempt.id).where(col(QuizAttempt.id) > (scan.through if scan else 0))
    if scan is not None:  # a union, not OR, so each side uses its index
        late = col(QuizAttempt.submitted_at) >= scan.scanned_at - LATE_COMMIT
        newer = union(newer, select(QuizAttempt.id).where(late))
    recent = col(QuizAttempt.id).in_(newer)
    first = (
        select(
            QuizAttempt.user_id,
            QuizAttempt.module_id,
            func.min(QuizAttempt.id).label("attempt_id"),
        )
        .where(recent, ~_member_of(QuizAttempt))
        .group_by(col(QuizAttempt.user_id), col(QuizAttempt.module_id))
        .subquery("first")
    )
    source = (
        select_columns(
            first.c.user_id,
            first.c.module_id,
            first.c.attempt_id,
            col(User.department_id),
            col(QuizAttempt.submitted_at),
        )
        .join(QuizAttempt, col(QuizAttempt.id) == first.c.attempt_id)
        .join(User, col(User.id) == first.c.user_id)
        .where(counted_person())
    )
    names = ["user_id", "module_id", "attempt_id", "department_id", "submitted_at"]
    stmt = (
        conflict_insert(session, ReleaseMember).from_select(names, source).on_conflict_do_nothing()
    )
    session.execute(stmt)
    insert_ignore(session, ReleaseScan, [{"id": SCAN_ID, "through": 0, "scanned_at": now}], ["id"])
    session.exec(
        update(ReleaseScan)
        .where(col(ReleaseScan.id) == SCAN_ID, col(ReleaseScan.through) <= mark)
        .values(through=mark, scanned_at=now)
        .execution_options(synchronize_session=False)
    )


def _seal(session: Session, now: datetime) -> None:
    """Seal every due block, then store its per-scenario sums, each with its noise drawn now.

    Statements grow with the blocks sealed, never with the people in them. The noise is drawn
    here, in the sealing transaction: if another request sealed the same members first, this
    one rolls back with its draws, so each block only ever has one set of noisy sums.
    """
    groups, pools = _sealable(_pending(session, now))
    blocks = [
        _block(
            session,
            module,
            department,
            False,
            now,
            matching(ReleaseMember.department_id, department),
        )
        for module, department in groups
    ]
    aged = col(ReleaseMember.submitted_at) < now - POOL_AFTER
    blocks += [_block(session, module, None, True, now, aged) for module in pools]
    if not blocks:
        return
    answered = (
        select(
            ReleaseMember.block_id,
            AttemptAnswer.scenario_id,
            func.count(),
            func.sum(AttemptAnswer.points),
        )
        .join(AttemptAnswer, col(AttemptAnswer.attempt_id) == ReleaseMember.attempt_id)
        .where(col(ReleaseMember.block_id).in_(blocks))
        .group_by(col(ReleaseMember.block_id), col(AttemptAnswer.scenario_id))
        .having(func.count() >= MIN_GROUP)
    )
    sums = [
        {
            "block_id": block_id,
            "scenario_id": scenario_id,
            "people": people,
            "points": points,
            "noisy_points": points + noise(MAX_CHOICE_POINTS),
        }
        for block_id, scenario_id, people, points in session.exec(answered).all()
    ]
    if sums:
        session.execute(insert(ReleasedScore), sums)


def _block(
    session: Session,
    module: str,
    department: int | None,
    pooled: bool,
    now: datetime,
    members: ColumnElement[bool],
) -> int:
    """A new block holding every waiting member of the module that matches; Raced if under 5."""
    block = ReleaseBlock(
        module_id=module, department_id=department, pooled=pooled, people=0, released_at=now
    )
    of_module = col(ReleaseMember.module_id) == module
    block.people = seal(session, block, ReleaseMember, of_module, members)
    session.add(block)
    session.flush()
    return row_id(block)
