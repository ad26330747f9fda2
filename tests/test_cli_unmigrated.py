"""Every `allyship` command on a database that was never migrated: one line, exit status 2.

The commands are found by walking the typer app, so a new command is tried here as soon
as it exists (and fails until it has sample arguments in ARGS). Commands that need no
database (content and settings checks, backups) must still end without a traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from app.cli import app as cli
from app.config import PROJECT_ROOT, get_settings
from app.db.migrate import HEADS
from tests.conftest import ON_POSTGRES, _pg_admin, _pg_url, database_at
from tests.servers import free_port

CSV = "email,name\nana@example.com,Ana Example\n"
# Sample arguments (and stdin) for each command.
ARGS: dict[str, tuple[list[str], str]] = {
    "check": ([], ""),
    "check-deploy": ([], ""),
    "create-user": (
        ["ana@example.com", "--name", "Ana", "--password-stdin"],
        "a long passphrase\n",
    ),
    "demo": ([], ""),
    "serve": (["--port", "{port}"], ""),
    "backup": (["{tmp}/copy.db"], ""),
    "restore": (["{tmp}/missing-backup.db", "--yes"], ""),
    "import-users": (["{tmp}/people.csv", "--dry-run"], ""),
    "remind": (["--dry-run"], ""),
    "send-mail": ([], ""),
    "send-nudges": ([], ""),
    "db upgrade": ([], ""),
    "api-key create": (["hr-system"], ""),
    "api-key list": ([], ""),
    "api-key revoke": (["hr-system"], ""),
    "content status": ([], ""),
    "content release": (["--note", "Module 2 rewritten"], ""),
    "reset-second-factor": (["ana@example.com"], ""),
}
NO_DATABASE = {"check", "check-deploy", "backup", "restore"}
# What each of them does on an empty database with the sample arguments: (exit status, says).
NO_DATABASE_OUTCOMES = {
    "backup": (1, "For PostgreSQL use its own tools") if ON_POSTGRES else (0, "integrity check ok"),
    "check": (0, "OK: "),
    "check-deploy": (1, "ALLYSHIP_SECRET_KEY"),
    "restore": (1, "does not exist"),
}
MIGRATES = "db upgrade"
ALLYSHIP = str(Path(sys.executable).parent / "allyship")


def commands(group: Any, prefix: str = "") -> list[str]:
    found = []
    for name, command in group.commands.items():
        if hasattr(command, "commands"):  # a sub-command group (`db`, `api-key`)
            found += commands(command, f"{prefix}{name} ")
        else:
            found.append(prefix + name)
    return found


COMMANDS = sorted(commands(typer.main.get_command(cli)))


@pytest.fixture
def empty_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A database that exists and has nothing in it (an empty SQLite file, or a new database)."""
    if ON_POSTGRES:
        name = f"t_empty_{uuid.uuid4().hex[:12]}"
        _pg_admin(f"CREATE DATABASE {name}")
        url = _pg_url(name)
    else:
        (tmp_path / "empty.db").touch()
        url = f"sqlite:///{tmp_path / 'empty.db'}"
    monkeypatch.setenv("ALLYSHIP_DATABASE_URL", url)
    monkeypatch.setenv("ALLYSHIP_CONTENT_DIR", str(PROJECT_ROOT))
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()
    if ON_POSTGRES:
        _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def run(command: str, tmp_path: Path) -> Any:
    args, stdin = ARGS[command]
    (tmp_path / "people.csv").write_text(CSV)
    filled = [a.format(tmp=tmp_path, port=free_port()) for a in args]
    return CliRunner().invoke(cli, [*command.split(), *filled], input=stdin)


def test_every_command_has_sample_arguments() -> None:
    assert set(COMMANDS) == set(ARGS)


@pytest.mark.parametrize("command", sorted(set(COMMANDS) - NO_DATABASE - {MIGRATES}))
def test_a_command_on_an_unmigrated_database_says_what_to_run(
    command: str, empty_db: str, tmp_path: Path
) -> None:
    result = run(command, tmp_path)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    shown = make_url(empty_db).render_as_string(hide_password=True)
    assert shown in line and "allyship db upgrade" in line
    assert "Traceback" not in result.stderr and "no such table" not in line


@pytest.mark.parametrize("command", sorted(NO_DATABASE & set(COMMANDS)))
def test_a_command_that_needs_no_database_ends_without_a_traceback(
    command: str, empty_db: str, tmp_path: Path
) -> None:
    result = run(command, tmp_path)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    status, says = NO_DATABASE_OUTCOMES[command]
    assert (result.exit_code, says in result.output) == (status, True), result.output


def test_db_upgrade_migrates_the_empty_database_then_commands_work(
    empty_db: str, tmp_path: Path
) -> None:
    assert run(MIGRATES, tmp_path).exit_code == 0
    listed = run("api-key list", tmp_path)
    assert listed.exit_code == 0 and listed.stderr == ""


def test_an_unreachable_database_is_one_line_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"postgresql+psycopg://allyship:s3cret@127.0.0.1:{free_port()}/nowhere"
    monkeypatch.setenv("ALLYSHIP_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        result = run("api-key list", tmp_path)
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert "s3cret" not in line and "127.0.0.1" in line and "Cannot open the database" in line


def test_db_upgrade_says_which_database_it_migrated_then_that_it_is_up_to_date(
    empty_db: str, tmp_path: Path
) -> None:
    shown = make_url(empty_db).render_as_string(hide_password=True)
    first = run(MIGRATES, tmp_path)
    assert first.stdout == f"Migrated {shown} to {', '.join(sorted(HEADS))}.\n"
    again = run(MIGRATES, tmp_path)
    assert (again.exit_code, again.stdout) == (0, f"{shown} is up to date.\n")


def test_a_failed_upgrade_says_so_with_the_drivers_reason(empty_db: str, tmp_path: Path) -> None:
    engine = create_engine(empty_db)
    with engine.begin() as conn:  # left behind by some other tool: the first migration's table
        conn.execute(text("CREATE TABLE department (id INTEGER PRIMARY KEY)"))
    engine.dispose()
    result = run(MIGRATES, tmp_path)
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    shown = make_url(empty_db).render_as_string(hide_password=True)
    assert line.startswith(f"The upgrade of {shown} failed: ")
    assert "department" in line and "already exists" in line and "not migrated" not in line


def migrated_by_a_newer_release(url: str) -> None:
    """As if a newer release's migration 0099x had followed one of this release's heads."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE alembic_version SET version_num = '0099x' WHERE version_num = :one"),
            {"one": min(HEADS)},
        )
    engine.dispose()


@pytest.mark.parametrize("command", ["serve", MIGRATES])
def test_a_database_a_newer_release_migrated_is_named_as_such(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with database_at("heads", tmp_path) as url:
        migrated_by_a_newer_release(url)
        monkeypatch.setenv("ALLYSHIP_DATABASE_URL", url)
        get_settings.cache_clear()
        try:
            result = run(command, tmp_path)
        finally:
            get_settings.cache_clear()
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.splitlines()
    assert "at revision(s) 0099x that this release does not know" in line
    assert "restore a backup" in line and "allyship db upgrade" not in line


def test_a_newer_release_s_database_stops_the_app_from_starting(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.main import DatabaseNotMigrated, create_app

    with database_at("heads", tmp_path) as url:
        migrated_by_a_newer_release(url)
        app = create_app(Settings(database_url=url, content_dir=PROJECT_ROOT))
        newer = pytest.raises(DatabaseNotMigrated, match="0099x that this release does not know")
        try:
            with newer, TestClient(app):
                pass
        finally:
            app.state.engine.dispose()


def test_a_mistyped_sqlite_directory_is_not_created_but_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only `allyship db upgrade` makes the directory of a new SQLite database."""
    url = f"sqlite:///{tmp_path / 'nope' / 'sub' / 'x.db'}"
    env = {**os.environ, "ALLYSHIP_DATABASE_URL": url, "ALLYSHIP_CONTENT_DIR": str(PROJECT_ROOT)}
    sent = subprocess.run(
        [ALLYSHIP, "send-mail"], env=env, capture_output=True, text=True, timeout=120
    )
    assert sent.returncode == 2
    (line,) = sent.stderr.splitlines()
    assert line.startswith("Cannot open the database") and "unable to open database file" in line
    monkeypatch.setenv("ALLYSHIP_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        backed_up = run("backup", tmp_path)
        assert (backed_up.exit_code, "does not exist" in backed_up.stderr) == (1, True)
        assert not (tmp_path / "nope").exists()
        assert run(MIGRATES, tmp_path).stdout.startswith("Migrated ")
    finally:
        get_settings.cache_clear()
    assert (tmp_path / "nope" / "sub" / "x.db").is_file()


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's privileges")
def test_an_upgrade_without_the_privilege_to_create_tables_says_so(
    empty_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    role = f"t_role_{uuid.uuid4().hex[:12]}"
    _pg_admin(f"CREATE ROLE {role} LOGIN PASSWORD 's3cret'")
    owner = create_engine(empty_db, isolation_level="AUTOCOMMIT")
    with owner.connect() as conn:
        conn.execute(text("REVOKE CREATE ON SCHEMA public FROM PUBLIC"))
    owner.dispose()
    url = make_url(empty_db).set(username=role, password="s3cret")
    monkeypatch.setenv("ALLYSHIP_DATABASE_URL", url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    try:
        result = run(MIGRATES, tmp_path)
    finally:
        get_settings.cache_clear()
        _pg_admin(f"DROP DATABASE IF EXISTS {make_url(empty_db).database} WITH (FORCE)")
        _pg_admin(f"DROP ROLE IF EXISTS {role}")
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"The upgrade of {url.render_as_string(hide_password=True)} failed: ")
    assert "permission denied" in line and "s3cret" not in line
