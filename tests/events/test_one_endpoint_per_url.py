"""One webhook endpoint per URL (retest R5): a second add is refused with a way on, also when
four arrive at the same moment with one form token; the events of an endpoint can be edited;
copies made before the rule are merged by migration 0011a without dropping any history."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.config import Settings
from app.models import AuditEvent, WebhookEndpoint
from tests.concurrency import at_once
from tests.conftest import csrf_from
from tests.hr.conftest import signed_in_as
from tests.test_migrations import after_upgrade

PAGE = "/admin/webhooks"
URL = "https://hooks.example.org/same"
ALREADY = "is already an endpoint; edit its events"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"webhook_allow_private_addresses": False})


@pytest.fixture
def admin(app: FastAPI, session: Session) -> TestClient:
    return signed_in_as(app, session, "admin", "Alex Admin")


def _add(client: TestClient, token: str, url: str = URL, kinds: str = "*") -> int:
    return client.post(PAGE, data={"csrf_token": token, "url": url, "kinds": kinds}).status_code


def test_the_same_url_added_again_is_refused_and_points_to_its_events(
    admin: TestClient, session: Session
) -> None:
    token = csrf_from(admin.get(PAGE).text)
    assert _add(admin, token) == 200
    again = admin.post(PAGE, data={"csrf_token": token, "url": f"  {URL} ", "kinds": "*"})
    assert again.status_code == 422
    assert ALREADY in again.text and 'href="#url"' in again.text
    assert len(session.exec(select(WebhookEndpoint)).all()) == 1


def test_four_adds_at_once_with_one_form_token_make_one_endpoint(
    app: FastAPI, admin: TestClient, session: Session
) -> None:
    token = csrf_from(admin.get(PAGE).text)
    clients = []
    for _ in range(4):
        twin = TestClient(app, follow_redirects=False)
        twin.cookies.update(admin.cookies)
        clients.append(twin)
    codes = at_once(*(lambda c=c: _add(c, token) for c in clients))  # type: ignore[misc]
    assert sorted(codes) == [200, 422, 422, 422]
    session.expire_all()
    assert len(session.exec(select(WebhookEndpoint)).all()) == 1
    created = select(AuditEvent).where(AuditEvent.action == "webhook.create")
    assert len(session.exec(created).all()) == 1


def test_an_endpoints_events_are_edited_in_place_and_audited(
    admin: TestClient, session: Session
) -> None:
    token = csrf_from(admin.get(PAGE).text)
    assert _add(admin, token) == 200
    hook = session.exec(select(WebhookEndpoint)).one()
    page = admin.get(PAGE).text
    assert f'action="/admin/webhooks/{hook.id}/events"' in page
    data = {"csrf_token": token, "kinds": ["module.completed", "person.deactivated"]}
    assert admin.post(f"{PAGE}/{hook.id}/events", data=data).status_code == 303
    session.expire_all()
    assert session.get(WebhookEndpoint, hook.id).kinds == "module.completed person.deactivated"  # type: ignore[union-attr]
    audited = session.exec(select(AuditEvent).where(AuditEvent.action == "webhook.kinds")).one()
    assert json.loads(audited.detail)["before"] == "*"


@pytest.mark.parametrize(
    ("kinds", "status", "said"),
    [([], 422, "Choose at least one kind"), (["person.secrets"], 422, "Unknown event kind")],
)
def test_bad_events_for_an_endpoint_are_refused_on_the_page(
    admin: TestClient, session: Session, kinds: list[str], status: int, said: str
) -> None:
    token = csrf_from(admin.get(PAGE).text)
    assert _add(admin, token, kinds="module.completed") == 200
    hook = session.exec(select(WebhookEndpoint)).one()
    refused = admin.post(f"{PAGE}/{hook.id}/events", data={"csrf_token": token, "kinds": kinds})
    assert refused.status_code == status and said in refused.text
    assert f'id="kinds-{hook.id}"' in refused.text and "<details open>" in refused.text
    session.expire_all()
    assert session.get(WebhookEndpoint, hook.id).kinds == "module.completed"  # type: ignore[union-attr]
    missing = admin.post(f"{PAGE}/999/events", data={"csrf_token": token, "kinds": ["*"]})
    assert missing.status_code == 404


def test_a_url_of_more_than_2000_bytes_is_refused_not_a_500(
    admin: TestClient, session: Session
) -> None:
    token = csrf_from(admin.get(PAGE).text)
    long = "https://hooks.example.org/" + "é" * 1000  # 1,026 characters, 2,026 bytes
    refused = admin.post(PAGE, data={"csrf_token": token, "url": long, "kinds": "*"})
    assert refused.status_code == 422 and "1 to 2000 characters" in refused.text
    assert session.exec(select(WebhookEndpoint)).all() == []


def _endpoint(id: int, url: str, kinds: str, active: bool, after: int) -> str:
    return (
        "INSERT INTO webhookendpoint (id, url, description, kinds, secret, active, after_seq, "
        f"disabled_reason, created_at) VALUES ({id}, '{url}', '', '{kinds}', 'whsec_{id}', "
        f"{str(active).lower()}, {after}, '', '2026-12-01 00:00:00+00:00')"
    )


def _delivery(id: int, endpoint: int, seq: int, delivered: bool) -> str:
    at = "'2026-12-02 00:00:00+00:00'" if delivered else "NULL"
    return (
        "INSERT INTO webhookdelivery (id, endpoint_id, event_seq, created_at, next_attempt_at, "
        "claimed_by, delivered_at, attempts, last_error) VALUES "
        f"({id}, {endpoint}, {seq}, '2026-12-02 00:00:00+00:00', '2026-12-02 00:00:00+00:00', "
        f"'', {at}, 1, '')"
    )


def _attempt(id: int, delivery: int) -> str:
    return (
        "INSERT INTO webhookattempt (id, delivery_id, at, status, milliseconds, error) VALUES "
        f"({id}, {delivery}, '2026-12-02 00:00:00+00:00', 200, 5, '')"
    )


def test_upgrade_merges_copies_of_a_url_into_the_oldest_keeping_every_try(
    tmp_path: Path,
) -> None:
    """0011a: three copies (one off) and another URL; deliveries of one event to two copies
    fold into one row whose tries are all kept; the merge is audited."""
    rows = [
        _endpoint(1, URL, "module.completed", False, 5),
        _endpoint(2, URL, "person.deactivated", True, 7),
        _endpoint(3, URL, "module.completed", True, 6),
        _endpoint(4, "https://other.example.org/", "*", True, 7),
        _delivery(10, 1, 5, True),
        _delivery(11, 2, 5, True),
        _delivery(12, 2, 7, False),
        _delivery(13, 3, 7, False),
        _delivery(14, 4, 5, True),
        _attempt(20, 10),
        _attempt(21, 11),
        _attempt(22, 12),
        _attempt(23, 13),
    ]
    reads = [
        "SELECT id, url, kinds, active, after_seq FROM webhookendpoint ORDER BY id",
        "SELECT endpoint_id, event_seq FROM webhookdelivery ORDER BY endpoint_id, event_seq",
        "SELECT d.endpoint_id, d.event_seq, count(*) FROM webhookattempt a JOIN webhookdelivery "
        "d ON d.id = a.delivery_id GROUP BY d.endpoint_id, d.event_seq "
        "ORDER BY d.endpoint_id, d.event_seq",
        "SELECT target, detail FROM auditevent WHERE action = 'webhook.merge'",
    ]
    endpoints, deliveries, tries, merged = after_upgrade("0010r", tmp_path, rows, reads)
    assert [(i, u, k, bool(a), s) for i, u, k, a, s in endpoints] == [
        (1, URL, "module.completed person.deactivated", True, 7),
        (4, "https://other.example.org/", "*", True, 7),
    ]
    assert deliveries == [(1, 5), (1, 7), (4, 5)]
    assert tries == [(1, 5, 2), (1, 7, 2)]  # every try kept, on the one delivery per event
    ((target, detail),) = merged
    assert target == URL
    assert json.loads(detail) == {
        "kept": 1,
        "merged": [2, 3],
        "kinds": "module.completed person.deactivated",
        "folded": 2,
    }


def test_after_the_upgrade_the_database_refuses_a_second_copy(
    session: Session,
) -> None:
    session.add(WebhookEndpoint(url=URL, kinds="*", secret="whsec_a"))
    session.commit()
    session.add(WebhookEndpoint(url=URL, kinds="*", secret="whsec_b"))
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        session.commit()
    session.rollback()
    assert (
        len(session.exec(select(WebhookEndpoint).where(col(WebhookEndpoint.url) == URL)).all()) == 1
    )
