"""The `allyship` command: create-user, demo (empty database only), db upgrade."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import func, select
from typer.testing import CliRunner

from app.cli import app as cli
from app.config import PROJECT_ROOT, get_settings
from app.db import session_for
from app.models import Certificate, QuizAttempt, User
from app.security import verify_password


@pytest.fixture
def env(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("ALLYSHIP_DATABASE_URL", db_url)
    monkeypatch.setenv("ALLYSHIP_CONTENT_DIR", str(PROJECT_ROOT))
    get_settings.cache_clear()
    yield db_url
    get_settings.cache_clear()


def test_create_user_reads_password_from_stdin(env: str) -> None:
    result = CliRunner().invoke(
        cli,
        ["create-user", "Sam@Example.com", "--name", "Sam Lee", "--role", "hr", "--password-stdin"],
        input="a long enough passphrase\n",
    )
    assert result.exit_code == 0, result.output
    with session_for(env) as session:
        user = session.exec(select(User)).one()
    assert (user.email, user.role) == ("sam@example.com", "hr")
    assert verify_password("a long enough passphrase", user.password_hash)


def test_create_user_refuses_bad_role_weak_password_and_duplicates(env: str) -> None:
    runner = CliRunner()
    bad_role = runner.invoke(
        cli,
        ["create-user", "a@b.c", "--name", "A", "--role", "boss", "--password-stdin"],
        input="x" * 12,
    )
    assert bad_role.exit_code == 2 and "Unknown role" in bad_role.output
    weak = runner.invoke(
        cli, ["create-user", "a@b.c", "--name", "A", "--password-stdin"], input="password123\n"
    )
    assert weak.exit_code == 2 and "Password refused" in weak.output
    ok = runner.invoke(
        cli,
        ["create-user", "a@b.c", "--name", "A", "--password-stdin"],
        input="a long passphrase\n",
    )
    assert ok.exit_code == 0
    again = runner.invoke(
        cli,
        ["create-user", "A@b.c", "--name", "A", "--password-stdin"],
        input="a long passphrase\n",
    )
    assert again.exit_code == 2 and "already exists" in again.output


def test_demo_loads_an_empty_database_and_refuses_a_second_time(env: str) -> None:
    runner = CliRunner()
    first = runner.invoke(cli, ["demo"])
    assert first.exit_code == 0, first.output
    assert "learner@example.com" in first.output and "allyship-demo" in first.output
    assert "manager1@example.com" in first.output  # README's demo table lists it too
    with session_for(env) as session:
        assert session.exec(select(func.count()).select_from(User)).one() >= 64
        assert session.exec(select(func.count()).select_from(QuizAttempt)).one() > 60
        assert session.exec(select(func.count()).select_from(Certificate)).one() >= 1
        dates = session.exec(
            select(func.min(QuizAttempt.submitted_at), func.max(QuizAttempt.submitted_at))
        ).one()
    assert (dates[1] - dates[0]).days >= 30  # spread over weeks, not one instant
    second = runner.invoke(cli, ["demo"])
    assert second.exit_code == 1 and "already has accounts" in second.output
    assert runner.invoke(cli, ["demo", "--if-empty"]).exit_code == 0
