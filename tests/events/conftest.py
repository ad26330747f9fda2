"""Events fixtures: an HR system's view of the feed, a learner who completes the course."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.content.catalog import Catalog
from app.events import record_event, sender, webhooks
from app.hr import assignments
from app.models import Event, WebhookDelivery, WebhookEndpoint
from tests.api.conftest import bearer, read_key, write_key
from tests.learning.test_learner_journey import mark_read, signed_in, submit

__all__ = ["read_key", "write_key"]


def feed(client: TestClient, key: str, after: int = 0, limit: int = 100) -> dict:  # type: ignore[type-arg]
    page = client.get(f"/api/v1/events?after={after}&limit={limit}", headers=bearer(key))
    assert page.status_code == 200, page.text
    return page.json()  # type: ignore[no-any-return]


def kinds(session: Session) -> list[str]:
    return list(session.exec(select(Event.kind).order_by(col(Event.seq))).all())


def assign(session: Session, catalog: Catalog, emails: list[str], *, days: int = 30) -> None:
    assignments.assign(
        session,
        catalog,
        actor_id=None,
        module_ids=[m.id for m in catalog.modules],
        department_ids=[],
        emails=emails,
        due=(utcnow() + timedelta(days=days)).date(),
        default_due_days=30,
    )


def complete_course(client: TestClient, session: Session, email: str = "ana@example.com") -> None:
    """Sign in as a new learner and pass both fixture modules (a certificate follows)."""
    signed_in(client, session, email)
    mark_read(client, "first-steps")
    submit(client, "first-steps", {"standup": "credit", "review": "finish"})
    mark_read(client, "second-steps")
    submit(client, "second-steps", {"quiet-colleague": "wait"})


def webhook_with_delivery(session: Session) -> tuple[WebhookEndpoint, WebhookDelivery]:
    """An endpoint (public address, never reached in tests) with one delivery waiting."""
    hook, _ = webhooks.create_endpoint(
        session,
        url="https://hooks.example.com/allyship",
        kinds=["*"],
        description="",
        actor_id=None,
        allow_private=False,
    )
    record_event(session, "person.deactivated", "person/0", {"deactivated_at": utcnow()})
    session.commit()
    sender.fan_out(session)
    return hook, session.exec(select(WebhookDelivery)).one()
