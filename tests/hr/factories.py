"""Factories for HR tests: assignments, lesson reads, attempts with answers, completions."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.models import (
    Assignment,
    AttemptAnswer,
    Completion,
    Department,
    LessonProgress,
    QuizAttempt,
    ReleaseBlock,
    ReleasedScore,
    User,
)
from tests.factories import make_department, make_user

MODULES = ("first-steps", "second-steps")


def make_assignment(
    session: Session,
    user: User,
    module_id: str = "first-steps",
    *,
    due_at: datetime | None = None,
) -> Assignment:
    row = Assignment(
        user_id=user.id or 0,
        module_id=module_id,
        due_at=due_at or utcnow() + timedelta(days=30),
        source="test",
    )
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def make_read(session: Session, user: User, module_id: str = "first-steps") -> None:
    now = utcnow()
    session.add(
        LessonProgress(user_id=user.id or 0, module_id=module_id, opened_at=now, completed_at=now)
    )
    session.commit()


def make_attempt(
    session: Session,
    user: User,
    module_id: str = "first-steps",
    *,
    points: dict[str, int] | None = None,
    max_score: int = 4,
    at: datetime | None = None,
) -> QuizAttempt:
    """An attempt whose answers earn `points` per scenario (scores as the scorer would)."""
    points = points if points is not None else {"standup": 2, "review": 2}
    score = sum(points.values())
    percent = 100 * score // max_score
    attempt = QuizAttempt(
        user_id=user.id or 0,
        module_id=module_id,
        submission_id=uuid.uuid4().hex,
        quiz_hash="test",
        submitted_at=at or utcnow(),
        score=score,
        max_score=max_score,
        percent=percent,
        pass_mark=80,
        passed=percent >= 80,
    )
    session.add(attempt)
    session.commit()
    session.refresh(attempt)
    for scenario, earned in points.items():
        session.add(
            AttemptAnswer(
                attempt_id=attempt.id or 0, scenario_id=scenario, choice_id="x", points=earned
            )
        )
    session.commit()
    return attempt


def make_completion(
    session: Session, user: User, module_id: str = "first-steps", *, at: datetime | None = None
) -> Completion:
    row = Completion(user_id=user.id or 0, module_id=module_id, completed_at=at or utcnow())
    session.add(row)
    session.commit()
    return row


def make_people(
    session: Session, count: int, department: Department | None = None, *, prefix: str = "p"
) -> list[User]:
    return [
        make_user(
            session,
            f"{prefix}{i}@example.com",
            name=f"Person {prefix}{i:03d}",
            department=department,
        )
        for i in range(count)
    ]


__all__ = ["make_department", "make_user"]


def released_sums(session: Session) -> dict[tuple[str, str], tuple[int, int, int]]:
    """(people, true points, noisy points) released per (module, scenario), over every block.

    Shown figures carry noise, so tests of what was counted read the true sums kept beside it.
    """
    rows = session.exec(
        select(
            ReleaseBlock.module_id,
            ReleasedScore.scenario_id,
            func.sum(ReleasedScore.people),
            func.sum(ReleasedScore.points),
            func.sum(ReleasedScore.noisy_points),
        )
        .join(ReleaseBlock, col(ReleaseBlock.id) == ReleasedScore.block_id)
        .group_by(col(ReleaseBlock.module_id), col(ReleasedScore.scenario_id))
    ).all()
    return {(m, s): (int(n), int(p), int(q)) for m, s, n, p, q in rows}
