"""Send-once claims shared by every reminder kind: a unique row claimed, then its message queued.

A claim and its outbox message go in the caller's transaction (app.mail.outbox.queue_message),
so two runs at once queue each reminder exactly once and a request never talks to SMTP.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, update
from sqlmodel import Session, col, select

from app.db import insert_ignore
from app.mail.mailer import Message
from app.mail.outbox import queue_message
from app.models import DigestSent, RecertReminder, ReminderSent

STALE_CLAIM = timedelta(minutes=30)
ClaimModel = type[ReminderSent] | type[DigestSent] | type[RecertReminder]
# Claims whose message is in the outbox (or, before the outbox, was sent): never queued again.
DONE = ("queued", "sent")


def claim_rows(
    session: Session,
    model: ClaimModel,
    keys: list[str],
    rows: list[dict[str, Any]],
    token: str,
    now: datetime,
) -> set[Any]:
    """Take unique rows (new, failed or abandoned ones) under `token`; returns the ids we own.

    Runs in the caller's transaction: a concurrent run's claim on the same key waits for it
    and then finds the row taken (INSERT ... ON CONFLICT DO NOTHING on the unique key).
    """
    fresh = {"status": "claimed", "claim_token": token, "claimed_at": now}
    insert_ignore(session, model, [{**row, **fresh} for row in rows], keys)
    retry = or_(
        col(model.status) == "failed",
        and_(col(model.status) == "claimed", col(model.claimed_at) < now - STALE_CLAIM),
    )
    for row in rows:
        match = [getattr(model, k) == row[k] for k in keys]
        session.execute(update(model).where(*match, retry).values(**fresh))
    return set(
        session.exec(
            select(getattr(model, keys[0])).where(
                col(model.claim_token) == token, col(model.status) == "claimed"
            )
        ).all()
    )


def queue_claimed(
    session: Session, model: ClaimModel, token: str, message: Message, *, kind: str
) -> None:
    """Put the message in the outbox and mark the claims it covers queued (caller commits)."""
    row = queue_message(session, message, kind=kind)
    session.flush()
    session.execute(
        update(model)
        .where(col(model.claim_token) == token, col(model.status) == "claimed")
        .values(status="queued", outbox_id=row.id, last_error="")
    )
