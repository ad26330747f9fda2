"""The e-mail outbox: requests queue messages in their own transaction; a sender delivers them."""

from __future__ import annotations

import re

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
NUDGE = "nudge"  # refresher and check-in nudges (app/lasting/nudges.py)
# A nudge's stop link (app/lasting/stopping.py stop_link), signed for one person and version.
_STOP_LINK = re.compile(r"https?://\S*?/nudges/stop\?u=\d+&v=\d+&s=[0-9a-f]{64}")


def one_click_stop(kind: str, body: str) -> str:
    """The stop link a nudge carries, sent again as RFC 8058 one-click headers; "" for other mail.

    Taken from the stored body, so the headers name the very link the e-mail shows.
    """
    if kind != NUDGE:
        return ""
    found = _STOP_LINK.search(body)
    return found.group(0) if found else ""


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
