"""Plain factory functions for test data."""

from __future__ import annotations

from sqlmodel import Session

from app.models import Department, PrivacyNotice, User
from app.security import hash_password

PASSWORD = "correct-horse-battery"
_HASH = hash_password(PASSWORD)


def make_user(
    session: Session,
    email: str = "ana@example.com",
    *,
    name: str = "Ana Example",
    role: str = "learner",
    department: Department | None = None,
    active: bool = True,
    privacy_seen: bool = True,
) -> User:
    """A person; `privacy_seen` False makes their next sign-in their first (the privacy page)."""
    user = User(
        email=email,
        name=name,
        role=role,
        password_hash=_HASH,
        department_id=department.id if department else None,
        active=active,
    )
    session.add(user)
    session.commit()
    session.refresh(user)
    if privacy_seen:
        session.add(PrivacyNotice(user_id=user.id))
        session.commit()
    return user


def make_department(session: Session, name: str = "Engineering") -> Department:
    dept = Department(name=name)
    session.add(dept)
    session.commit()
    session.refresh(dept)
    return dept
