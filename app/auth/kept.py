"""Forms sent after the sign-in ended, kept for their sender until they sign in again.

A quiz submitted (or a reflection saved) after the idle timeout reaches the server with no
live sign-in, so it cannot be stored for anyone. Rather than lose it, it is kept here for
KEEP_FOR and bound three ways: to the browser (the `allyship_kept` cookie holds a token,
only its SHA-256 is stored), to the person (the user of the ended sign-in that browser
still presented) and to the page (kind and module): one row per page, so forms sent from
two tabs after the timeout are all kept and each page gives back its own (retest R8). It is given back, and deleted, only
when that person has signed in again on that browser and opens that page; anyone else
signing in there gets nothing. It is never scored or saved by itself: the page shows the
values again and the learner presses Submit or Save (app/learning/signed_out.py says why).

The values are stored as they were sent, like the attempt or reflection they are about to
become; the row lives at most KEEP_FOR and is deleted when used, or replaced by the next
form sent from the same page.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.config import Settings
from app.db import conflict_insert
from app.models import KeptForm
from app.security import token_digest

KEEP_FOR = timedelta(minutes=30)
WHAT = {  # what the sign-in page calls each kind
    "quiz": "answers",
    "reflection": "reflection",
    "settings": "settings",
    "email": "e-mail text",
}
WHY = {
    "idle": "You were signed out after {minutes} without activity.",
    "expired": "You were signed out because a sign-in lasts at most {hours}.",
    "ended": "You were signed out.",
}
WAITING = " Sign in again and your {what} will be waiting."
MANY_WAITING = (
    " You sent {count} forms ({what}): each is kept. Sign in again and open each page to"
    " find what you typed there waiting."
)
PAGE_KEY = ["token_hash", "kind", "module_id"]


@dataclass(frozen=True)
class FormToKeep:
    """What a route keeps of a form sent after the sign-in ended, and where to come back to."""

    kind: str
    module_id: str
    page: str
    fields: Mapping[str, str] = field(default_factory=dict)
    quiz_hash: str = ""


@dataclass(frozen=True)
class KeptValues:
    """A kept form given back: its fields and the hash of the quiz the learner saw."""

    fields: dict[str, str]
    quiz_hash: str
    more: bool = False  # other pages still hold forms for this browser: keep its cookie


def kept_token(secret_key: str, session_token: str) -> str:
    """The token for the forms an ended sign-in sends: the same for each of them.

    Derived, not random, so that two forms sent at once (a double click) land in one row
    under one cookie whichever response the browser reads last; it cannot be worked out
    without both the server's secret and the sign-in token.
    """
    message = f"kept:{session_token}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


def keep(session: Session, *, token: str, user_id: int, reason: str, form: FormToKeep) -> None:
    """Keep `form` for `user_id` under `token` and its page, replacing what that page held.

    One atomic upsert, so two requests at once cannot fail on the unique key; expired
    rows are deleted first, so the table only ever holds forms still waiting.
    """
    now = utcnow()
    session.execute(delete(KeptForm).where(col(KeptForm.expires_at) <= now))
    row: dict[str, Any] = {
        "token_hash": token_digest(token),
        "user_id": user_id,
        "kind": form.kind,
        "module_id": form.module_id,
        "quiz_hash": form.quiz_hash[:64],
        "reason": reason,
        "fields": json.dumps(dict(form.fields)),
        "created_at": now,
        "expires_at": now + KEEP_FOR,
    }
    statement = conflict_insert(session, KeptForm).values(**row)
    replaced = {name: statement.excluded[name] for name in row if name not in PAGE_KEY}
    session.execute(statement.on_conflict_do_update(index_elements=PAGE_KEY, set_=replaced))


def take(
    session: Session, *, token: str, user_id: int, kind: str, module_id: str
) -> KeptValues | None:
    """Give back and delete the form kept under `token` for this person and page, if any.

    One DELETE ... RETURNING: two tabs opening the page at once cannot both get it. A form
    kept for someone else stays where it is (until its owner signs in, or it expires).
    """
    statement = (
        delete(KeptForm)
        .where(
            col(KeptForm.token_hash) == token_digest(token),
            col(KeptForm.user_id) == user_id,
            col(KeptForm.kind) == kind,
            col(KeptForm.module_id) == module_id,
            col(KeptForm.expires_at) > utcnow(),
        )
        .returning(col(KeptForm.fields), col(KeptForm.quiz_hash))
    )
    row = session.execute(statement).first()
    if row is None:
        return None
    fields = json.loads(row[0])
    more = bool(_waiting(session, token))
    return KeptValues({str(k): str(v) for k, v in fields.items()}, row[1], more)


def _waiting(session: Session, token: str) -> list[tuple[str, str]]:
    """(kind, reason) of each form still kept under `token`, oldest first."""
    rows = session.exec(
        select(KeptForm.kind, KeptForm.reason)
        .where(
            col(KeptForm.token_hash) == token_digest(token),
            col(KeptForm.expires_at) > utcnow(),
        )
        .order_by(col(KeptForm.id))
    ).all()
    return [(kind, reason) for kind, reason in rows]


def notice(session: Session, settings: Settings, token: str | None) -> str:
    """What the sign-in page tells a browser that holds a kept form ("" when it holds none)."""
    waiting = _waiting(session, token) if token else []
    if not waiting:
        return ""
    reason = waiting[-1][1]
    what = list(dict.fromkeys(WHAT.get(kind, "answers") for kind, _ in waiting))
    why = WHY.get(reason, WHY["ended"]).format(
        minutes=_count(settings.session_idle_minutes, "minute"),
        hours=_count(settings.session_absolute_hours, "hour"),
    )
    if len(waiting) == 1:
        return why + WAITING.format(what=what[0])
    listed = ", ".join(what[:-1]) + " and " + what[-1] if len(what) > 1 else what[0]
    return why + MANY_WAITING.format(count=len(waiting), what=listed)


def _count(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"
