"""Helpers for planned-session tests: a plan stored directly, and plan forms to post."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from app.clock import utcnow
from app.models import LivePlan, User, row_id


def planned(session: Session, email: str, hours_ahead: float = 48) -> int:
    """A plan (no invitees) by the person with this email, `hours_ahead` from now; its id."""
    owner = session.exec(select(User).where(User.email == email)).one()
    plan = LivePlan(
        facilitator_id=row_id(owner),
        module_id="first-steps",
        scenario_ids="standup,review",
        headcount=12,
        starts_at=utcnow() + timedelta(hours=hours_ahead),
        time_zone="UTC",
    )
    session.add(plan)
    session.commit()
    return row_id(plan)
