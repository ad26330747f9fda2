"""Group-session e-mails name the organisation in their subjects, like every other e-mail."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.config import Settings
from app.models import User
from tests.conftest import settings_for
from tests.factories import make_user
from tests.hr.conftest import Inbox
from tests.live.conftest import Live, join
from tests.live.planning.helpers import delivered, plan


@pytest.fixture
def settings(db_url: str, content_dir: Path, smtp_server: tuple[Controller, Inbox]) -> Settings:
    controller, _ = smtp_server
    return settings_for(
        db_url,
        content_dir,
        smtp_host="127.0.0.1",
        smtp_port=controller.port,
        base_url="https://learn.example.com",
        organisation_name="Acme {course}",
    )


def test_invitation_and_cancel_subjects_carry_the_organisation(
    client: TestClient, facilitator: User, session: Session, settings: Settings, inbox: Inbox
) -> None:
    lee = make_user(session, "lee@example.com", name="Lee")
    plan(client, invitee=[str(lee.id)])
    (message,) = delivered(settings, inbox)
    assert message["Subject"].startswith("Acme {course}: Invitation: group session on First steps")


def test_summary_subject_carries_the_organisation_and_one_person_is_singular(
    app: FastAPI, live: Live, settings: Settings, inbox: Inbox
) -> None:
    join(app, live.code)
    live.go(1)
    assert live.step("end").status_code == 303
    (message,) = [m for m in delivered(settings, inbox) if m["To"] == "fay@example.com"]
    assert message["Subject"] == "Acme {course}: Summary: group session on First steps"
    body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "1 person joined." in body and "people joined" not in body
