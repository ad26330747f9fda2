"""Plain factory functions for test data."""

from __future__ import annotations

from argon2 import PasswordHasher
from sqlmodel import Session

from app.models import Department, PrivacyNotice, User

PASSWORD = "correct-horse-battery"
# The test accounts' hash carries light argon2 parameters, so that each of the suite's
# thousands of sign-ins costs well under a millisecond instead of ~0.2 s of CPU. The app
# verifies it with the same code as any hash (the parameters travel in the hash);
# tests/auth/test_password_hashing.py checks that the app's own hashes are the strong ones.
LIGHT_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


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
        password_hash=LIGHT_HASH,
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
