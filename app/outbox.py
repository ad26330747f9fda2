"""The e-mail outbox: requests queue messages in their own transaction; a sender delivers them."""

from __future__ import annotations

from sqlmodel import Session

from app.clock import utcnow
from app.hr.mailer import Message
from app.models import OutboxMessage


def queue_message(session: Session, message: Message, *, kind: str) -> None:
    """Add a message to the outbox; it is sent only if the caller's transaction commits."""
    now = utcnow()
    session.add(
        OutboxMessage(
            kind=kind,
            to=message.to,
            subject=message.subject[:300],
            body=message.body,
            created_at=now,
            next_attempt_at=now,
        )
    )
