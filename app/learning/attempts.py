"""Quiz attempts: score on the server, store once per submission, never overwrite."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Table, bindparam, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.content.catalog import Catalog
from app.content.schema import Module
from app.errors import Conflict, NotFound
from app.learning import certificates
from app.learning.progress import record_completion_if_done
from app.learning.scoring import score_answers
from app.models import AttemptAnswer, QuizAttempt, User
from app.rawsql import columns_of, detached

QUIZ_CHANGED = (
    "This quiz was updated while you were answering, so your answers were not scored. "
    "Your choices that still apply are kept below; please check them and submit again."
)


class QuizChanged(Conflict):
    pass


@dataclass(frozen=True)
class SubmittedAttempt:
    attempt: QuizAttempt
    duplicate: bool


def get_module(catalog: Catalog, module_id: str) -> Module:
    module = catalog.get(module_id)
    if module is None:
        raise NotFound(f"There is no module called “{module_id}”. Pick one from your dashboard.")
    return module


def submit_attempt(
    session: Session,
    catalog: Catalog,
    *,
    user: User,
    module_id: str,
    answers: Mapping[str, str],
    quiz_hash: str,
    submission_id: str,
) -> SubmittedAttempt:
    """Score and store one attempt; a repeated submission id returns the stored attempt."""
    module = get_module(catalog, module_id)
    if quiz_hash != module.quiz.content_hash:
        if (stored := _by_submission(session, user.id or 0, submission_id)) is not None:
            return SubmittedAttempt(stored, duplicate=True)
        raise QuizChanged(QUIZ_CHANGED)
    score = score_answers(module.quiz, answers)
    values = {
        "user_id": user.id or 0,
        "module_id": module.id,
        "submission_id": submission_id,
        "quiz_hash": module.quiz.content_hash,
        "started_at": None,
        "submitted_at": utcnow(),
        "score": score.total,
        "max_score": score.max_score,
        "percent": score.percent,
        "pass_mark": score.pass_mark,
        "passed": score.passed,
    }
    # Core statements on the session's connection, and no read first: the unique
    # (user, submission) key catches a repeated submission, which rolls everything back
    # and returns the stored attempt. The ORM's unit of work, building the model and a read
    # before every insert cost more than the inserts themselves (bench/NOTES.md).
    connection = session.connection()
    try:
        attempt_id = connection.execute(_INSERT_ATTEMPT, values).scalar_one()
        connection.execute(
            _INSERT_ANSWER,
            [
                {
                    "attempt_id": attempt_id,
                    "scenario_id": result.scenario.id,
                    "choice_id": result.chosen.id,
                    "points": result.points,
                }
                for result in score.results
            ],
        )
    except IntegrityError:
        session.rollback()
        stored = _by_submission(session, user.id or 0, submission_id)
        if stored is None:
            raise
        return SubmittedAttempt(stored, duplicate=True)
    if score.passed and record_completion_if_done(
        session, user_id=user.id or 0, module_id=module.id, via="self-paced"
    ):
        certificates.issue_if_course_complete(session, catalog, user_id=user.id or 0)
    session.commit()
    row = {**values, "id": attempt_id}
    attempt = detached(QuizAttempt, _ATTEMPT_COLUMNS, [row[name] for name, _ in _ATTEMPT_COLUMNS])
    return SubmittedAttempt(attempt, duplicate=False)


_ATTEMPTS: Table = QuizAttempt.__table__  # type: ignore[attr-defined]
_ATTEMPT_COLUMNS = columns_of(QuizAttempt)
_INSERT_ATTEMPT = insert(_ATTEMPTS).returning(_ATTEMPTS.c.id)
_INSERT_ANSWER = insert(AttemptAnswer.__table__)  # type: ignore[attr-defined]
_BY_SUBMISSION = select(QuizAttempt).where(
    QuizAttempt.user_id == bindparam("user_id"),
    QuizAttempt.submission_id == bindparam("submission_id"),
)


def _by_submission(session: Session, user_id: int, submission_id: str) -> QuizAttempt | None:
    return session.exec(
        _BY_SUBMISSION, params={"user_id": user_id, "submission_id": submission_id}
    ).first()


def attempt_for(session: Session, *, user: User, attempt_id: int) -> QuizAttempt:
    """One of the learner's own attempts; another person's attempt is simply not found."""
    attempt = session.get(QuizAttempt, attempt_id)
    if attempt is None or attempt.user_id != user.id:
        raise NotFound("That attempt does not exist.")
    return attempt


def answers_for(session: Session, attempt_id: int) -> dict[str, AttemptAnswer]:
    return {
        a.scenario_id: a
        for a in session.exec(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt_id))
    }


def history(session: Session, *, user_id: int, module_id: str) -> list[QuizAttempt]:
    return list(
        session.exec(
            select(QuizAttempt)
            .where(QuizAttempt.user_id == user_id, QuizAttempt.module_id == module_id)
            .order_by(col(QuizAttempt.submitted_at).desc(), col(QuizAttempt.id).desc())
        )
    )
