"""Reading open answers for the room's views, checking their text, and closing a prompt.

Kept apart from app/live/open_answers.py (the actions) so the facilitator's stage and the
phones' room can read the panel without importing the controls that use them.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from sqlalchemy import case, delete, func, update
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.errors import Invalid
from app.models import LiveAnswer, LiveAnswerQuota, LivePrompt
from app.models.live_answers import TEXT_MAX, TITLES
from app.privacy import MIN_GROUP
from app.web.plain_text import hidden_character, one_line

ROOM_MAX = 1000  # answers one prompt takes in all
SCREEN_MAX = 6  # approved answers on the projector at once, newest first
CONTROLS_MAX = 40  # answers listed for moderation, newest first
NEW, APPROVED, HIDDEN = "new", "approved", "hidden"


@dataclass(frozen=True)
class Panel:
    """The open prompt with what the controls list and what the projector may show."""

    prompt: LivePrompt
    title: str
    answers: tuple[LiveAnswer, ...]  # for moderation (facilitator only)
    approved: tuple[LiveAnswer, ...]  # shown on the projector once `enough`
    approved_count: int
    waiting_count: int  # new, not yet approved or hidden
    min_shown: int = MIN_GROUP

    @property
    def enough(self) -> bool:
        return self.prompt.senders >= self.min_shown

    @property
    def shown(self) -> tuple[LiveAnswer, ...]:
        """What the projector shows: nothing at all before five phones answered."""
        return self.approved if self.enough else ()


def clean(raw: str) -> str:
    """The answer as one line of plain text, or Invalid saying what is wrong with it."""
    text = one_line(raw)
    if not text:
        raise Invalid(
            "Write your answer first: it was empty.", fields={"answer": "Write your answer first."}
        )
    odd = hidden_character(text)
    if odd is not None:
        said = (
            f"Your answer contains a hidden control character ({odd}). "
            "Remove it, or retype the answer, and send it again."
        )
        raise Invalid(said, fields={"answer": said})
    if len(text) > TEXT_MAX:
        said = f"Keep it short: at most {TEXT_MAX} characters (this one has {len(text)})."
        raise Invalid(said, fields={"answer": said})
    return text


def sender_of(prompt: LivePrompt, token_hash: str) -> str:
    """The phone's keyed hash for this prompt; meaningless once the prompt's key is gone."""
    key = (prompt.sender_key or "").encode()
    return hmac.new(key, token_hash.encode(), hashlib.sha256).hexdigest()


def open_prompt(session: Session, session_id: int) -> LivePrompt | None:
    """The session's open prompt (at most one is open at a time)."""
    return session.exec(
        select(LivePrompt).where(
            LivePrompt.session_id == session_id, col(LivePrompt.closed_at).is_(None)
        )
    ).first()


def marker(prompt: LivePrompt | None) -> str:
    """Changes whenever an answer arrives, so the controls' poll fetches the list again."""
    return f"a{prompt.id}.{prompt.received}" if prompt else "a0"


def panel(session: Session, prompt: LivePrompt | None) -> Panel | None:
    """The open prompt's answers for the controls and the projector, in two small queries."""
    if prompt is None:
        return None
    counts = session.exec(
        select(
            func.count(case((col(LiveAnswer.state) == APPROVED, 1))),
            func.count(case((col(LiveAnswer.state) == NEW, 1))),
        ).where(LiveAnswer.prompt_id == prompt.id)
    ).one()
    answers = session.exec(
        select(LiveAnswer)
        .where(LiveAnswer.prompt_id == prompt.id, col(LiveAnswer.state) != HIDDEN)
        .order_by(col(LiveAnswer.id).desc())
        .limit(CONTROLS_MAX)
    ).all()
    approved = tuple(a for a in answers if a.state == APPROVED)[:SCREEN_MAX]
    return Panel(prompt, prompt.title, tuple(answers), approved, counts[0], counts[1])


def sent_by(session: Session, prompt: LivePrompt | None, token_hash: str) -> int:
    """How many answers this phone sent to the open prompt (0 when none is open)."""
    if prompt is None or prompt.sender_key is None:
        return 0
    sent = session.exec(
        select(LiveAnswerQuota.sent).where(
            LiveAnswerQuota.prompt_id == prompt.id,
            LiveAnswerQuota.sender == sender_of(prompt, token_hash),
        )
    ).first()
    return sent or 0


def close_open(session: Session, session_id: int) -> bool:
    """Close the session's open prompt: drop its key and every phone's counter (not committed)."""
    closed = session.exec(
        update(LivePrompt)
        .where(col(LivePrompt.session_id) == session_id, col(LivePrompt.closed_at).is_(None))
        .values(closed_at=utcnow(), sender_key=None)
        .returning(col(LivePrompt.id))
        .execution_options(synchronize_session=False)
    ).all()
    ids = [row[0] for row in closed]
    if ids:
        session.exec(delete(LiveAnswerQuota).where(col(LiveAnswerQuota.prompt_id).in_(ids)))
    return bool(ids)


def approved_answers(
    session: Session, session_id: int, scenario_titles: dict[str, str]
) -> list[tuple[str, str]]:
    """(question, text) of each approved answer, for questions five or more phones answered."""
    rows = session.exec(
        select(LivePrompt.kind, LivePrompt.scenario_id, LiveAnswer.text)
        .join(LivePrompt, col(LivePrompt.id) == LiveAnswer.prompt_id)
        .where(
            LivePrompt.session_id == session_id,
            LiveAnswer.state == APPROVED,
            col(LivePrompt.senders) >= MIN_GROUP,
        )
        .order_by(col(LivePrompt.id), col(LiveAnswer.id))
    ).all()
    return [(_question(kind, scenario_titles.get(sid or "")), text) for kind, sid, text in rows]


def _question(kind: str, scenario_title: str | None) -> str:
    return f"{TITLES[kind]} ({scenario_title})" if scenario_title else TITLES[kind]
