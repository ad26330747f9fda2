"""Bad settings and bad arguments: every `allyship` command says in one line per problem
what to fix (exit status 2), never with a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import app as cli
from app.config import PROJECT_ROOT, get_settings
from tests.test_cli_unmigrated import COMMANDS, run

ALLYSHIP = str(Path(sys.executable).parent / "allyship")

# (variable, value, what the line says it must be)
BAD_SETTINGS = [
    ("ALLYSHIP_DATABASE_POOL_SIZE", "abc", "must be a whole number from 1 to 500"),
    ("ALLYSHIP_DATABASE_POOL_SIZE", "0", "must be a whole number from 1 to 500"),
    ("ALLYSHIP_DATABASE_POOL_SIZE", "-1", "must be a whole number from 1 to 500"),
    ("ALLYSHIP_DATABASE_POOL_SIZE", "1.5", "must be a whole number from 1 to 500"),
    ("ALLYSHIP_DATABASE_POOL_SIZE", "1000000", "must be a whole number from 1 to 500"),
    ("ALLYSHIP_DATABASE_POOL_SIZE", "", "must be a whole number from 1 to 500"),
    ("ALLYSHIP_PORT", "abc", "must be a whole number from 1 to 65535"),
    ("ALLYSHIP_WRITE_DEADLINE_SECONDS", "-5", "must be a number above 0 and at most 300"),
    ("ALLYSHIP_LIVE_STREAMS_PER_WORKER", "0", "must be a whole number of at least 1"),
    ("ALLYSHIP_DEBUG", "maybe", "must be true or false"),
    ("ALLYSHIP_DATABASE_URL", "garbage", "not a SQLite (sqlite:///"),
    ("ALLYSHIP_DATABASE_URL", "mysql://x@y/z", "or PostgreSQL (postgresql+psycopg://"),
]


def allyship(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The real command, as an operator runs it (with `env` on top of this environment)."""
    return subprocess.run(
        [ALLYSHIP, *args],
        env={**os.environ, "ALLYSHIP_CONTENT_DIR": str(PROJECT_ROOT), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def clean_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.parametrize(("variable", "value", "says"), BAD_SETTINGS)
def test_a_bad_setting_is_one_line_naming_it_what_it_must_be_and_its_value(
    variable: str, value: str, says: str
) -> None:
    result = allyship("check", **{variable: value})
    assert (result.returncode, result.stdout) == (2, ""), result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"{variable}: ") and says in line and f"(got {value!r})." in line


def test_each_bad_setting_gets_its_own_line() -> None:
    result = allyship("db", "upgrade", ALLYSHIP_PORT="abc", ALLYSHIP_WRITE_DEADLINE_SECONDS="-5")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert [line.split(":")[0] for line in result.stderr.splitlines()] == [
        "ALLYSHIP_PORT",
        "ALLYSHIP_WRITE_DEADLINE_SECONDS",
    ]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_reports_a_bad_setting_in_one_line(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_settings: None
) -> None:
    monkeypatch.setenv("ALLYSHIP_DATABASE_POOL_SIZE", "abc")
    result = run(command, tmp_path)
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        "ALLYSHIP_DATABASE_POOL_SIZE: must be a whole number from 1 to 500 (got 'abc')."
    ]


@pytest.mark.parametrize("command", [["db", "upgrade"], ["serve"]])
def test_a_database_url_that_is_neither_sqlite_nor_postgresql_is_one_line_without_its_password(
    command: list[str], monkeypatch: pytest.MonkeyPatch, clean_settings: None
) -> None:
    monkeypatch.setenv("ALLYSHIP_DATABASE_URL", "mysql://allyship:s3cret@db.internal/allyship")
    result = CliRunner().invoke(cli, command)
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith("ALLYSHIP_DATABASE_URL: not a SQLite")
    assert "postgresql+psycopg://" in line and "db.internal" in line and "s3cret" not in line


def test_a_rule_across_settings_is_one_line_too(
    monkeypatch: pytest.MonkeyPatch, clean_settings: None
) -> None:
    monkeypatch.setenv("ALLYSHIP_ENVIRONMENT", "production")
    monkeypatch.setenv("ALLYSHIP_BASE_URL", "https://learn.example.org")
    monkeypatch.delenv("ALLYSHIP_SECRET_KEY", raising=False)
    result = CliRunner().invoke(cli, ["check-deploy"])
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith("ALLYSHIP_SECRET_KEY is still the development default")


@pytest.mark.parametrize(
    ("option", "says"),
    [
        (["--port", "99999"], "--port"),
        (["--port", "0"], "--port"),
        (["--workers", "0"], "--workers"),
        (["--workers", "-1"], "--workers"),
    ],
)
def test_serve_refuses_a_port_or_worker_count_out_of_range(option: list[str], says: str) -> None:
    result = CliRunner().invoke(cli, ["serve", *option])
    assert result.exit_code == 2 and says in result.output and "Invalid value" in result.output
