"""One switch stops every nudge: the setting on the learner's page and the signed link in each nudge.

A stop link carries the person's id, the version of their switch it was made for, and an HMAC
of both under the server's secret. It works without signing in (people read mail on phones),
changes nothing on a GET (mail scanners open links), and works once: using it, or turning
nudges back on, raises the version, so an old or replayed link is refused. Nudges also carry
it as RFC 8058 headers (List-Unsubscribe, List-Unsubscribe-Post): a mail program's one-click
POST to the link stops them with no page (app/lasting/routes.py stop_nudges).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from urllib.parse import urlencode

from sqlalchemy import update
from sqlmodel import Session, col

from app.clock import utcnow
from app.config import Settings
from app.db import insert_ignore
from app.errors import Conflict, NotFound
from app.models import NudgePreference, User

STALE_LINK = (
    "This link has already been used, or nudges were turned back on since it was sent. "
    "Nothing was changed. You can stop or resume nudges on your commitments page."
)
BAD_LINK = "This link is not valid: it may have been cut short when it was copied. Nothing changed."


def _signature(settings: Settings, user_id: int, version: int) -> str:
    message = f"nudge-stop:{user_id}:{version}".encode()
    return hmac.new(settings.secret_key.encode(), message, hashlib.sha256).hexdigest()


def preference(session: Session, user_id: int) -> NudgePreference:
    """The person's switch (a fresh, unsaved one when they never changed it)."""
    return session.get(NudgePreference, user_id) or NudgePreference(user_id=user_id)


def stop_link(settings: Settings, *, user_id: int, version: int) -> str:
    """The full URL that stops this person's nudges (for the e-mail's {stop_link})."""
    query = urlencode({"u": user_id, "v": version, "s": _signature(settings, user_id, version)})
    return f"{settings.public_url}/nudges/stop?{query}"


def check_link(settings: Settings, *, user: str, version: str, signature: str) -> tuple[int, int]:
    """The (person, version) a stop link names, if its signature is right (NotFound if not)."""
    if not (user.isascii() and user.isdigit() and version.isascii() and version.isdigit()):
        raise NotFound(BAD_LINK)
    if len(user) > 12 or len(version) > 12:
        raise NotFound(BAD_LINK)
    user_id, number = int(user), int(version)
    if not hmac.compare_digest(_signature(settings, user_id, number), signature[:64]):
        raise NotFound(BAD_LINK)
    return user_id, number


def set_stopped(
    session: Session,
    *,
    user_id: int,
    stopped: bool,
    version: int | None = None,
    now: datetime | None = None,
) -> NudgePreference:
    """Stop or resume nudges; with `version`, only if the switch is still at it. Commits.

    The update is conditional on the version, so a link used twice, or two clicks at once,
    change the switch once (Conflict for the other).
    """
    now = now or utcnow()
    if session.get(User, user_id) is None:
        raise NotFound(BAD_LINK)
    insert_ignore(session, NudgePreference, [{"user_id": user_id, "version": 0}], ["user_id"])
    where = [col(NudgePreference.user_id) == user_id]
    if version is not None:
        where.append(col(NudgePreference.version) == version)
    changed = session.exec(
        update(NudgePreference)
        .where(*where)
        .values(
            stopped_at=now if stopped else None,
            version=NudgePreference.version + 1,
            updated_at=now,
        )
    ).rowcount
    if not changed:
        session.rollback()
        raise Conflict(STALE_LINK)
    session.commit()
    row = session.get(NudgePreference, user_id)
    assert row is not None
    session.refresh(row)
    return row
