"""Shared fixtures: a migrated SQLite file per test, the app on fixture content, a client."""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from app.config import PROJECT_ROOT, Settings
from app.db import make_engine, trace
from app.db.migrate import upgrade
from app.main import create_app
from tests.pg_reuse import ReusedDatabase

FIXTURE_COURSE = Path(__file__).parent / "fixtures" / "course"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
# HR and admin accounts sign in without enrolling a second factor in tests, except in the
# tests of the second factor (tests/auth/second_factor/); refused outside environment "test".
NO_SECOND_FACTOR: dict[str, object] = {
    "environment": "test",
    "second_factor_exempt_for_tests": True,
}


# `ALLYSHIP_TEST_DB=postgresql` runs the suite against the server in ALLYSHIP_TEST_POSTGRES_URL.
ON_POSTGRES = os.environ.get("ALLYSHIP_TEST_DB") == "postgresql"
PG_SERVER_URL = os.environ.get("ALLYSHIP_TEST_POSTGRES_URL", "")
# One template per test process, so suites from several checkouts can share one server.
PG_TEMPLATE = f"allyship_template_{os.getpid()}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if ON_POSTGRES:
        skip = pytest.mark.skip(reason="SQLite-specific (this run is on PostgreSQL)")
        for item in items:
            if "sqlite_only" in item.keywords:
                item.add_marker(skip)


def _pg_admin(statement: str) -> None:
    engine = create_engine(PG_SERVER_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(statement))
    engine.dispose()


def _pg_url(database: str) -> str:
    return make_url(PG_SERVER_URL).set(database=database).render_as_string(hide_password=False)


@contextmanager
def database_at(revision: str, directory: Path) -> Iterator[str]:
    """A new database migrated only to `revision` (to test an upgrade with old rows); dropped after."""
    name = f"t_old_{uuid.uuid4().hex[:12]}"
    url = f"sqlite:///{directory / (name + '.db')}"
    if ON_POSTGRES:
        _pg_admin(f"CREATE DATABASE {name}")
        url = _pg_url(name)
    upgrade(url, revision)
    try:
        yield url
    finally:
        if ON_POSTGRES:
            _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path | str]:
    """Run the real migrations once; each test gets a copy (a file, or a database from a template)."""
    if ON_POSTGRES:
        assert PG_SERVER_URL, "set ALLYSHIP_TEST_POSTGRES_URL (see .ci/postgres.sh)"
        _pg_admin(f"DROP DATABASE IF EXISTS {PG_TEMPLATE} WITH (FORCE)")
        _pg_admin(f"CREATE DATABASE {PG_TEMPLATE}")
        upgrade(_pg_url(PG_TEMPLATE))
        yield PG_TEMPLATE
        _pg_admin(f"DROP DATABASE IF EXISTS {PG_TEMPLATE} WITH (FORCE)")
        return
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    yield path


@pytest.fixture(scope="session")
def reused_pg_database(migrated_db: Path | str) -> Iterator[ReusedDatabase]:
    """PostgreSQL: this process's database, made once from the template (tests/pg_reuse.py)."""
    name = f"allyship_test_{os.getpid()}"

    def make() -> None:
        _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        _pg_admin(f"CREATE DATABASE {name} TEMPLATE {PG_TEMPLATE}")

    make()
    database = ReusedDatabase(_pg_url(name), remake=make)
    yield database
    database.close()
    _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def db_url(
    request: pytest.FixtureRequest, migrated_db: Path | str, tmp_path: Path
) -> Iterator[str]:
    if ON_POSTGRES:
        database: ReusedDatabase = request.getfixturevalue("reused_pg_database")
        yield database.url
        database.reset()
        return
    target = tmp_path / "allyship.db"
    shutil.copy(migrated_db, target)
    yield f"sqlite:///{target}"


@pytest.fixture
def content_dir() -> Path:
    return FIXTURE_COURSE


# The fixture quiz asks its whole two-scenario pool every time, so every retake would wait;
# tests/learning/test_retake_wait.py sets the wait it tests. Apps and servers tests start use it.
NO_RETAKE_WAIT: dict[str, Any] = {"retake_wait_hours": 0}


def as_environment(values: dict[str, Any]) -> dict[str, str]:
    """Settings as the ALLYSHIP_ variables a server started in a subprocess reads."""
    return {f"ALLYSHIP_{name.upper()}": str(value) for name, value in values.items()}


def settings_for(db_url: str, content_dir: Path, **overrides: Any) -> Settings:
    """The settings every test app starts from, with a suite's or a test's own on top."""
    return Settings(
        **NO_RETAKE_WAIT
        | NO_SECOND_FACTOR
        | {
            "database_url": db_url,
            "content_dir": content_dir,
            "secret_key": "test-secret-key-0123456789",
            # Tests deliver with tests.mail.deliver; the sender's own tests start it.
            "outbox_sender": False,
            # Tests run app.events.sender.drain; its own tests start the thread.
            "webhook_sender": False,
            # A CI machine's disk can stall a whole process for seconds; the deadline's own
            # tests (tests/learning/test_write_batches.py) set short ones.
            "write_deadline_seconds": 60.0,
        }
        | overrides
    )


@pytest.fixture
def settings(db_url: str, content_dir: Path) -> Settings:
    return settings_for(db_url, content_dir)


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    """The app with its lifespan running, as `allyship serve` runs it.

    So every test client goes through what production runs: on a SQLite file, the event
    loop's read-only connection and the writer thread (tests/test_production_paths.py).
    """
    application = create_app(settings)
    with TestClient(application):
        yield application
    application.state.engine.dispose()


@pytest.fixture
def session(app: FastAPI) -> Iterator[Session]:
    """Autocommit, so every read in a test sees what the app has committed since."""
    with Session(
        app.state.engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False
    ) as s:
        yield s


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    return TestClient(app, follow_redirects=False)


WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class QueryRecorder:
    """Every SQL statement run while recording, raw or ORM, on any connection (app.db.trace).

    pypi/warehouse's `query_recorder`: `with query_recorder: client.get(...)`, then look at
    `query_recorder.queries`. On SQLite a statement's text carries its bound values.
    """

    def __init__(self) -> None:
        self.queries: list[str] = []
        self._watching: AbstractContextManager[None] | None = None

    def __enter__(self) -> QueryRecorder:
        self.queries = []
        self._watching = trace.watching(self.queries.append)
        self._watching.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._watching is not None:
            self._watching.__exit__(None, None, None)
            self._watching = None

    @property
    def count(self) -> int:
        return len(self.queries)

    @property
    def writes(self) -> list[str]:
        return [q for q in self.queries if q.lstrip().split(" ", 1)[0].upper() in WRITES]


@pytest.fixture
def query_recorder() -> Iterator[QueryRecorder]:
    recorder = QueryRecorder()
    yield recorder
    recorder.__exit__()


def csrf_from(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "page has no csrf_token field"
    return match.group(1)


def login(client: TestClient, email: str, password: str = "correct-horse-battery") -> object:
    page = client.get("/login")
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": csrf_from(page.text)}
    )


def post_form(client: TestClient, url: str, data: dict[str, str], page: str = "/") -> object:
    """POST with the CSRF token taken from `page` (as a browser would)."""
    token = csrf_from(client.get(page).text)
    return client.post(url, data={**data, "csrf_token": token})


@pytest.fixture
def real_content_dir() -> Path:
    return PROJECT_ROOT


__all__ = ["NO_SECOND_FACTOR", "csrf_from", "login", "make_engine", "post_form"]
