"""The signed-in person's own account: change password (ends every other sign-in), the digest choice."""

from __future__ import annotations

from sqlalchemy import delete
from sqlmodel import Session, col

from app import audit
from app.auth.lookup import UserRow
from app.auth.service import end_sessions_of
from app.clock import utcnow
from app.db import insert_ignore
from app.errors import Invalid
from app.models import ManagerDigest, User
from app.security import hash_password, password_problem, verify_password


class PasswordProblem(Invalid):
    """A refused password change, naming the field the person has to fix."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def change_password(
    session: Session, *, user: UserRow, current: str, new: str, confirm: str
) -> None:
    """Set a new password after checking the current one; every existing sign-in ends."""
    if not verify_password(current, user.password_hash):
        raise PasswordProblem(
            "current_password", "Your current password is not right. Check it and try again."
        )
    if new != confirm:
        raise PasswordProblem(
            "confirm_password", "The two new passwords are different. Type the same one twice."
        )
    if problem := password_problem(new, email=user.email, name=user.name):
        raise PasswordProblem("new_password", problem)
    account = session.get(User, user.id)
    if account is None:  # deleted since this request signed in: nothing to change
        raise Invalid("This account no longer exists.")
    account.password_hash = hash_password(new)
    account.password_changed_at = utcnow()
    session.add(account)
    end_sessions_of(session, user_id=user.id)
    session.commit()


def wants_digest(session: Session, *, user_id: int) -> bool:
    """Whether this person asked for the weekly digest of their team's overdue modules."""
    return session.get(ManagerDigest, user_id) is not None


def choose_digest(session: Session, *, user_id: int, wanted: bool) -> None:
    """Opt in to (or out of) the weekly team digest; audited, idempotent, commits."""
    if wanted:
        insert_ignore(
            session, ManagerDigest, [{"user_id": user_id, "chosen_at": utcnow()}], ["user_id"]
        )
    else:
        session.exec(delete(ManagerDigest).where(col(ManagerDigest.user_id) == user_id))
    audit.record(session, actor_id=user_id, action="account.digest", wanted=wanted)
    session.commit()
