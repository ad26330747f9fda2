"""The e-mail outbox: requests queue messages in their own transaction; a sender delivers them."""

from __future__ import annotations

from sqlmodel import Session

from app.clock import utcnow
from app.mail.mailer import Message
from app.models import OutboxMessage

# Messages whose text the sender writes when it sends, around a link it mints then
# (app.mail.outbox_sender): the row holds no body and the database never holds a usable token.
INVITATION = "invitation"
PASSWORD_RESET = "password-reset"
# Messages written whole when queued: the sender sends the stored text as it is.
REMINDER = "reminder"
DIGEST = "manager-digest"


def queue_message(
    session: Session, message: Message, *, kind: str, invite_id: int | None = None
) -> OutboxMessage:
    """Add a message to the outbox; it is sent only if the caller's transaction commits.

    The row is returned unflushed (bulk queueing stays one batch); flush for its id.
    """
    now = utcnow()
    row = OutboxMessage(
        kind=kind,
        to=message.to[:320],
        subject=message.subject[:300],
        body=message.body,
        calendar=message.calendar,
        created_at=now,
        next_attempt_at=now,
        invite_id=invite_id,
    )
    session.add(row)
    return row
