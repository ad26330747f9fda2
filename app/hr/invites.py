"""Invites: one-time, expiring links to set a password; only the token's SHA-256 is stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import insert, update
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.config import Settings
from app.errors import DomainError, NotFound
from app.hr import audit
from app.hr.dbutil import chunks
from app.hr.mailer import Mailer, MailError, Message
from app.models import Invite, User
from app.security import hash_password, new_token, password_problem, token_digest

INVALID = (
    "This invitation link has expired, was already used, or was replaced by a newer one. "
    "Ask your HR team to send you a new link."
)


class InviteGone(DomainError):
    status_code = 410


class PasswordRefused(DomainError):
    status_code = 422


@dataclass(frozen=True)
class SendReport:
    sent: list[str]
    failed: list[tuple[str, str]]


def queue(session: Session, *, user_ids: list[int], actor_id: int | None) -> None:
    """Queue invites (no token yet) for new accounts; the sender mints and mails the token."""
    if user_ids:
        now = utcnow()
        session.execute(
            insert(Invite),
            [{"user_id": u, "created_by_id": actor_id, "created_at": now} for u in user_ids],
        )


def revoke_for(session: Session, *, user_ids: list[int]) -> None:
    """Invalidate every open invite of these people (leavers, or a newer link)."""
    for part in chunks(user_ids):
        session.execute(
            update(Invite)
            .where(
                col(Invite.user_id).in_(part),
                col(Invite.used_at).is_(None),
                col(Invite.revoked_at).is_(None),
            )
            .values(revoked_at=utcnow())
        )


def invite_url(settings: Settings, token: str) -> str:
    return f"{settings.public_url}/invite/{token}"


def issue_link(
    session: Session, settings: Settings, *, actor_id: int | None, user_id: int
) -> tuple[User, str]:
    """A fresh link for HR to pass on by hand; older links of this person stop working."""
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise NotFound("There is no active account with that id.")
    revoke_for(session, user_ids=[user_id])
    token, now = new_token(), utcnow()
    session.add(
        Invite(
            user_id=user_id,
            token_hash=token_digest(token),
            created_by_id=actor_id,
            created_at=now,
            sent_at=now,
            expires_at=now + timedelta(days=settings.invite_valid_days),
        )
    )
    audit.record(session, actor_id=actor_id, action="invite.link", target=user.email)
    session.commit()
    return user, invite_url(settings, token)


def pending_count(session: Session) -> int:
    return len(_pending(session))


def pending_emails(session: Session) -> list[str]:
    return [email for _, email, _ in _pending(session)]


def _pending(session: Session) -> list[tuple[int | None, str, str]]:
    return list(
        session.exec(
            select(col(Invite.id), User.email, User.name)
            .join(User, col(User.id) == Invite.user_id)
            .where(
                col(Invite.token_hash).is_(None),
                col(Invite.revoked_at).is_(None),
                col(Invite.used_at).is_(None),
                col(User.active),
            )
            .order_by(col(Invite.id))
        ).all()
    )


def send_pending(
    session: Session, settings: Settings, mailer: Mailer, *, actor_id: int | None
) -> SendReport:
    """Mint a token per queued invite, mail it, and keep it only if the server accepted it."""
    sent: list[str] = []
    failed: list[tuple[str, str]] = []
    for invite_id, email, name in _pending(session):
        token, now = new_token(), utcnow()
        claimed = session.exec(
            update(Invite)
            .where(col(Invite.id) == invite_id, col(Invite.token_hash).is_(None))
            .values(
                token_hash=token_digest(token),
                expires_at=now + timedelta(days=settings.invite_valid_days),
            )
        ).rowcount
        session.commit()
        if claimed != 1:
            continue  # another process is sending this one
        try:
            mailer.send(_message(settings, email=email, name=name, token=token))
        except MailError as exc:
            session.execute(
                update(Invite)
                .where(col(Invite.id) == invite_id)
                .values(
                    token_hash=None,
                    expires_at=None,
                    attempts=Invite.attempts + 1,
                    last_error=str(exc)[:500],
                )
            )
            session.commit()
            failed.append((email, str(exc)))
            continue
        session.execute(
            update(Invite)
            .where(col(Invite.id) == invite_id)
            .values(sent_at=utcnow(), last_error="")
        )
        session.commit()
        sent.append(email)
    if sent or failed:
        audit.record(
            session, actor_id=actor_id, action="invite.send", sent=len(sent), failed=len(failed)
        )
        session.commit()
    return SendReport(sent, failed)


def _message(settings: Settings, *, email: str, name: str, token: str) -> Message:
    return Message(
        to=email,
        subject=f"Your {settings.course_title} account",
        body=(
            f"Hello {name},\n\n"
            f"{settings.organisation_name} has given you access to {settings.course_title}, "
            "a short course you can take at your own pace.\n\n"
            f"Set your password here (the link works once, for {settings.invite_valid_days} days):\n"
            f"{invite_url(settings, token)}\n\n"
            f"Then sign in with {email} at {settings.public_url}/login\n"
        ),
    )


def find(session: Session, *, token: str) -> tuple[Invite, User]:
    """The open invite for a token, or InviteGone."""
    row = session.exec(
        select(Invite, User)
        .join(User, col(User.id) == Invite.user_id)
        .where(Invite.token_hash == token_digest(token))
    ).first()
    if row is None:
        raise InviteGone(INVALID)
    invite, user = row
    if (
        invite.used_at
        or invite.revoked_at
        or not invite.expires_at
        or invite.expires_at <= utcnow()
        or not user.active
    ):
        raise InviteGone(INVALID)
    return invite, user


def accept(session: Session, *, token: str, password: str, confirm: str) -> User:
    """Set the password and use up the invite (and any other open invite of this person)."""
    invite, user = find(session, token=token)
    if password != confirm:
        raise PasswordRefused("The two passwords are different; type the same password twice.")
    if problem := password_problem(password):
        raise PasswordRefused(problem)
    now = utcnow()
    used = session.exec(
        update(Invite)
        .where(col(Invite.id) == invite.id, col(Invite.used_at).is_(None))
        .values(used_at=now)
    ).rowcount
    if used != 1:
        session.rollback()
        raise InviteGone(INVALID)
    revoke_for(session, user_ids=[user.id or 0])
    user.password_hash = hash_password(password)
    user.password_changed_at = now
    session.add(user)
    audit.record(session, actor_id=user.id, action="invite.accept", target=user.email)
    session.commit()
    return user
