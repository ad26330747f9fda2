"""The organisation's time zone: checked when saved, used to read and show planned times."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import User
from app.org.checks import problems, zone_problem
from tests.live.planning.helpers import plan


@pytest.mark.parametrize("value", ["", "UTC", "Europe/London", "America/New_York"])
def test_real_zones_and_empty_are_accepted(value: str) -> None:
    assert zone_problem(value) == ""


@pytest.mark.parametrize("value", ["Mars/Olympus", "GMT+25", "europe/london ", "../etc/passwd"])
def test_anything_else_is_refused_by_the_settings_check(value: str) -> None:
    assert problems({"time_zone": value})["time_zone"].startswith("Enter a time zone name")


def test_the_plan_form_and_list_speak_the_organisations_zone(
    client: TestClient, facilitator: User, session: Session
) -> None:
    page = client.get("/live/plans/new?module_id=first-steps").text
    assert "When (America/New_York)" in page
    plan_id = plan(client, time="18:05")
    listed = client.get("/live/plans").text
    assert "18:05 (America/New_York)" in listed and "First steps" in listed
    assert 'value="18:05"' in client.get(f"/live/plans/{plan_id}").text
