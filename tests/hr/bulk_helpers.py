"""Shared pieces of the bulk-action tests: posting the people table's form, many people fast."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import insert
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.models import AuditEvent, Department, User
from tests.conftest import csrf_from


def post_bulk(
    client: TestClient, data: dict[str, Any], *, page: str = "/hr/people", **headers: str
) -> Any:
    """POST the people table's form, with the CSRF token of `page` (as a browser would)."""
    token = csrf_from(client.get(page).text)
    return client.post("/hr/people/bulk", data={"csrf_token": token, **data}, headers=headers)


def seen_on(html: str) -> int:
    """The match count the page's bulk form carries."""
    found = re.search(r'name="seen" value="(\d+)"', html)
    assert found, "the page has no bulk form"
    return int(found.group(1))


def many_people(
    session: Session, count: int, *, department: Department | None = None, prefix: str = "m"
) -> list[int]:
    """`count` learners inserted in one statement; their ids."""
    now = utcnow()
    rows = [
        {
            "email": f"{prefix}{i}@example.com",
            "name": f"Many {prefix}{i:05d}",
            "role": "learner",
            "department_id": department.id if department else None,
            "active": True,
            "created_at": now,
        }
        for i in range(count)
    ]
    session.execute(insert(User), rows)
    session.commit()
    like = col(User.email).like(f"{prefix}%@example.com")
    return list(session.exec(select(User.id).where(like)).all())


def last_event(session: Session, action: str) -> AuditEvent:
    event = session.exec(
        select(AuditEvent).where(AuditEvent.action == action).order_by(col(AuditEvent.id).desc())
    ).first()
    assert event is not None, f"no {action} event"
    return event
