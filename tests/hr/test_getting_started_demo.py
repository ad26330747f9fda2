"""The demo data (`make run` on an empty database) still shows the full HR overview."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.demo import DEMO_PASSWORD, load_demo
from tests.conftest import login


@pytest.fixture
def content_dir(real_content_dir: Path) -> Path:
    return real_content_dir  # the demo assigns the real course's modules


def test_demo_data_shows_the_full_overview_and_the_hardest_scenarios(
    app: FastAPI, session: Session
) -> None:
    load_demo(session, app.state.catalog)
    hr = TestClient(app, follow_redirects=False)
    # A demo account's first sign-in shows who sees what (/privacy), then goes on to /hr.
    landed = login(hr, "hr@example.com", DEMO_PASSWORD).headers["location"]  # type: ignore[attr-defined]
    assert landed in ("/hr", "/privacy?first=1&next=%2Fhr"), landed
    page = hr.get("/hr").text
    for part in ('class="stat-grid"', 'id="by-department"', 'id="overdue"', 'id="over-time"'):
        assert part in page
    assert '<a href="/hr/scenarios">' in page.split("<h2>More</h2>")[1]
    assert "<summary>Getting started: 2 of 5 steps done</summary>" in page
