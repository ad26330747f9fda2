"""Idempotency-Key for bulk writes: the same key and body get the first answer again.

The record is inserted first (INSERT ... ON CONFLICT DO NOTHING) in the same transaction
as the work it guards, so two requests with one key at the same moment cannot both run:
on PostgreSQL the second insert waits on the unique key until the first commits, then
finds its answer; on SQLite write transactions begin IMMEDIATE, one at a time. A request
that fails stores nothing, so it can be corrected and sent again with the same key.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import timedelta

from pydantic import BaseModel
from sqlalchemy import delete
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.db import insert_ignore
from app.errors import Invalid
from app.models import ApiIdempotency

KEY = re.compile(r"^[\x21-\x7e]{1,200}$")
KEPT = timedelta(days=1)


@dataclass(frozen=True)
class Replay:
    status_code: int
    body: str


def request_hash(body: BaseModel, purpose: str = "") -> str:
    return hashlib.sha256((purpose + body.model_dump_json()).encode()).hexdigest()


def claim(
    session: Session, *, api_key_id: int, key: str, body: BaseModel, purpose: str = ""
) -> Replay | None:
    """Claim `key` for this request; the stored answer if an earlier request had it.

    `purpose` names the endpoint ("" for bulk assign): one key sent to another endpoint is
    "a different body" and refused, never answered with the other endpoint's result."""
    if not KEY.match(key):
        said = "Use 1 to 200 visible ASCII characters, e.g. a UUID."
        raise Invalid(f"Idempotency-Key: {said}", fields={"idempotency-key": said})
    digest = request_hash(body, purpose)
    session.execute(delete(ApiIdempotency).where(col(ApiIdempotency.created_at) < utcnow() - KEPT))
    insert_ignore(
        session,
        ApiIdempotency,
        [{"api_key_id": api_key_id, "key": key, "request_hash": digest, "created_at": utcnow()}],
        ["api_key_id", "key"],
    )
    row = session.exec(
        select(ApiIdempotency).where(
            ApiIdempotency.api_key_id == api_key_id, ApiIdempotency.key == key
        )
    ).one()
    if row.request_hash != digest:
        said = "This key was used with a different body; use a new key for a new request."
        raise Invalid(f"Idempotency-Key: {said}", fields={"idempotency-key": said})
    if row.status_code is None:  # inserted just now by this transaction: ours to answer
        return None
    return Replay(row.status_code, row.response or "")


def store(
    session: Session, *, api_key_id: int, key: str, status_code: int, answer: BaseModel
) -> None:
    """Keep the answer with the claim (committed together with the work)."""
    row = session.exec(
        select(ApiIdempotency).where(
            ApiIdempotency.api_key_id == api_key_id, ApiIdempotency.key == key
        )
    ).one()
    row.status_code, row.response = status_code, answer.model_dump_json()
    session.add(row)
