"""Whose answers may enter a released figure (HR's scenario scores, lasting learning's check-ins)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists
from sqlmodel import col

from app.models import Invite, Role, User


def counted_person() -> ColumnElement[bool]:
    """Not accounts whose answers HR could already know.

    A block of 5 hides one person only if the other 4 are not the viewer's own. HR and admin
    accounts, and accounts activated through a sign-in link shown on screen (whoever issued
    it held the account first), could be used to fill a block with known answers and read
    the one real person in it by subtraction, so their answers are never counted.
    """
    held = exists().where(
        col(Invite.user_id) == User.id, col(Invite.shown), col(Invite.used_at).is_not(None)
    )
    return col(User.role).in_([Role.learner, Role.facilitator]) & ~held
