"""Planned-session tests run with a real SMTP server on loopback (aiosmtpd), as HR's mail tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from app.config import Settings
from tests.conftest import settings_for
from tests.hr.conftest import Inbox, inbox, smtp_server  # noqa: F401  (fixtures)


@pytest.fixture
def settings(db_url: str, content_dir: Path, smtp_server: tuple[Controller, Inbox]) -> Settings:  # noqa: F811
    controller, _ = smtp_server
    return settings_for(
        db_url,
        content_dir,
        smtp_host="127.0.0.1",
        smtp_port=controller.port,
        base_url="https://learn.example.com",
        time_zone="America/New_York",
    )
