"""Quiz attempts: score on the server, store once per submission, never overwrite."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlmodel import Session, col, select

from app.auth.lookup import AnyUser
from app.clock import utcnow
from app.content.catalog import Catalog
from app.content.schema import Module
from app.db import (
    RawQuery,
    Source,
    bind_values,
    columns_of,
    execute,
    fetch_all,
    fetch_one,
    in_transaction,
    row_of,
    select_list,
)
from app.errors import Conflict, NotFound
from app.learning import certificates
from app.learning.draws import Paper, whole_quiz
from app.learning.progress import record_completion_if_done
from app.learning.scoring import Score, score_answers
from app.models import AttemptAnswer, QuizAttempt, row_id

QUIZ_CHANGED = (
    "This quiz was updated while you were answering, so your answers were not scored. "
    "Your choices that still apply are kept below; please check them and submit again."
)


class QuizChanged(Conflict):
    pass


@dataclass(frozen=True, slots=True)
class AttemptRow:
    """A stored attempt as read or just written (the `quizattempt` table's columns)."""

    id: int
    user_id: int
    module_id: str
    submission_id: str
    quiz_hash: str
    started_at: datetime | None
    submitted_at: datetime
    score: int
    max_score: int
    percent: int
    pass_mark: int
    passed: bool
    draw_id: int | None
    cycle: int
    superseded_by: int = 0  # a content release reopened the module (app/content/releases.py)


@dataclass(frozen=True)
class SubmittedAttempt:
    attempt: AttemptRow


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

    @property
    def user_id(self) -> int:
        return int(self.values["user_id"])

    @property
    def submission_id(self) -> str:
        return str(self.values["submission_id"])


def score_attempt(
    catalog: Catalog,
    *,
    user: AnyUser,
    module_id: str,
    answers: Mapping[str, str],
    submission_id: str,
    paper: Paper | None = None,
) -> ScoredAttempt:
    """Score the answers against the scenarios the paper asked (AnswerError says what is wrong).

    Without a paper the whole quiz is asked, as before draws (tools and benchmarks).
    """
    module = get_module(catalog, module_id)
    if paper is None:
        paper = Paper(None, module.quiz.content_hash, whole_quiz(module.quiz))
    score = score_answers(module.quiz, answers, paper.scenarios(module.quiz))
    values = {
        "user_id": row_id(user),
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
        "draw_id": paper.draw_id,
    }
    return ScoredAttempt(values, score)


def stale_submission(
    source: Source, user_id: int, submission_id: str, draw_id: int | None = None
) -> SubmittedAttempt:
    """A submission from a page whose quiz has changed since it was shown.

    A repeat of a submission (or of a draw) stored before the change gets that attempt
    back; anything else is QuizChanged, and nothing is scored against a quiz the learner
    did not see.
    """
    stored = _stored_submission(source, user_id, submission_id)
    if stored is None and draw_id is not None:
        stored = _stored_draw(source, user_id, draw_id)
    if stored is not None:
        return SubmittedAttempt(stored)
    raise QuizChanged(QUIZ_CHANGED)


def store_attempt(session: Session, catalog: Catalog, scored: ScoredAttempt) -> SubmittedAttempt:
    """Store a scored attempt in the session's transaction; the caller commits.

    A repeated submission id, or a second submission of the same draw, returns the attempt
    stored the first time (the insert skips a row whose submission id or draw is taken, so
    no savepoint is needed to recover from it). Not
    committing lets a batch of submissions share one transaction and one disk flush
    (app/db/group_commit.py).
    """
    inserted = _insert_attempt(session, scored)
    if inserted is None:
        stored = _stored_submission(session, scored.user_id, scored.submission_id)
        draw_id = scored.values["draw_id"]
        if stored is None and draw_id is not None:
            stored = _stored_draw(session, scored.user_id, draw_id)
        if stored is None:  # taken by a row this transaction cannot see: impossible here
            raise Conflict("This submission could not be stored; please submit again.")
        return SubmittedAttempt(stored)
    attempt_id, cycle, completed = inserted
    if completed:
        certificates.issue_if_course_complete(session, catalog, user_id=scored.user_id)
    row = {**scored.values, "id": attempt_id, "cycle": cycle}
    attempt = AttemptRow(**row)
    return SubmittedAttempt(attempt)


def _insert_attempt(session: Session, scored: ScoredAttempt) -> tuple[int, int, bool] | None:
    """Insert the attempt and its answers, and the completion if this pass completes the module.

    Plain SQL on the session's own connection and no read first: the unique (user,
    submission) key catches a repeat. The answers go in one statement and the completion
    is a conditional insert, so the write lock is held for three statements; through the
    ORM and Core it was held several times as long, mostly waiting for the GIL
    (bench/NOTES.md). Returns (attempt id, its cycle, whether a completion was recorded), or None when
    the submission id was stored before.
    """
    connection = in_transaction(session)
    values = bind_values(QuizAttempt, connection, scored.values)
    returned = fetch_all(connection, _INSERT_ATTEMPT, values)
    if not returned:
        return None
    attempt_id: int = returned[0][0]
    cycle: int = returned[0][1]
    execute(
        connection,
        _insert_answers(len(scored.score.results)),
        _answer_params(attempt_id, scored.score),
    )
    completed = scored.score.passed and record_completion_if_done(
        session,
        user_id=scored.user_id,
        module_id=str(scored.values["module_id"]),
        via="self-paced",
        at=scored.values["submitted_at"],
    )
    return attempt_id, cycle, completed


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
_INSERTED = [name for name, _ in _ATTEMPT_COLUMNS if name not in ("id", "cycle", "superseded_by")]
# The attempt belongs to the person's current recertification cycle, read in the same statement.
_INSERT_ATTEMPT = RawQuery.of(
    f"INSERT INTO quizattempt ({', '.join(_INSERTED)}, cycle)"
    f" SELECT {', '.join(':' + name for name in _INSERTED)}, u.cycle"
    ' FROM "user" u WHERE u.id = :user_id'
    " ON CONFLICT DO NOTHING RETURNING id, cycle"
)
_STORED_SUBMISSION = RawQuery.of(
    f"SELECT {select_list(_ATTEMPT_COLUMNS, 'a')} FROM quizattempt a"
    " WHERE a.user_id = :user_id AND a.submission_id = :submission_id"
)
_STORED_DRAW = RawQuery.of(
    f"SELECT {select_list(_ATTEMPT_COLUMNS, 'a')} FROM quizattempt a"
    " WHERE a.user_id = :user_id AND a.draw_id = :draw_id"
)


def _stored_submission(source: Source, user_id: int, submission_id: str) -> AttemptRow | None:
    row = fetch_one(
        source, _STORED_SUBMISSION, {"user_id": user_id, "submission_id": submission_id}
    )
    return None if row is None else row_of(AttemptRow, _ATTEMPT_COLUMNS, row)


def _stored_draw(source: Source, user_id: int, draw_id: int) -> AttemptRow | None:
    row = fetch_one(source, _STORED_DRAW, {"user_id": user_id, "draw_id": draw_id})
    return None if row is None else row_of(AttemptRow, _ATTEMPT_COLUMNS, row)


def attempt_for(session: Session, *, user: AnyUser, attempt_id: int) -> QuizAttempt:
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
