"""HR test fixtures: signed-in HR and admin clients, and a real SMTP server on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.config import Settings
from tests.conftest import NO_SECOND_FACTOR, login
from tests.factories import make_user
from tests.servers import free_port


@dataclass
class Inbox:
    """An aiosmtpd handler that keeps every accepted message, or refuses when told to."""

    messages: list[Any] = field(default_factory=list)
    refuse: str | None = None
    delay: float = 0.0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.refuse:
            return self.refuse
        self.messages.append(envelope)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[str]:
        return [m.content.decode() for m in self.messages if address in m.rcpt_tos]


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Controller, Inbox]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture
def inbox(smtp_server: tuple[Controller, Inbox]) -> Inbox:
    _controller, box = smtp_server
    box.messages.clear()
    box.refuse, box.delay = None, 0.0
    return box


@pytest.fixture
def settings(db_url: str, content_dir: Path, smtp_server: tuple[Controller, Inbox]) -> Settings:
    controller, _ = smtp_server
    return Settings(
        database_url=db_url,
        content_dir=content_dir,
        secret_key="test-secret-key-0123456789",
        **NO_SECOND_FACTOR,
        smtp_host="127.0.0.1",
        smtp_port=controller.port,
        base_url="https://learn.example.com",
        outbox_sender=False,  # tests deliver with tests.mail.deliver
    )


def signed_in_as(app: FastAPI, session: Session, role: str, name: str) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    make_user(session, f"{role}@example.com", name=name, role=role)
    assert login(client, f"{role}@example.com").status_code == 303  # type: ignore[attr-defined]
    return client


@pytest.fixture
def hr_client(app: FastAPI, session: Session) -> TestClient:
    return signed_in_as(app, session, "hr", "Hana HR")


@pytest.fixture
def admin_client(app: FastAPI, session: Session) -> TestClient:
    return signed_in_as(app, session, "admin", "Alex Admin")


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Environment for `allyship` commands run in-process against this test's database."""
    from app.config import get_settings

    for name in ("database_url", "content_dir", "smtp_host", "smtp_port", "base_url", "secret_key"):
        monkeypatch.setenv(f"ALLYSHIP_{name.upper()}", str(getattr(settings, name)))
    get_settings.cache_clear()
    yield settings
    get_settings.cache_clear()
