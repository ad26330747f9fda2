"""Invitation and password-reset mail: the outbox sender mints their one-time link as it sends.

The sender (app/mail/outbox_sender.py) delivers every kind of mail and knows no feature;
`create_app` and the commands hand it `SIGN_IN_LINKS`, which opens the reset's Invite, mints
the token and words the message, so no usable link is ever stored readable.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from app.auth import invites, reset
from app.config import Settings
from app.mail.mailer import Message
from app.mail.outbox import INVITATION, PASSWORD_RESET
from app.models import OutboxMessage


class SignInLinks:
    """The `LinkMail` of app.mail.outbox_sender for invitations and password resets."""

    kinds = frozenset({INVITATION, PASSWORD_RESET})

    def compose(self, session: Session, settings: Settings, row: OutboxMessage) -> Message | None:
        """The message with a freshly minted link; None when it is no longer needed."""
        if row.invite_id is None and row.kind == PASSWORD_RESET:
            row.invite_id = reset.prepare(session, email=row.to)
            session.add(row)
        if row.invite_id is None:
            return None
        valid = (
            reset.valid_for(settings)
            if row.kind == PASSWORD_RESET
            else timedelta(days=settings.invite_valid_days)
        )
        minted = invites.mint(session, invite_id=row.invite_id, valid_for=valid)
        if minted is None:
            return None
        token, user = minted
        if row.kind == PASSWORD_RESET:
            return reset.message(session, settings, user, token, to=reset.recipient(session, user))
        return invites.message(session, settings, user=user, token=token, invite_id=row.invite_id)

    def sent(self, session: Session, *, invite_id: int) -> None:
        invites.mark_sent(session, invite_id=invite_id)

    def failed(self, session: Session, *, invite_id: int, error: str) -> None:
        invites.mark_failed(session, invite_id=invite_id, error=error)


SIGN_IN_LINKS = SignInLinks()
