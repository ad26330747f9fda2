"""Invites: one-time, expiring links to set a password; only the token's SHA-256 is stored.

Mailed links (invitations, password resets) are minted by the outbox sender when it sends
(app.mail.outbox_sender); a link shown on screen is minted here, and only where may_show_link.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, update
from sqlmodel import Session, col, select

from app import audit
from app.auth.lookup import AnyUser
from app.clock import utcnow
from app.config import Settings
from app.db import chunks
from app.errors import Conflict, DomainError, NotFound
from app.mail import stored_texts, texts
from app.mail.mailer import Message
from app.mail.outbox import INVITATION, PASSWORD_RESET, queue_message
from app.models import Invite, User, row_id
from app.security import hash_password, new_token, password_problem, token_digest

INVALID = (
    "This invitation link has expired, was already used, or was replaced by a newer one. "
    "Ask your HR team to send you a new link."
)


RANK = {"learner": 0, "facilitator": 1, "hr": 2, "admin": 3}
LINK_REFUSED = (
    "A sign-in link can be shown only for an account that has never been used, and only "
    "for roles below yours. Send a password-reset e-mail instead: it goes to the person's "
    "own address."
)


class InviteGone(DomainError):
    status_code = 410


class PasswordRefused(DomainError):
    status_code = 422


class LinkRefused(Conflict):
    """The account's state or role rules out a link on screen (not a role check: 409)."""


def queue(session: Session, *, user_ids: list[int], actor_id: int | None) -> None:
    """Queue invites (no token yet) for new accounts; the outbox sender mints and mails them."""
    now = utcnow()
    for part in chunks(user_ids):
        invited = session.execute(
            insert(Invite).returning(col(Invite.id), col(Invite.user_id)),
            [{"user_id": u, "created_by_id": actor_id, "created_at": now} for u in part],
        ).all()
        emails = dict(
            session.exec(select(col(User.id), User.email).where(col(User.id).in_(part))).all()
        )
        for invite_id, user_id in invited:
            to = Message(to=emails.get(user_id, ""), subject="", body="")
            queue_message(session, to, kind=INVITATION, invite_id=invite_id)


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


def may_show_link(actor: AnyUser, target: AnyUser) -> bool:
    """Whether `actor` may be shown a sign-in link for `target` (else: a reset e-mail only).

    A link on screen lets whoever holds it become that person, so it exists only for an
    account that has never had a password (nothing of theirs to see yet) and whose role is
    below the issuer's: HR for learners and facilitators, an admin for anyone but an admin.
    """
    return (
        target.active
        and target.password_hash is None
        and target.id != actor.id
        and RANK.get(target.role, len(RANK)) < RANK.get(actor.role, -1)
    )


def issue_link(
    session: Session, settings: Settings, *, actor: AnyUser, user_id: int
) -> tuple[User, str]:
    """A fresh link for HR to pass on by hand; older links of this person stop working."""
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise NotFound("There is no active account with that id.")
    if not may_show_link(actor, user):
        raise LinkRefused(LINK_REFUSED)
    revoke_for(session, user_ids=[user_id])
    token, now = new_token(), utcnow()
    session.add(
        Invite(
            user_id=user_id,
            token_hash=token_digest(token),
            created_by_id=actor.id,
            created_at=now,
            sent_at=now,
            expires_at=now + timedelta(days=settings.invite_valid_days),
            shown=True,
        )
    )
    audit.record(session, actor_id=actor.id, action="invite.link", target=user.email)
    session.commit()
    return user, invite_url(settings, token)


def queue_reset_email(session: Session, *, actor: AnyUser, user_id: int) -> User:
    """Queue a password-reset e-mail to the person's own address; its link is never shown."""
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise NotFound("There is no active account with that id.")
    queue_message(session, Message(to=user.email, subject="", body=""), kind=PASSWORD_RESET)
    audit.record(session, actor_id=actor.id, action="invite.reset_email", target=user.email)
    session.commit()
    return user


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


def mint(session: Session, *, invite_id: int, valid_for: timedelta) -> tuple[str, User] | None:
    """A new token for an open, unsent invite (the sender holds its message's claim), or None.

    An earlier token of the same invite that was never confirmed sent stops working.
    """
    token, now = new_token(), utcnow()
    minted = session.exec(
        update(Invite)
        .where(
            col(Invite.id) == invite_id,
            col(Invite.sent_at).is_(None),
            col(Invite.used_at).is_(None),
            col(Invite.revoked_at).is_(None),
        )
        .values(token_hash=token_digest(token), expires_at=now + valid_for)
    ).rowcount
    invite = session.get(Invite, invite_id) if minted == 1 else None
    user = session.get(User, invite.user_id) if invite else None
    if user is None or not user.active:
        return None
    return token, user


def mark_sent(session: Session, *, invite_id: int) -> None:
    session.execute(
        update(Invite).where(col(Invite.id) == invite_id).values(sent_at=utcnow(), last_error="")
    )


def mark_failed(session: Session, *, invite_id: int, error: str) -> None:
    """The message was not accepted: its token never works, the invite waits for a retry."""
    session.execute(
        update(Invite)
        .where(col(Invite.id) == invite_id, col(Invite.sent_at).is_(None))
        .values(
            token_hash=None,
            expires_at=None,
            attempts=Invite.attempts + 1,
            last_error=error[:500],
        )
    )


def message(
    session: Session, settings: Settings, *, user: User, token: str, invite_id: int
) -> Message:
    """The invitation in the organisation's words: who invites, to what, for how long."""
    invite = session.get(Invite, invite_id)
    inviter = session.get(User, invite.created_by_id) if invite and invite.created_by_id else None
    days = settings.invite_valid_days
    values = stored_texts.base_values(session, settings, name=user.name) | {
        "inviter": inviter.name if inviter and inviter.name.strip() else "Your HR team",
        "email": user.email,
        "link": invite_url(settings, token),
        "valid_for": f"{days} day{'s' if days != 1 else ''}",
        "sign_in_link": f"{settings.public_url}/login",
    }
    return stored_texts.compose(session, settings, texts.INVITATION, to=user.email, values=values)


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
        or (invite.shown and user.password_hash is not None)
        or (user.password_changed_at and invite.created_at <= user.password_changed_at)
        or (invite.shown and not _issuer_still_outranks(session, invite, user))
    ):
        raise InviteGone(INVALID)
    return invite, user


def _issuer_still_outranks(session: Session, invite: Invite, user: User) -> bool:
    """A link shown on screen holds only while its issuer could still be shown it.

    Checked when the link is used, not only when it is made: otherwise HR could make a link
    for a new learner, wait for an admin to promote that account, and then become an admin.
    """
    issuer = session.get(User, invite.created_by_id) if invite.created_by_id else None
    return issuer is not None and issuer.active and may_show_link(issuer, user)


def accept(session: Session, *, token: str, password: str, confirm: str) -> User:
    """Set the password and use up the invite (and any other open invite of this person)."""
    invite, user = find(session, token=token)
    if password != confirm:
        raise PasswordRefused("The two passwords are different; type the same password twice.")
    if problem := password_problem(password, email=user.email, name=user.name):
        raise PasswordRefused(problem)
    now = utcnow()
    used = session.exec(
        update(Invite)
        .where(
            col(Invite.id) == invite.id,
            col(Invite.used_at).is_(None),
            col(Invite.revoked_at).is_(None),
        )
        .values(used_at=now)
    ).rowcount
    session.refresh(user)
    if used != 1 or (invite.shown and user.password_hash is not None):
        session.rollback()
        raise InviteGone(INVALID)
    revoke_for(session, user_ids=[row_id(user)])
    user.password_hash = hash_password(password)
    user.password_changed_at = now
    session.add(user)
    audit.record(session, actor_id=user.id, action="invite.accept", target=user.email)
    session.commit()
    return user
