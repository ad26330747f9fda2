"""The privacy page is shown once, at a person's first sign-in; this remembers that it was."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from sqlmodel import Session, col

from app.db import conflict_insert
from app.models import PrivacyNotice


def first_showing(session: Session, *, user_id: int, now: datetime) -> bool:
    """Record the showing in the sign-in's own write; True only the first time for this person.

    One row per person and ON CONFLICT DO NOTHING: two first sign-ins at once (two tabs)
    insert one row between them, so exactly one of them is sent to the page.
    """
    statement = (
        conflict_insert(session, PrivacyNotice)
        .values(user_id=user_id, shown_at=now)
        .on_conflict_do_nothing(index_elements=["user_id"])
        .returning(col(PrivacyNotice.user_id))
    )
    return session.execute(statement).first() is not None


def page_then(target: str) -> str:
    """The privacy page, then on to where the sign-in was going."""
    return "/privacy?" + urlencode({"first": "1", "next": target})
