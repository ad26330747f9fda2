"""When a learner's next quiz attempt opens: at once, unless it would mostly repeat scenarios.

A result page shows the strongest option of every scenario it asked (formative feedback), and
a retake draws unseen scenarios first, so one attempt's key does not pass the next. Once the
pool is used up, though, a new draw would mostly ask scenarios whose key the learner has
already been shown, and a third attempt straight after two could pass by recognition alone.
Such a draw opens `retake_wait_hours` after the learner's last attempt: time to go back to the
lesson, and nothing to gain by racing through result pages. Answering a paper already drawn
is never held back.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from app.clock import utcnow
from app.content.schema import Module, Quiz
from app.db import RawQuery, Source, fetch_one, utc
from app.errors import Conflict
from app.learning.draws import seen_counts

_LAST_ATTEMPT = RawQuery.of(
    "SELECT id, submitted_at FROM quizattempt WHERE user_id = :user_id AND module_id = :module_id"
    " ORDER BY submitted_at DESC, id DESC LIMIT 1"
)


class NotYet(Conflict):
    """The next attempt would mostly repeat seen scenarios, and its wait has not passed."""

    def __init__(self, opens_at: datetime, last_attempt_id: int) -> None:
        super().__init__(
            "You have seen most of this quiz's scenarios and the strongest answer to each, so "
            "your next attempt opens a little later, when it can still show what you have "
            "learned. Meanwhile, the lesson is open to read again."
        )
        self.opens_at = opens_at
        self.last_attempt_id = last_attempt_id


def mostly_repeats(quiz: Quiz, seen: Mapping[str, int]) -> bool:
    """Whether more than half of the next draw would be scenarios the learner has been asked."""
    count = min(quiz.draw, len(quiz.scenarios))
    unseen = sum(1 for s in quiz.scenarios if not seen.get(s.id))
    return count - unseen > count // 2


def opens_at(source: Source, *, user_id: int, module: Module, wait: timedelta) -> NotYet | None:
    """Why this learner's next draw of the quiz must wait, and until when; None when it opens now."""
    if wait <= timedelta(0):
        return None
    if not mostly_repeats(module.quiz, seen_counts(source, user_id=user_id, module_id=module.id)):
        return None
    row = fetch_one(source, _LAST_ATTEMPT, {"user_id": user_id, "module_id": module.id})
    last = utc(row[1]) if row else None
    if row is None or last is None or last + wait <= utcnow():
        return None
    return NotYet(last + wait, int(row[0]))
