"""Quiz attempts: score on the server, store once per submission, never overwrite."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.content.catalog import Catalog
from app.content.schema import Module
from app.errors import Conflict, NotFound
from app.learning import certificates
from app.learning.scoring import Score, score_answers
from app.models import AttemptAnswer, Completion, QuizAttempt, User
from app.rawsql import RawQuery, bind_values, columns_of, detached

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


@dataclass(frozen=True)
class ScoredAttempt:
    """An attempt scored on the server, ready to store."""

    values: dict[str, Any]  # the quizattempt row, without its id
    score: Score
    user_id: int
    module_id: str
    submission_id: str


def score_attempt(
    catalog: Catalog, *, user: User, module_id: str, answers: Mapping[str, str], submission_id: str
) -> ScoredAttempt:
    """Score the answers against the current quiz (AnswerError names what is missing)."""
    module = get_module(catalog, module_id)
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
    return ScoredAttempt(values, score, user.id or 0, module.id, submission_id)


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
    scored = score_attempt(
        catalog, user=user, module_id=module.id, answers=answers, submission_id=submission_id
    )
    submitted = store_attempt(session, catalog, scored)
    session.commit()
    return submitted


def store_attempt(session: Session, catalog: Catalog, scored: ScoredAttempt) -> SubmittedAttempt:
    """Store a scored attempt in the session's transaction; the caller commits.

    A repeated submission id returns the attempt stored the first time (the insert skips a
    row whose submission id is taken, so no savepoint is needed to recover from it). Not
    committing lets a batch of submissions share one transaction and one disk flush
    (app/write_batches.py).
    """
    inserted = _insert_attempt(session, scored)
    if inserted is None:
        stored = _by_submission(session, scored.user_id, scored.submission_id)
        if stored is None:  # taken by a row this transaction cannot see: impossible here
            raise Conflict("This submission could not be stored; please submit again.")
        return SubmittedAttempt(stored, duplicate=True)
    attempt_id, completed = inserted
    if completed:
        certificates.issue_if_course_complete(session, catalog, user_id=scored.user_id)
    row = {**scored.values, "id": attempt_id}
    attempt = detached(QuizAttempt, _ATTEMPT_COLUMNS, [row[name] for name, _ in _ATTEMPT_COLUMNS])
    return SubmittedAttempt(attempt, duplicate=False)


def _insert_attempt(session: Session, scored: ScoredAttempt) -> tuple[int, bool] | None:
    """Insert the attempt and its answers, and the completion if this pass completes the module.

    Plain SQL on the session's own connection and no read first: the unique (user,
    submission) key catches a repeat. The answers go in one statement and the completion
    is a conditional insert, so the write lock is held for three statements; through the
    ORM and Core it was held several times as long, mostly waiting for the GIL
    (bench/NOTES.md). Returns (attempt id, whether a completion was recorded), or None when
    the submission id was stored before.
    """
    connection = session.connection()
    dialect = connection.dialect
    cursor = connection.connection.cursor()
    try:
        cursor.execute(
            _INSERT_ATTEMPT.text_for(dialect.name), bind_values(QuizAttempt, dialect, scored.values)
        )
        returned = cursor.fetchall()
        if not returned:
            return None
        attempt_id: int = returned[0][0]
        cursor.execute(
            _insert_answers(len(scored.score.results)).text_for(dialect.name),
            _answer_params(attempt_id, scored.score),
        )
        if not scored.score.passed:
            return attempt_id, False
        completion = {
            "user_id": scored.user_id,
            "module_id": scored.module_id,
            "completed_at": scored.values["submitted_at"],
            "via": "self-paced",
        }
        params = bind_values(Completion, dialect, completion)
        # Named apart from the inserted values: PostgreSQL types each parameter once.
        params |= {"read_by": scored.user_id, "read_module": scored.module_id}
        cursor.execute(_RECORD_COMPLETION.text_for(dialect.name), params)
        return attempt_id, cursor.rowcount == 1
    finally:
        cursor.close()


def _answer_params(attempt_id: int, score: Score) -> dict[str, Any]:
    params: dict[str, Any] = {"attempt_id": attempt_id}
    for n, result in enumerate(score.results):
        params |= {f"s{n}": result.scenario.id, f"c{n}": result.chosen.id, f"p{n}": result.points}
    return params


@cache
def _insert_answers(count: int) -> RawQuery:
    """One INSERT for all of an attempt's answers (one statement, not one per answer)."""
    rows = ", ".join(f"(:attempt_id, :s{n}, :c{n}, :p{n})" for n in range(count))
    return RawQuery.of(
        f"INSERT INTO attemptanswer (attempt_id, scenario_id, choice_id, points) VALUES {rows}"
    )


_ATTEMPT_COLUMNS = columns_of(QuizAttempt)
_INSERTED = [name for name, _ in _ATTEMPT_COLUMNS if name != "id"]
_INSERT_ATTEMPT = RawQuery.of(
    f"INSERT INTO quizattempt ({', '.join(_INSERTED)})"
    f" VALUES ({', '.join(':' + name for name in _INSERTED)})"
    " ON CONFLICT (user_id, submission_id) DO NOTHING RETURNING id"
)
# The module is complete once its lesson is read and a quiz passed (this attempt); the
# unique (user, module) key keeps it to one row even if two workers race.
_RECORD_COMPLETION = RawQuery.of(
    """
    INSERT INTO completion (user_id, module_id, completed_at, via)
    SELECT :user_id, :module_id, :completed_at, :via
     WHERE EXISTS (SELECT 1 FROM lessonprogress
                    WHERE user_id = :read_by AND module_id = :read_module
                      AND completed_at IS NOT NULL)
    ON CONFLICT DO NOTHING
    """
)
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
