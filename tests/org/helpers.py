"""Shared steps of the organisation-settings tests: sign in as a role, post the settings form."""

from __future__ import annotations

import re
from html import unescape

from fastapi.testclient import TestClient
from httpx import Response
from sqlmodel import Session

from app.org.settings_store import FIELDS
from tests.conftest import csrf_from, login
from tests.factories import make_user

PAGE = "/admin/settings"


def signed_in_as(client: TestClient, session: Session, role: str, email: str = "") -> TestClient:
    email = email or f"{role}@example.com"
    make_user(session, email, name=f"{role.capitalize()} Person", role=role)
    assert login(client, email).status_code == 303  # type: ignore[attr-defined]
    return client


def form_on(page: str) -> dict[str, str]:
    """Every field of the settings form as the page shows it, with its hidden was_ values."""
    found = {
        name: unescape(value)
        for name, value in re.findall(r'<input [^>]*name="([a-z_]+)"[^>]*value="([^"]*)"', page)
    }
    area = re.search(r'<textarea [^>]*name="who_to_talk_to"[^>]*>(.*?)</textarea>', page, re.S)
    found["who_to_talk_to"] = unescape(area.group(1)) if area else ""
    return {k: v for k, v in found.items() if k in FIELDS or k.startswith("was_")}


def open_form(client: TestClient) -> tuple[dict[str, str], str]:
    """The settings form's values and CSRF token, as a browser holds them after loading it."""
    page = client.get(PAGE)
    assert page.status_code == 200
    return form_on(page.text), csrf_from(page.text)


def save(client: TestClient, **changes: str) -> Response:
    """Load the form, change some fields, send it: what an admin does in one go."""
    form, token = open_form(client)
    return send(client, form, token, **changes)


def send(client: TestClient, form: dict[str, str], token: str, **changes: str) -> Response:
    return client.post(PAGE, data={**form, **changes, "csrf_token": token})


def error_of(page: str, field: str) -> str:
    """The message shown next to a field ('' when none)."""
    found = re.search(rf'<span class="field-error" id="{field}-error">(.*?)</span>', page, re.S)
    return unescape(found.group(1)) if found else ""
