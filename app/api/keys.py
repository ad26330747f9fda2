"""API keys: shown once, stored as SHA-256, revocable for good."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, time, timedelta

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

SCOPES = (
    "people:read",
    "people:write",
    "assignments:read",
    "assignments:write",
    "reports:read",
    "events:read",
    "scim",
)
# Keys made before per-resource scopes keep working: each old name stands for these.
LEGACY_SCOPES = {
    "read": ("people:read", "assignments:read", "reports:read", "events:read"),
    "write": ("people:write", "assignments:write"),
}
MAX_DAYS = 3660
EXPIRY_PROBLEM = (
    f"Expires after (days): give a whole number from 1 to {MAX_DAYS}, or leave it empty "
    "for a key that never expires."
)
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$")
PREFIX = "ak_"
TOUCH_EVERY = timedelta(minutes=10)


def effective_scopes(stored: str) -> frozenset[str]:
    """What a key may do: its scopes, with the old `read`/`write` names spelled out."""
    names = stored.split()
    return frozenset(names).union(*(LEGACY_SCOPES.get(n, ()) for n in names))


def expanded(scopes: list[str]) -> list[str]:
    """Requested scopes in the canonical order, old names replaced by what they stand for."""
    asked = effective_scopes(" ".join(scopes))
    return [s for s in SCOPES if s in asked]


def expiry(days: int | None, now: datetime) -> datetime | None:
    """When a key made now for `days` days stops working (end of that UTC day); None: never."""
    if days is None:
        return None
    if not 1 <= days <= MAX_DAYS:
        raise Invalid(EXPIRY_PROBLEM)
    return datetime.combine((now + timedelta(days=days)).date(), time(23, 59, 59), tzinfo=UTC)


def create_key(
    session: Session,
    *,
    name: str,
    scopes: list[str],
    actor_id: int | None,
    expires_in_days: int | None = None,
) -> tuple[ApiKey, str]:
    """A new key and its secret (the only time the secret exists in clear)."""
    name = name.strip()
    if not NAME.match(name):
        raise Invalid(
            "Name the key with 1 to 100 letters, digits, spaces, dots, dashes or underscores, "
            "for example “Workday sync”."
        )
    if bad := [s for s in scopes if s not in SCOPES and s not in LEGACY_SCOPES]:
        raise Invalid(f"Unknown scope(s) {', '.join(bad)}; use some of {', '.join(SCOPES)}.")
    if not scopes:
        raise Invalid("Choose at least one scope.")
    public = secrets.token_hex(4)
    secret = f"{PREFIX}{public}_{secrets.token_urlsafe(32)}"
    key = ApiKey(
        name=name,
        prefix=f"{PREFIX}{public}",
        key_hash=token_digest(secret),
        scopes=" ".join(expanded(scopes)),
        created_by_id=actor_id,
        expires_at=expiry(expires_in_days, utcnow()),
    )
    session.add(key)
    audit.record(
        session,
        actor_id=actor_id,
        action="apikey.create",
        target=name,
        scopes=key.scopes,
        expires_at=key.expires_at,
    )
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
    now = utcnow()
    if key is None or key.revoked_at is not None or _expired(key, now):
        return None
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


def _expired(key: ApiKey, now: datetime) -> bool:
    return key.expires_at is not None and key.expires_at <= now


def why_refused(engine: Engine, *, secret: str) -> str:
    """Why `authenticate` said no, in words the integration engineer can act on."""
    with Session(engine) as session:
        key = session.exec(select(ApiKey).where(ApiKey.key_hash == token_digest(secret))).first()
    if key is None:
        return "That API key is unknown; check it was copied whole, or ask an admin for a new one."
    if key.revoked_at is not None:
        return f"The API key “{key.name}” was revoked; ask an admin for a new one."
    expired = f"{key.expires_at:%Y-%m-%d %H:%M} UTC" if key.expires_at else "now"
    return f"The API key “{key.name}” expired on {expired}; ask an admin for a new one."
