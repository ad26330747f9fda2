"""API v1 progress: completions since a time, oldest first, paged by cursor without gaps."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.clock import utcnow
from tests.api.conftest import bearer
from tests.factories import make_user
from tests.hr.factories import make_completion


def test_progress_pages_through_completions_since_a_time(
    client: TestClient, session: Session, read_key: str
) -> None:
    start = utcnow() - timedelta(days=10)
    same_time = start + timedelta(days=5)
    for i in range(7):
        person = make_user(session, f"p{i}@example.com")
        make_completion(
            session, person, "first-steps", at=same_time if i >= 3 else start + timedelta(days=i)
        )
    old = make_user(session, "old@example.com")
    make_completion(session, old, "first-steps", at=start - timedelta(days=30))
    seen: list[str] = []
    url = f"/api/v1/progress?since={start.isoformat().replace('+00:00', 'Z')}&limit=2"
    cursor = None
    while True:
        page = client.get(url + (f"&cursor={cursor}" if cursor else ""), headers=bearer(read_key))
        assert page.status_code == 200, page.text
        body = page.json()
        seen += [item["email"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"p{i}@example.com" for i in range(7)]  # no gaps, no repeats, ties kept


def test_progress_refuses_a_time_without_zone_and_a_bad_cursor(
    client: TestClient, read_key: str
) -> None:
    naive = client.get("/api/v1/progress?since=2026-01-01T00:00:00", headers=bearer(read_key))
    assert naive.status_code == 422 and "time zone" in naive.json()["detail"]
    bad = client.get("/api/v1/progress?cursor=not-a-cursor", headers=bearer(read_key))
    assert bad.status_code == 422 and "cursor" in bad.json()["detail"]
    big = client.get("/api/v1/progress?limit=100000", headers=bearer(read_key))
    assert big.status_code == 422
