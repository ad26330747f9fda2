"""The team page reads a fixed number of statements, for a team of 5 or of 10,000."""

from __future__ import annotations

import time
from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy import insert
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.models import Assignment, User
from tests.conftest import QueryRecorder
from tests.factories import make_user
from tests.team.helpers import signed_in


def _grow(session: Session, boss: User, *, lines: int, per_line: int, depth: int) -> None:
    """`lines` direct reports, each over `per_line` people, one line `depth` levels deep."""
    now = utcnow()
    tag = f"{lines}-{per_line}"
    session.execute(
        insert(User),
        [
            {
                "email": f"d{tag}-{i}@example.com",
                "name": f"Direct {i}",
                "role": "learner",
                "manager_id": boss.id,
                "active": True,
                "created_at": now,
            }
            for i in range(lines)
        ],
    )
    directs = session.exec(select(User.id).where(col(User.email).like(f"d{tag}-%"))).all()
    rows = [
        {
            "email": f"r{tag}-{d}-{i}@example.com",
            "name": f"Report {d} {i}",
            "role": "learner",
            "manager_id": d,
            "active": True,
            "created_at": now,
        }
        for d in directs
        for i in range(per_line)
    ]
    session.execute(insert(User), rows)
    above = directs[0]
    for level in range(depth):
        session.execute(
            insert(User),
            [
                {
                    "email": f"deep{tag}-{level}@example.com",
                    "name": f"Deep {level}",
                    "role": "learner",
                    "manager_id": above,
                    "active": True,
                    "created_at": now,
                }
            ],
        )
        above = session.exec(
            select(User.id).where(User.email == f"deep{tag}-{level}@example.com")
        ).one()
    everyone = session.exec(
        select(User.id).where(col(User.email).like(f"%{tag}-%"), col(User.id) != boss.id)
    ).all()
    session.execute(
        insert(Assignment),
        [
            {
                "user_id": u,
                "module_id": "first-steps",
                "due_at": now + timedelta(days=5),
                "source": "test",
                "created_at": now,
            }
            for u in everyone
        ],
    )
    session.commit()


def _count(client: object, recorder: QueryRecorder) -> tuple[int, float]:
    started = time.perf_counter()
    with recorder:
        response = client.get("/team")  # type: ignore[attr-defined]
    assert response.status_code == 200
    return recorder.count, time.perf_counter() - started


def test_the_team_page_reads_as_many_statements_for_10000_reports_as_for_5(
    app: FastAPI, session: Session, query_recorder: QueryRecorder
) -> None:
    small_boss = make_user(session, "small@example.com")
    big_boss = make_user(session, "big@example.com")
    _grow(session, small_boss, lines=1, per_line=3, depth=1)  # 5 people
    small, _ = _count(signed_in(app, "small@example.com"), query_recorder)
    _grow(session, big_boss, lines=100, per_line=99, depth=20)  # 10,020 people, 22 levels
    big_client = signed_in(app, "big@example.com")
    big, seconds = _count(big_client, query_recorder)
    assert big == small, (small, big)
    page = big_client.get("/team").text
    assert "10020 people report to you" in page and "Page 1 of 101." in page
    # Its time is a figure for bench/, not a test's limit (a loaded CI machine varies 5x).
    print(f"team page, 10,020 reports: {big} statements, {seconds:.2f} s")
