"""API keys: shown once, stored as SHA-256, revocable for good."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from sqlalchemy import Engine, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app import audit
from app.clock import utcnow
from app.db import writer
from app.errors import Conflict, Invalid, NotFound
from app.models import ApiKey
from app.security import token_digest
from app.web.inputs import whole_number

SCOPES = ("read", "write", "scim")  # scim: the SCIM 2.0 endpoints at /scim/v2 only
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$")
PREFIX = "ak_"
TOUCH_EVERY = timedelta(minutes=10)


def create_key(
    session: Session, *, name: str, scopes: list[str], actor_id: int | None
) -> tuple[ApiKey, str]:
    """A new key and its secret (the only time the secret exists in clear)."""
    name = name.strip()
    if not NAME.match(name):
        raise Invalid(
            "Name the key with 1 to 100 letters, digits, spaces, dots, dashes or underscores, "
            "for example “Workday sync”."
        )
    if bad := [s for s in scopes if s not in SCOPES]:
        raise Invalid(f"Unknown scope(s) {', '.join(bad)}; use read, write or scim.")
    public = secrets.token_hex(4)
    secret = f"{PREFIX}{public}_{secrets.token_urlsafe(32)}"
    key = ApiKey(
        name=name,
        prefix=f"{PREFIX}{public}",
        key_hash=token_digest(secret),
        scopes=" ".join(s for s in SCOPES if s in scopes) or "read",
        created_by_id=actor_id,
    )
    session.add(key)
    audit.record(session, actor_id=actor_id, action="apikey.create", target=name, scopes=key.scopes)
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict(f"There is already a key called “{name}”; choose another name.") from exc
    session.refresh(key)
    return key, secret


def revoke_key(session: Session, *, key_ref: str, actor_id: int | None) -> ApiKey:
    """Revoke by id or name; a revoked key never works again."""
    stmt = select(ApiKey).where(
        or_(
            col(ApiKey.name) == key_ref,
            col(ApiKey.id) == (whole_number(key_ref) or -1),
        )
    )
    key = session.exec(stmt).first()
    if key is None:
        raise NotFound(f"No API key is called or numbered “{key_ref}”.")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.add(key)
        audit.record(session, actor_id=actor_id, action="apikey.revoke", target=key.name)
        session.commit()
    return key


def list_keys(session: Session) -> list[ApiKey]:
    return list(
        session.exec(select(ApiKey).order_by(col(ApiKey.created_at).desc(), col(ApiKey.id).desc()))
    )


def authenticate(engine: Engine, *, secret: str) -> ApiKey | None:
    """The live key for a presented secret, else None; notes when it was last used.

    Uses its own short connections, before the request's session begins, so the
    occasional last-used write never waits on the request's own write lock.
    """
    with Session(engine, expire_on_commit=False) as session:
        key = session.exec(select(ApiKey).where(ApiKey.key_hash == token_digest(secret))).first()
    if key is None or key.revoked_at is not None:
        return None
    now = utcnow()
    if key.last_used_at is None or key.last_used_at < now - TOUCH_EVERY:
        with writer(engine).begin() as conn:
            conn.execute(
                update(ApiKey)
                .where(
                    col(ApiKey.id) == key.id,
                    or_(
                        col(ApiKey.last_used_at).is_(None),
                        col(ApiKey.last_used_at) < now - TOUCH_EVERY,
                    ),
                )
                .values(last_used_at=now)
            )
    return key
