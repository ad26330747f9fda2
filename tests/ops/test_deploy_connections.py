"""`allyship check-deploy --workers N`: the connections of N busy workers against PostgreSQL's
`max_connections` (app/ops/deploy_check.py, app/db/capacity.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from app.cli import app as cli
from app.config import Settings, get_settings
from app.db import ConnectionRoom, connection_room, make_engine
from app.ops.deploy_check import connection_problems, database_problems
from tests.conftest import ON_POSTGRES, PG_SERVER_URL

on_postgres = pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's max_connections")
SAFE = {
    "ALLYSHIP_ENVIRONMENT": "production",
    "ALLYSHIP_SECRET_KEY": "s" * 48,
    "ALLYSHIP_BASE_URL": "https://learn.example.org",
    "ALLYSHIP_HTTPS": "true",
}


@pytest.mark.parametrize(
    ("room", "workers", "pool_size", "expected"),
    [
        (
            ConnectionRoom(100, 3, 0),
            4,
            20,
            "4 workers x (20 + 20) = 160 connections, but the server allows 97 (max_connections "
            "100 less 3 reserved for superusers): lower ALLYSHIP_DATABASE_POOL_SIZE to 12 or "
            "raise max_connections",
        ),
        (
            ConnectionRoom(100, 3, 17),
            1,
            50,
            "1 worker x (50 + 50) = 100 connections, but the server allows 80 (max_connections "
            "100 less 3 reserved for superusers and 17 in use by other databases): lower "
            "ALLYSHIP_DATABASE_POOL_SIZE to 40 or raise max_connections",
        ),
        (
            ConnectionRoom(100, 3, 0),
            60,
            5,
            "60 workers x (5 + 5) = 600 connections, but the server allows 97 (max_connections "
            "100 less 3 reserved for superusers): lower ALLYSHIP_DATABASE_POOL_SIZE to 1 and run "
            "at most 48 workers or raise max_connections",
        ),
        (
            ConnectionRoom(10, 3, 6),
            1,
            1,
            "1 worker x (1 + 1) = 2 connections, but the server allows 1 (max_connections 10 "
            "less 3 reserved for superusers and 6 in use by other databases): free connections "
            "on the server or raise max_connections",
        ),
        (ConnectionRoom(100, 3, 0), 4, 12, None),  # 96 of 97
        (ConnectionRoom(100, 3, 17), 2, 20, None),  # exactly the 80 left
    ],
)
def test_connection_problems_name_the_sum_and_what_to_change(
    room: ConnectionRoom, workers: int, pool_size: int, expected: str | None
) -> None:
    problems = connection_problems(room, workers=workers, pool_size=pool_size)
    assert problems == ([] if expected is None else [expected])


@pytest.mark.sqlite_only
def test_check_deploy_on_sqlite_says_nothing_about_connections(db_url: str) -> None:
    settings = Settings(database_url=db_url, database_pool_size=500)
    assert database_problems(settings, workers=1000) == []


@pytest.fixture
def deploy_env(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Safe production settings on the test database, so only the connection check can fail."""
    for name, value in {**SAFE, "ALLYSHIP_DATABASE_URL": db_url}.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def _room(db_url: str) -> ConnectionRoom:
    engine = make_engine(db_url)
    try:
        room = connection_room(engine)
    finally:
        engine.dispose()
    assert room is not None
    return room


@on_postgres
def test_check_deploy_fails_when_the_workers_would_pass_max_connections(
    db_url: str, deploy_env: pytest.MonkeyPatch
) -> None:
    deploy_env.setenv("ALLYSHIP_DATABASE_POOL_SIZE", "20")
    room = _room(db_url)
    workers = room.max_connections // 40 + 1
    result = CliRunner().invoke(cli, ["check-deploy", "--workers", str(workers)])
    assert result.exit_code == 1, result.output
    assert f"- {workers} workers x (20 + 20) = {workers * 40} connections, but" in result.output
    assert f"(max_connections {room.max_connections} less {room.reserved} reserved" in (
        result.output
    )
    assert "lower ALLYSHIP_DATABASE_POOL_SIZE to " in result.output
    assert "1 problem(s)." in result.output


@on_postgres
def test_check_deploy_passes_workers_that_fit_max_connections(
    deploy_env: pytest.MonkeyPatch,
) -> None:
    deploy_env.setenv("ALLYSHIP_DATABASE_POOL_SIZE", "2")
    result = CliRunner().invoke(cli, ["check-deploy", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert result.output == "Deployment settings look safe.\n"


@on_postgres
def test_check_deploy_without_workers_leaves_the_connections_alone(
    deploy_env: pytest.MonkeyPatch,
) -> None:
    """Behind PgBouncer the server sees PgBouncer's pool: the operator leaves `--workers` out."""
    deploy_env.setenv("ALLYSHIP_DATABASE_POOL_SIZE", "500")  # 1,000 connections a worker
    result = CliRunner().invoke(cli, ["check-deploy"])
    assert result.exit_code == 0, result.output
    assert result.output == "Deployment settings look safe.\n"


@on_postgres
def test_connection_room_counts_connections_to_other_databases(db_url: str) -> None:
    other = create_engine(PG_SERVER_URL)  # the server's own database, not the test's
    try:
        with other.connect() as held:
            here = make_url(db_url).database
            assert held.execute(text("SELECT current_database()")).scalar() != here
            room = _room(db_url)
    finally:
        other.dispose()
    assert room.elsewhere >= 1
    assert room.available == room.max_connections - room.reserved - room.elsewhere


def test_check_deploy_names_a_database_it_cannot_reach_once() -> None:
    unreachable = Settings(database_url="postgresql+psycopg://allyship@127.0.0.1:1/allyship")
    (problem,) = database_problems(unreachable, workers=4)
    assert problem.startswith("could not connect to the database (OperationalError)")
