"""/admin/webhooks: the secret shown once, refusals shown on the form, replay and switching, audited."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlmodel import Session, select

from app.config import Settings
from app.models import AuditEvent, WebhookDelivery, WebhookEndpoint
from tests.conftest import csrf_from
from tests.events.conftest import webhook_with_delivery
from tests.hr.conftest import signed_in_as

PAGE = "/admin/webhooks"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"webhook_allow_private_addresses": False})


def test_admin_adds_an_endpoint_and_sees_its_secret_once(app: FastAPI, session: Session) -> None:
    admin = signed_in_as(app, session, "admin", "Alex Admin")
    token = csrf_from(admin.get(PAGE).text)
    data = {"csrf_token": token, "url": "https://hr.example.com/hooks", "kinds": "module.completed"}
    added = admin.post(PAGE, data=data)
    assert added.status_code == 200
    stored = session.exec(select(WebhookEndpoint)).one()
    assert stored.secret.startswith("whsec_") and stored.secret in added.text
    assert stored.kinds == "module.completed"
    again = admin.get(PAGE)
    assert "https://hr.example.com/hooks" in again.text and stored.secret not in again.text
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "webhook.create")).one()


@pytest.mark.parametrize(
    ("url", "kinds", "said"),
    [
        ("file:///etc/passwd", "*", "only http:// and https://"),
        ("http://192.168.1.10/hook", "*", "private address"),
        ("https://hr.example.com/hooks", "person.secrets", "Unknown event kind"),
    ],
)
def test_a_refused_endpoint_is_shown_on_the_form(
    app: FastAPI, session: Session, url: str, kinds: str, said: str
) -> None:
    admin = signed_in_as(app, session, "admin", "Alex Admin")
    token = csrf_from(admin.get(PAGE).text)
    refused = admin.post(PAGE, data={"csrf_token": token, "url": url, "kinds": kinds})
    assert refused.status_code == 422 and said in refused.text
    assert session.exec(select(WebhookEndpoint)).all() == []


def test_replay_and_switching_are_audited_and_hr_is_refused(app: FastAPI, session: Session) -> None:
    hook, delivery = webhook_with_delivery(session)
    hr = signed_in_as(app, session, "hr", "Hana HR")
    assert hr.get(PAGE).status_code == 403
    hr_token = csrf_from(hr.get("/account").text)
    assert hr.post(f"{PAGE}/{hook.id}/off", data={"csrf_token": hr_token}).status_code == 403
    admin = signed_in_as(app, session, "admin", "Alex Admin")
    page = admin.get(PAGE)
    assert "person.deactivated" in page.text and "waiting" in page.text
    token = csrf_from(page.text)
    session.exec(select(WebhookDelivery)).one()
    replayed = admin.post(f"{PAGE}/deliveries/{delivery.id}/replay", data={"csrf_token": token})
    assert replayed.status_code == 303
    assert admin.post(f"{PAGE}/{hook.id}/off", data={"csrf_token": token}).status_code == 303
    off = admin.post(f"{PAGE}/deliveries/{delivery.id}/replay", data={"csrf_token": token})
    assert off.status_code == 422 and "switched off" in off.text
    missing = admin.post(f"{PAGE}/deliveries/999/replay", data={"csrf_token": token})
    assert missing.status_code == 404
    actions = set(session.exec(select(AuditEvent.action)).all())
    assert {"webhook.replay", "webhook.disable"} <= actions
