"""Shared pieces of the bulk-action tests: posting the people table's form, many people fast."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import insert
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.db import write_session
from app.models import Assignment, AuditEvent, Department, User
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
    app: FastAPI,
    count: int,
    *,
    department: Department | None = None,
    prefix: str = "m",
    assigned: str | None = None,
) -> list[int]:
    """`count` learners (each assigned `assigned`, if given) in one transaction; their ids."""
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
    # One transaction: the tests' autocommit session would commit (and sync) row by row.
    with write_session(app.state.engine) as session:
        session.execute(insert(User), rows)
        like = col(User.email).like(f"{prefix}%@example.com")
        ids = list(session.exec(select(User.id).where(like)).all())
        if assigned:
            work = [
                {"user_id": i, "module_id": assigned, "due_at": now, "created_at": now} for i in ids
            ]
            session.execute(insert(Assignment), work)
        session.commit()
    return [i for i in ids if i is not None]


def last_event(session: Session, action: str) -> AuditEvent:
    event = session.exec(
        select(AuditEvent).where(AuditEvent.action == action).order_by(col(AuditEvent.id).desc())
    ).first()
    assert event is not None, f"no {action} event"
    return event
