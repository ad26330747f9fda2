"""Demo and benchmark data never lie in the future (an integration's "since" mark would skip them).

Every time column of every table is checked, except deadlines, which are meant to be ahead.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import UTCDateTime
from typer.testing import CliRunner

from app.cli import app as cli
from app.config import PROJECT_ROOT, get_settings
from app.content.catalog import load_catalog
from app.db import make_engine
from bench.generate import generate

# Deadlines and retry times: in the future by design.
AHEAD_BY_DESIGN = {
    "assignment.due_at",
    "invite.expires_at",
    "loginsession.expires_at",
    "livesession.countdown_ends_at",
    "outboxmessage.next_attempt_at",
    "outboxmessage.claimed_until",
}


@pytest.fixture
def env(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("ALLYSHIP_DATABASE_URL", db_url)
    monkeypatch.setenv("ALLYSHIP_CONTENT_DIR", str(PROJECT_ROOT))
    get_settings.cache_clear()
    yield db_url
    get_settings.cache_clear()


def latest_times(url: str) -> dict[str, datetime]:
    """The latest value of each time column that holds any (deadlines left out)."""
    engine = make_engine(url)
    found = {}
    try:
        with engine.connect() as conn:
            for table in SQLModel.metadata.sorted_tables:
                for column in table.columns:
                    name = f"{table.name}.{column.name}"
                    if isinstance(column.type, UTCDateTime) and name not in AHEAD_BY_DESIGN:
                        latest = conn.execute(select(func.max(column))).scalar()
                        if latest is not None:
                            found[name] = latest
    finally:
        engine.dispose()
    return found


def in_the_future(url: str, finished: datetime) -> dict[str, datetime]:
    return {n: t for n, t in latest_times(url).items() if t.astimezone(UTC) > finished}


def test_demo_data_is_dated_no_later_than_the_command_finished(env: str) -> None:
    result = CliRunner().invoke(cli, ["demo"])
    finished = datetime.now(UTC)
    assert result.exit_code == 0, result.output
    times = latest_times(env)
    assert {"completion.completed_at", "quizattempt.submitted_at", "certificate.issued_at"} <= set(
        times
    )
    assert not in_the_future(env, finished)


def test_demo_attempts_start_before_they_are_submitted(env: str) -> None:
    assert CliRunner().invoke(cli, ["demo"]).exit_code == 0
    engine = make_engine(env)
    try:
        with engine.connect() as conn:
            odd = conn.execute(
                select(func.count())
                .select_from(SQLModel.metadata.tables["quizattempt"])
                .where(
                    SQLModel.metadata.tables["quizattempt"].c.started_at
                    > SQLModel.metadata.tables["quizattempt"].c.submitted_at
                )
            ).scalar()
    finally:
        engine.dispose()
    assert odd == 0


def test_bench_data_is_dated_no_later_than_the_generator_finished(db_url: str) -> None:
    generate(db_url, load_catalog(PROJECT_ROOT), people=300)
    finished = datetime.now(UTC)
    times = latest_times(db_url)
    assert "completion.completed_at" in times
    assert not in_the_future(db_url, finished)
