"""Recertification fixtures: HR/admin clients and SMTP from the HR suite, and moving time.

Time is moved by changing stored dates (a completion made "14 months ago" is a completion
row whose completed_at is 14 months before now), and runs of the reminder job take `now=`.
No clock is patched: the app and the live server read the real clock throughout.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from app.clock import utcnow
from app.models import Certificate, Completion, User
from app.recert.policy import set_validity
from app.recert.status import add_months
from tests.hr.conftest import (  # noqa: F401  (fixtures)
    admin_client,
    cli_env,
    hr_client,
    inbox,
    settings,
    smtp_server,
)
from tests.hr.factories import MODULES, make_assignment

ALL = list(MODULES)


def months_ago(months: int, days: int = 0) -> datetime:
    return add_months(utcnow(), -months) - timedelta(days=days)


def finished(
    session: Session, user: User, *, at: datetime, code: str | None = None, cycle: int = 1
) -> None:
    """`user` was assigned every module and completed them all at `at` (with a certificate)."""
    for module in ALL:
        if cycle == 1:
            make_assignment(session, user, module, due_at=at + timedelta(days=1))
        session.add(
            Completion(user_id=user.id or 0, module_id=module, completed_at=at, cycle=cycle)
        )
    if code:
        session.add(Certificate(user_id=user.id or 0, code=code, issued_at=at, cycle=cycle))
    session.commit()


def period(session: Session, months: str) -> None:
    set_validity(session, actor_id=None, period=months)
