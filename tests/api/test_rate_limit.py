"""The per-key rate limit (shared through the database) and two bulk requests at once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.api import assignments, rate
from app.api.keys import create_key
from app.api.schemas import BulkAssignIn
from app.clock import utcnow
from app.config import Settings
from app.db import write_session
from app.errors import Invalid
from app.main import create_app
from app.models import ApiIdempotency, ApiKey, Assignment, row_id
from tests.api.conftest import bearer
from tests.concurrency import at_once
from tests.factories import make_user


@pytest.fixture
def limited(settings: Settings) -> Iterator[FastAPI]:
    application = create_app(settings.model_copy(update={"api_rate_per_minute": 3}))
    with TestClient(application):
        yield application
    application.state.engine.dispose()


def test_over_the_limit_is_429_with_retry_after_and_ratelimit_headers(
    limited: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Windows are calendar minutes: four requests that straddle a minute's end would be
    # counted in two windows, so the clock stands still in the middle of one.
    now = utcnow().replace(second=30)
    monkeypatch.setattr(rate, "utcnow", lambda: now)
    client = TestClient(limited)
    with Session(limited.state.engine) as session:
        _k, one = create_key(session, name="one", scopes=["people:read"], actor_id=None)
        _k, two = create_key(session, name="two", scopes=["people:read"], actor_id=None)
    answers = [client.get("/api/v1/modules", headers=bearer(one)) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0].headers["RateLimit-Policy"] == '"per-key";q=3;w=60'
    assert answers[2].headers["RateLimit"].startswith('"per-key";r=0;t=')
    over = answers[3]
    assert over.headers["content-type"] == "application/problem+json"
    assert 1 <= int(over.headers["Retry-After"]) <= 60
    # Each key has its own budget; an unknown key is refused before it is counted.
    assert client.get("/api/v1/modules", headers=bearer(two)).status_code == 200
    assert client.get("/api/v1/modules", headers=bearer("ak_nope")).status_code == 401


def test_parallel_requests_never_slip_past_the_limit(
    app: FastAPI, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = utcnow().replace(second=30)  # all twelve in one window (see above)
    monkeypatch.setattr(rate, "utcnow", lambda: now)
    key, _secret = create_key(session, name="busy", scopes=["people:read"], actor_id=None)
    states = at_once(
        *[lambda: rate.count_request(app.state.engine, key_id=row_id(key), limit=5)] * 12
    )
    allowed = [s for s in states if not s.exceeded]
    assert len(allowed) == 5
    assert sorted(s.remaining for s in allowed) == [0, 1, 2, 3, 4]


def test_two_bulk_requests_with_one_idempotency_key_at_once_assign_once(
    app: FastAPI, session: Session
) -> None:
    for i in range(3):
        user = make_user(session, f"p{i}@example.com")
        user.external_id = f"E{i}"
        session.add(user)
    session.commit()
    key, _secret = create_key(session, name="sync", scopes=["assignments:write"], actor_id=None)
    body = BulkAssignIn(external_ids=["E0", "E1", "E2"], module_ids=["first-steps"])

    def send() -> tuple[int, str, bool]:
        with write_session(app.state.engine) as own:
            found = own.exec(select(ApiKey).where(ApiKey.id == key.id)).one()
            return assignments.bulk(
                own,
                app.state.catalog,
                app.state.settings,
                key=found,
                body=body,
                idempotency_key="same-key",
            )

    first, second = at_once(send, send)
    assert first[1] == second[1]  # the same answer, byte for byte
    assert sorted([first[2], second[2]]) == [False, True]  # one ran, one replayed
    assert len(session.exec(select(Assignment)).all()) == 3
    assert len(session.exec(select(ApiIdempotency)).all()) == 1


def test_an_idempotency_key_of_odd_characters_is_refused(app: FastAPI, session: Session) -> None:
    key, _secret = create_key(session, name="odd", scopes=["assignments:write"], actor_id=None)
    body = BulkAssignIn(external_ids=["E0"], module_ids=["first-steps"])
    with write_session(app.state.engine) as own, pytest.raises(Invalid, match="Idempotency-Key"):
        assignments.bulk(
            own, app.state.catalog, app.state.settings, key=key, body=body, idempotency_key="a b"
        )
