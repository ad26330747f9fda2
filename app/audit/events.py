"""Audit events for HR and admin actions; the caller's service commits them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.models import AuditEvent, User

PAGE_SIZE = 50


def record(
    session: Session, *, actor_id: int | None, action: str, target: str = "", **detail: Any
) -> None:
    """Add an audit event to the session (committed with the action it records)."""
    session.add(
        AuditEvent(
            actor_id=actor_id,
            action=action,
            target=target[:300],
            detail=json.dumps(detail, default=str, sort_keys=True) if detail else "",
        )
    )


@dataclass(frozen=True)
class AuditRow:
    event: AuditEvent
    actor: str


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]
    actions: list[str]
    total: int
    page: int
    pages: int


def audit_page(session: Session, *, action: str = "", page: int = 1) -> AuditPage:
    """Newest events first, optionally one action, a page at a time."""
    stmt = select(AuditEvent, User.email).join(
        User,
        col(User.id) == AuditEvent.actor_id,
        isouter=True,
    )
    count = select(func.count()).select_from(AuditEvent)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
        count = count.where(AuditEvent.action == action)
    total = session.exec(count).one()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = session.exec(
        stmt.order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    actions = list(
        session.exec(select(AuditEvent.action).distinct().order_by(AuditEvent.action)).all()
    )
    return AuditPage(
        rows=[AuditRow(event, email or "system") for event, email in rows],
        actions=actions,
        total=total,
        page=page,
        pages=pages,
    )
