"""What imports and API keys may not change, and what must follow an e-mail change or a leaver.

An HR system (a CSV export, an API key) is a weaker credential than an admin's sign-in: if it
could re-point an admin's e-mail, a password reset would hand the admin account to whoever
controls the file. So it never adopts, re-addresses, re-roles or (de)activates hr and admin
accounts; admins do that in the app.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import update
from sqlmodel import Session, col, select

from app import audit
from app.auth import invites
from app.auth.service import end_sessions_of
from app.clock import utcnow
from app.config import Settings
from app.db import id_in
from app.events import NewEvent, record_events
from app.mail import stored_texts
from app.mail.mailer import Message
from app.mail.outbox import queue_message
from app.models import Invite, LoginSession, Role, User

PROTECTED_ROLES = frozenset({Role.hr.value, Role.admin.value})
HR_GIVES = (Role.learner.value, Role.facilitator.value)
EMAIL_CHANGED = "email-changed"


def is_protected(role: str) -> bool:
    """Whether imports and API keys must leave this account's identity alone."""
    return role in PROTECTED_ROLES


def hr_may_set_role(current: str | None, wanted: str) -> bool:
    """The one role rule for HR on every path (form, import): only learner and facilitator
    are given, and an hr or admin account's role is never changed; an admin does those."""
    return wanted in HR_GIVES and not (current is not None and is_protected(current))


def roles_offered(viewer_role: str, current: str | None) -> list[str]:
    """The roles a form offers: every role to an admin; to HR, the person's own role and
    the ones `hr_may_set_role` allows (so HR is never offered what the server refuses)."""
    if viewer_role == Role.admin.value:
        return list(Role.__members__)
    return [r for r in Role.__members__ if r == current or hr_may_set_role(current, r)]


def protected_changes(user: User, email: str, role: str | None, active: bool | None) -> list[str]:
    """The identity fields a request would change on an hr or admin account (none: allowed)."""
    if not is_protected(user.role):
        return []
    return [
        name
        for name, differs in (
            ("email", email != user.email),
            ("role", role is not None and role != user.role),
            ("active", active is not None and active != user.active),
        )
        if differs
    ]


def masked(email: str) -> str:
    """An address shown without its mailbox name: "j…@example.org"."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}…@{domain}"


def email_changed(
    session: Session,
    settings: Settings,
    *,
    user_id: int,
    name: str,
    old: str,
    new: str,
    actor_id: int | None,
    via: str,
) -> None:
    """Sign the person out everywhere, void their open links and tell the old address.

    Runs in the caller's transaction, so the notice is queued only if the change commits.
    A person who never set a password gets a fresh invitation at the new address instead
    of the one just voided (the usual case: HR fixing a typo before the first sign-in).
    """
    end_sessions_of(session, user_id=user_id)
    had_open_link = (
        session.exec(
            select(Invite.id).where(
                Invite.user_id == user_id,
                col(Invite.used_at).is_(None),
                col(Invite.revoked_at).is_(None),
            )
        ).first()
        is not None
    )
    invites.revoke_for(session, user_ids=[user_id])
    password = session.exec(select(User.password_hash).where(User.id == user_id)).first()
    if had_open_link and not password:
        invites.queue(session, user_ids=[user_id], actor_id=actor_id)
    organisation = stored_texts.organisation_name(session, settings)
    notice = _notice(settings, organisation, name=name, old=old, new=new)
    queue_message(session, notice, kind=EMAIL_CHANGED)
    audit.record(
        session, actor_id=actor_id, action="user.email_change", target=old, new=new, via=via
    )


def _notice(settings: Settings, organisation: str, *, name: str, old: str, new: str) -> Message:
    """The notice to the old address, naming the organisation set on /admin/settings (none
    while it is unset)."""
    at = f" at {organisation}" if organisation else ""
    return Message(
        to=old,
        subject=f"The e-mail address of your {settings.course_title} account{at} was changed",
        body=(
            f"Hello {name},\n\n"
            f"The e-mail address of your {settings.course_title} account{at} "
            f"was changed from {old} to an address starting "
            f"{masked(new)}.\n\n"
            "You have been signed out everywhere, and any invitation or password-reset link "
            "sent before the change no longer works. For the next seven days, a "
            "password-reset link for your account is sent to this address, not the new one.\n\n"
            "If you did not expect this change, tell your HR team or an administrator now.\n"
        ),
    )


def deactivated(session: Session, *, user_ids: Sequence[int]) -> None:
    """End every sign-in and open link of leavers, so reactivation does not revive them.

    Revoked in the database, not merely refused while inactive: a cookie refused today
    must not work again the day the person is reactivated.
    """
    now = utcnow()
    # end_sessions_of and invites.revoke_for, one statement each for any number of leavers.
    session.execute(
        update(LoginSession)
        .where(
            id_in(session, LoginSession.user_id, user_ids), col(LoginSession.revoked_at).is_(None)
        )
        .values(revoked_at=now)
    )
    session.execute(
        update(Invite)
        .where(
            id_in(session, Invite.user_id, user_ids),
            col(Invite.used_at).is_(None),
            col(Invite.revoked_at).is_(None),
        )
        .values(revoked_at=now)
    )
    record_events(
        session,
        "person.deactivated",
        [NewEvent(f"person/{uid}", uid, {"deactivated_at": now}) for uid in user_ids],
    )
