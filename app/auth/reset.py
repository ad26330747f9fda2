"""Self-service password reset: an emailed one-time link, the same answer for every address.

The request only queues the address in the outbox: one INSERT whether or not an account
uses it, so neither the answer nor its timing tells who has an account, and no request ever
waits for SMTP. The outbox sender (app.mail.outbox_sender) later calls `prepare` to find the
account, apply the per-account limit and open an Invite without a token; it mints the token
when it sends and keeps only its SHA-256, so no usable link sits readable in the database.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.auth import invites
from app.auth.service import normalise_email
from app.clock import utcnow
from app.config import Settings
from app.mail import stored_texts, texts
from app.mail.mailer import Message
from app.mail.outbox import PASSWORD_RESET, queue_message
from app.models import AuditEvent, Invite, User, row_id

log = logging.getLogger("allyship.auth")
RESETS_PER_HOUR = 3
EMAIL_CHANGE_HOLD = timedelta(days=7)
ANSWER = (
    "If an account uses that address, we have emailed it a link to choose a new password. "
    "The link works once, for {minutes} minutes. Check your spam folder if it does not arrive."
)


def request_reset(session: Session, *, email: str) -> None:
    """Queue a reset for this address; what happens next never depends on the request."""
    address = normalise_email(email)[:320]
    queue_message(session, Message(to=address, subject="", body=""), kind=PASSWORD_RESET)
    session.commit()


def prepare(session: Session, *, email: str) -> int | None:
    """The sender's half: an Invite (no token yet) for an active account within its limit."""
    user = session.exec(select(User).where(User.email == normalise_email(email))).first()
    if user is None or not user.active:
        return None
    since = utcnow() - timedelta(hours=1)
    recent = session.exec(
        select(func.count())
        .select_from(Invite)
        .where(col(Invite.user_id) == user.id, col(Invite.created_at) >= since)
    ).one()
    if recent >= RESETS_PER_HOUR:
        log.warning("password reset throttled user=%s", user.id)
        return None
    invites.revoke_for(session, user_ids=[row_id(user)])
    invite = Invite(user_id=row_id(user), created_at=utcnow())
    session.add(invite)
    session.flush()
    return invite.id


def valid_for(settings: Settings) -> timedelta:
    return timedelta(minutes=settings.password_reset_minutes)


def recipient(session: Session, user: User) -> str:
    """Where a reset link for this account goes: its address, except just after someone else
    changed that address on an account that has a password.

    An HR import or an API key may change a learner's e-mail (people marry, systems are
    fixed). Without this hold, a reset sent to the new address would hand the account and its
    private reflections to whoever controls that address. For a week after such a change the
    link goes to the address the account had before the first change in that week, where
    the owner was also told of the change.
    """
    if user.password_hash is None:
        return user.email
    changes = session.exec(
        select(AuditEvent)
        .where(
            AuditEvent.action == "user.email_change",
            col(AuditEvent.at) >= utcnow() - EMAIL_CHANGE_HOLD,
        )
        .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
    ).all()
    address = user.email
    for change in changes:
        if change.actor_id != user.id and _new_address(change) == address:
            address = change.target
    return address


def _new_address(change: AuditEvent) -> str:
    try:
        detail = json.loads(change.detail or "{}")
    except ValueError:
        return ""
    return str(detail.get("new", "")) if isinstance(detail, dict) else ""


def message(session: Session, settings: Settings, user: User, token: str, *, to: str) -> Message:
    """The reset e-mail in the organisation's words, with a freshly minted link."""
    minutes = settings.password_reset_minutes
    values = stored_texts.base_values(session, settings, name=user.name) | {
        "link": invites.invite_url(settings, token),
        "valid_for": f"{minutes} minute{'s' if minutes != 1 else ''}",
    }
    return stored_texts.compose(session, settings, texts.PASSWORD_RESET, to=to, values=values)
