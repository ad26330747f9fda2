"""Shared set-up for the refresher tests: the real course's module 6 and a pass of it."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from app.clock import utcnow
from app.models import Completion

MODULE = "make-sure-her-ideas-are-heard"


def pass_module(session: Session, user_id: int, *, days_ago: int, module_id: str = MODULE) -> None:
    """A completion of the module `days_ago` days ago (rounds count from the first one)."""
    session.add(
        Completion(
            user_id=user_id,
            module_id=module_id,
            completed_at=utcnow() - timedelta(days=days_ago),
            superseded_by=days_ago,  # one current row per (person, module, cycle); others history
        )
    )
    session.commit()
