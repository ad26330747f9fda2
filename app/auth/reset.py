"""Self-service password reset: an emailed one-time link, the same answer for every address."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.auth.service import normalise_email
from app.clock import utcnow
from app.config import Settings
from app.hr import invites
from app.hr.mailer import Mailer, MailError, Message
from app.models import Invite, User
from app.security import new_token, token_digest

log = logging.getLogger("allyship.auth")
RESETS_PER_HOUR = 3
ANSWER = (
    "If an account uses that address, we have emailed it a link to choose a new password. "
    "The link works once, for {minutes} minutes. Check your spam folder if it does not arrive."
)


def request_reset(session: Session, settings: Settings, mailer: Mailer, *, email: str) -> None:
    """Email a reset link to an active account; unknown addresses get no mail and no hint."""
    user = session.exec(select(User).where(User.email == normalise_email(email))).first()
    if user is None or not user.active:
        return
    since = utcnow() - timedelta(hours=1)
    recent = session.exec(
        select(func.count())
        .select_from(Invite)
        .where(col(Invite.user_id) == user.id, col(Invite.created_at) >= since)
    ).one()
    if recent >= RESETS_PER_HOUR:
        log.warning("password reset throttled user=%s", user.id)
        return
    invites.revoke_for(session, user_ids=[user.id or 0])
    token, now = new_token(), utcnow()
    invite = Invite(
        user_id=user.id or 0,
        token_hash=token_digest(token),
        created_at=now,
        expires_at=now + timedelta(minutes=settings.password_reset_minutes),
    )
    session.add(invite)
    session.commit()
    try:
        mailer.send(_message(settings, user, token))
    except MailError as exc:
        invite.revoked_at, invite.last_error = utcnow(), str(exc)[:500]
        session.add(invite)
        session.commit()
        log.error("password reset mail failed user=%s: %s", user.id, exc)
        return
    invite.sent_at = utcnow()
    session.add(invite)
    session.commit()
    log.info("password reset link sent user=%s", user.id)


def _message(settings: Settings, user: User, token: str) -> Message:
    return Message(
        to=user.email,
        subject=f"Reset your {settings.course_title} password",
        body=(
            f"Hello {user.name},\n\n"
            "Someone (we hope you) asked to reset the password of your account.\n\n"
            f"Choose a new password here (the link works once, for {settings.password_reset_minutes} minutes):\n"
            f"{invites.invite_url(settings, token)}\n\n"
            "If you did not ask for this, ignore this email: your password stays as it is.\n"
        ),
    )
