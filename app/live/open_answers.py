"""Open answers and questions in a live room, and the shared commitments wall.

The facilitator opens one prompt at a time; phones send short anonymous text; the facilitator
approves or hides each answer; the projector shows approved ones once five exist. Answers carry
no participant, user or time (see app/models/live_answers.py); a phone's limit is counted
under a keyed hash that is deleted with the key when the prompt closes.
"""

from __future__ import annotations

import secrets

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.auth.lookup import AnyUser
from app.db import conflict_insert
from app.errors import Conflict, Invalid, NotFound
from app.live import facilitator
from app.live.lookup import find, normalise_code
from app.live.moves import bump
from app.live.open_answers_store import (
    APPROVED,
    HIDDEN,
    ROOM_MAX,
    clean,
    close_open,
    sender_of,
)
from app.live.participant import NotAdmitted
from app.live.stage import current_step
from app.live.steps import Phase
from app.models import LiveAnswer, LiveAnswerQuota, LivePrompt, LiveSession, row_id
from app.models.live_answers import TITLES
from app.security import token_digest

DECISIONS = {"approve": APPROVED, "hide": HIDDEN}
NO_PROMPT = "The facilitator has closed that question, so your answer was not sent."


def open_prompt(
    session: Session, *, user: AnyUser, session_id: int, kind: str, seen_version: int
) -> LivePrompt:
    """Open a prompt (closing any other): "say" needs a scenario on screen, the wall the wrap-up."""
    live = facilitator.owned_session(session, user=user, session_id=session_id)
    if kind not in TITLES:
        raise Invalid("Choose one of the offered questions.")
    step = current_step(live)
    if step.phase is Phase.ended:
        raise Invalid("The session has ended, so no question can be opened.")
    scenario_id = None
    if kind == "say":
        if not step.in_scenario:
            raise Invalid('"What would you say?" asks about a scenario: open it during one.')
        scenario_id = live.scenario_list[step.index]
    if kind == "commitments" and step.phase is not Phase.wrapup:
        raise Invalid("The commitments wall opens at the wrap-up.")
    bump(session, live, seen_version)  # StepMoved (rolled back) if the click was stale
    close_open(session, row_id(live))
    prompt = LivePrompt(
        session_id=row_id(live),
        kind=kind,
        scenario_id=scenario_id,
        sender_key=secrets.token_hex(32),
    )
    session.add(prompt)
    session.commit()
    return prompt


def close_prompt(session: Session, *, user: AnyUser, session_id: int, seen_version: int) -> None:
    """Close the open prompt: phones stop sending; the phones' keyed hashes are deleted."""
    live = facilitator.owned_session(session, user=user, session_id=session_id)
    bump(session, live, seen_version)
    if not close_open(session, row_id(live)):
        session.rollback()
        raise Invalid("No question is open.")
    session.commit()


def moderate(
    session: Session, *, user: AnyUser, session_id: int, answer_id: int, decision: str
) -> bool:
    """Approve or hide one answer of this session; False when it already was (nothing changed).

    One conditional UPDATE, so two approvals at once change it (and bump the room) once.
    """
    live = facilitator.owned_session(session, user=user, session_id=session_id)
    state = DECISIONS.get(decision)
    if state is None:
        raise Invalid("Choose approve or hide.")
    in_room = select(LivePrompt.id).where(LivePrompt.session_id == live.id)
    changed = session.exec(
        update(LiveAnswer)
        .where(
            col(LiveAnswer.id) == answer_id,
            col(LiveAnswer.prompt_id).in_(in_room.scalar_subquery()),
            col(LiveAnswer.state) != state,
        )
        .values(state=state)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        session.rollback()
        if session.get(LiveAnswer, answer_id) is None or not _in_room(session, answer_id, live):
            raise NotFound("There is no such answer in this session.")
        return False
    bump(session, live, None)  # phones and the projector fetch the room again
    session.commit()
    return True


def _in_room(session: Session, answer_id: int, live: LiveSession) -> bool:
    return (
        session.exec(
            select(LiveAnswer.id)
            .join(LivePrompt, col(LivePrompt.id) == LiveAnswer.prompt_id)
            .where(LiveAnswer.id == answer_id, LivePrompt.session_id == live.id)
        ).first()
        is not None
    )


def send_answer(
    session: Session,
    *,
    code: str,
    token: str | None,
    text: str,
    address: str,
    user: AnyUser | None,
) -> LivePrompt:
    """Store one anonymous answer to the open prompt, within this phone's and the room's caps."""
    found = find(session, normalise_code(code), token, address=address, user=user, lock=True)
    if found.participant_id is None or token is None:
        raise NotFound("Join the session before answering.")
    if not found.admitted:
        raise NotAdmitted("The facilitator has not let this phone in, so nothing was sent.")
    words = clean(text)
    prompt = session.exec(
        select(LivePrompt).where(
            LivePrompt.session_id == found.id, col(LivePrompt.closed_at).is_(None)
        )
    ).first()
    if prompt is None or prompt.sender_key is None:
        raise Conflict(NO_PROMPT)
    cap = prompt.per_phone
    _count_sender(session, prompt, sender_of(prompt, token_digest(token)), cap)
    taken = session.exec(
        update(LivePrompt)
        .where(
            col(LivePrompt.id) == prompt.id,
            col(LivePrompt.closed_at).is_(None),
            col(LivePrompt.received) < ROOM_MAX,
        )
        .values(received=LivePrompt.received + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        session.rollback()
        raise Conflict(f"{NO_PROMPT} (The question is closed or has all the answers it takes.)")
    session.add(LiveAnswer(prompt_id=row_id(prompt), text=words))
    session.commit()
    return prompt


def _count_sender(session: Session, prompt: LivePrompt, sender: str, cap: int) -> None:
    """Count one more answer from this phone, atomically; Conflict once it reached its cap."""
    insert = conflict_insert(session, LiveAnswerQuota).values(
        prompt_id=prompt.id, sender=sender, sent=1
    )
    counted = session.exec(
        insert.on_conflict_do_update(
            index_elements=["prompt_id", "sender"],
            set_={"sent": col(LiveAnswerQuota.sent) + 1},
            where=col(LiveAnswerQuota.sent) < cap,
        ).returning(col(LiveAnswerQuota.sent))
    ).first()
    if counted is None:  # the row exists and is at its cap: nothing was written
        session.rollback()
        many = "one answer" if cap == 1 else f"{cap} answers"
        raise Conflict(f"Each phone can send {many} to this question, and yours are in. Thank you.")
    if counted[0] == 1:  # this phone's first answer: one more phone answered
        session.exec(
            update(LivePrompt)
            .where(col(LivePrompt.id) == prompt.id)
            .values(senders=LivePrompt.senders + 1)
            .execution_options(synchronize_session=False)
        )
