"""docs/examples/sync_people.py, the worked example of docs/api.md, run against a live server."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from app.api.keys import create_key
from app.config import PROJECT_ROOT
from app.db import session_for
from app.models import Assignment, User
from tests.conftest import FIXTURE_COURSE
from tests.servers import start_server, stop_server

pytestmark = [pytest.mark.slow]
SCRIPT = PROJECT_ROOT / "docs" / "examples" / "sync_people.py"
SCOPES = ["people:write", "assignments:write", "events:read"]
# The manager (E3) comes after her report: the batch resolves managers in any order.
CSV = """external_id,email,name,department,manager_external_id
E1,ana@example.com,Ana Example,Sales,E3
E2,ben@example.com,Ben Example,Sales,
E3,cleo@example.com,Cleo Example,Sales,
"""


@pytest.fixture
def live(db_url: str) -> Iterator[tuple[str, str]]:
    with session_for(db_url) as session:
        secret = create_key(session, name="hr-sync", scopes=SCOPES, actor_id=None)[1]
    proc, url = start_server(db_url, content_dir=FIXTURE_COURSE)
    try:
        yield url, secret
    finally:
        stop_server(proc)


def run_sync(url: str, key: str, people: Path, state: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), url, str(people), "first-steps", str(state)],
        env=os.environ | {"ALLYSHIP_API_KEY": key},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_sync_example_is_about_fifty_lines() -> None:
    assert len(SCRIPT.read_text().splitlines()) <= 60


def test_sync_upserts_assigns_and_follows_the_events_feed_once(
    live: tuple[str, str], db_url: str, tmp_path: Path
) -> None:
    url, key = live
    people, state = tmp_path / "people.csv", tmp_path / "events.cursor"
    people.write_text(CSV)
    first = run_sync(url, key, people, state)
    assert first.returncode == 0, first.stderr
    assert "synced 3 people; first-steps assigned" in first.stdout
    events = [line.split() for line in first.stdout.splitlines()[1:]]
    assert sorted(e[2] for e in events if e[1] == "assignment.created") == ["E1", "E2", "E3"]
    with session_for(db_url) as session:
        ana = session.exec(select(User).where(User.external_id == "E1")).one()
        cleo = session.exec(select(User).where(User.external_id == "E3")).one()
        assert ana.manager_id == cleo.id
        assigned = session.exec(select(Assignment).where(Assignment.module_id == "first-steps"))
        assert len(assigned.all()) == 3
    seen = int(state.read_text())
    assert seen >= max(int(e[0]) for e in events)

    again = run_sync(url, key, people, state)  # nothing new: no event printed twice
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines() == ["synced 3 people; first-steps assigned"]
    assert int(state.read_text()) == seen


def test_a_bad_row_stops_the_sync_with_the_field_named(
    live: tuple[str, str], db_url: str, tmp_path: Path
) -> None:
    url, key = live
    people = tmp_path / "people.csv"
    people.write_text(CSV.replace("ben@example.com", "not-an-address"))
    result = run_sync(url, key, people, tmp_path / "events.cursor")
    assert result.returncode != 0
    assert "POST /people/batch: 422" in result.stderr and "#/people/1/email" in result.stderr
    with session_for(db_url) as session:  # all or nothing: nobody of the batch was stored
        assert session.exec(select(User).where(User.external_id == "E1")).first() is None
