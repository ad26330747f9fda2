"""Checks of a second factor outside sign-in, and changes to it: on, off, new codes, an admin's reset.

Every check of a code or password here goes through the same throttle as the sign-in's
code step (per account and per client address), so a stolen session cannot guess its way
to turning the factor off.
"""

from __future__ import annotations

from sqlmodel import Session, select

from app import audit
from app.auth import factor, pending
from app.auth.lookup import AnyUser
from app.auth.service import end_sessions_of
from app.config import Settings
from app.errors import Forbidden, NotFound
from app.models import User, row_id
from app.security import verify_password


def _code_or_password(session: Session, settings: Settings, user: AnyUser, answer: str) -> None:
    """A current authenticator code, a recovery code, or the account's password."""
    try:
        factor.check_code(session, settings, user_id=row_id(user), code=answer)
    except factor.FactorProblem:
        if not verify_password(answer, user.password_hash):
            raise factor.FactorProblem(
                "That is not a current code from your authenticator app, "
                "one of your recovery codes or your password. Check it and try again."
            ) from None


def confirm(
    session: Session, settings: Settings, *, user: AnyUser, address: str, code: str
) -> list[str]:
    """Turn the factor on with its first code; returns the ten recovery codes to show once."""
    user_id = row_id(user)
    pending.throttled(
        session,
        settings,
        user_id=user_id,
        address=address,
        check=lambda: factor.check_code(
            session, settings, user_id=user_id, code=code, confirm=True
        ),
    )
    codes = first_codes(session, settings, user=user)
    session.commit()
    return codes


def first_codes(session: Session, settings: Settings, *, user: AnyUser) -> list[str]:
    """The recovery codes of a factor just confirmed, and the audit event (no commit)."""
    codes = factor.new_recovery_codes(session, settings, user_id=row_id(user))
    audit.record(session, actor_id=user.id, action="second_factor.on", target=user.email)
    return codes


def turn_off(
    session: Session, settings: Settings, *, user: AnyUser, address: str, answer: str
) -> None:
    """Remove one's own factor, with a current code or the password; refused where required."""
    if factor.required_for(user.role, settings):
        raise Forbidden("Your role needs a second factor, so it cannot be turned off.")
    pending.throttled(
        session,
        settings,
        user_id=row_id(user),
        address=address,
        check=lambda: _code_or_password(session, settings, user, answer),
    )
    factor.remove(session, user_id=row_id(user))
    audit.record(session, actor_id=user.id, action="second_factor.off", target=user.email)
    session.commit()


def renew_codes(
    session: Session, settings: Settings, *, user: AnyUser, address: str, answer: str
) -> list[str]:
    """Ten new recovery codes (the old ones stop working), after a current code or the password."""
    if not factor.has_factor(session, user_id=row_id(user)):
        raise NotFound("You have no second factor yet.")
    pending.throttled(
        session,
        settings,
        user_id=row_id(user),
        address=address,
        check=lambda: _code_or_password(session, settings, user, answer),
    )
    codes = factor.new_recovery_codes(session, settings, user_id=row_id(user))
    audit.record(session, actor_id=user.id, action="second_factor.new_codes", target=user.email)
    session.commit()
    return codes


def reset(
    session: Session, settings: Settings, *, actor: AnyUser, user_id: int, address: str, code: str
) -> User:
    """An admin removes someone's factor (audited); every sign-in of theirs ends.

    Admins only (the route's dependency says so too). Resetting one's own factor needs a
    current code, so a session left open is not enough to strip an admin's factor.
    """
    if actor.role != "admin":
        raise Forbidden("Only an admin can reset a second factor.")
    person = session.get(User, user_id)
    if person is None:
        raise NotFound("There is no person with that id. Go back to the people list.")
    if person.id == actor.id:
        pending.throttled(
            session,
            settings,
            user_id=user_id,
            address=address,
            check=lambda: factor.check_code(session, settings, user_id=user_id, code=code),
        )
    _reset(session, person, actor_id=actor.id)
    return person


def reset_from_server(session: Session, *, email: str) -> User:
    """`allyship reset-second-factor`: for whoever runs commands on the server (the last admin
    who lost both phone and codes, or after ALLYSHIP_SECRET_KEY changed); audited, no actor."""
    person = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if person is None:
        raise NotFound(f"There is no account with the email {email}.")
    _reset(session, person, actor_id=None, via="command")
    return person


def _reset(session: Session, person: User, *, actor_id: int | None, **detail: str) -> None:
    user_id = row_id(person)
    factor.remove(session, user_id=user_id)
    pending.end_all_of(session, user_id=user_id)
    end_sessions_of(session, user_id=user_id)
    audit.record(
        session, actor_id=actor_id, action="second_factor.reset", target=person.email, **detail
    )
    session.commit()
