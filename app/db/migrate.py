"""Alembic, driven from code: `allyship db upgrade` and the start-up revision check.

The start-up check needs only the revisions this code expects, `HEADS`, and the ones the
database records in `alembic_version`: it reads that table with plain SQL, so a server
never imports Alembic or reads the migration files to start (about 0.2 s of each worker's
start, bench/NOTES.md). `tests/test_migrations.py` checks `HEADS` against the files.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from app.db.sql import has_table

if TYPE_CHECKING:
    from alembic.config import Config

# The head revisions of app/db/migrations/versions: a new migration replaces its
# down_revision here with its own revision (a test says so when they differ).
HEADS = frozenset({"0011a", "0011t"})
VERSION_TABLE = "alembic_version"
# Each migration's file name starts with its revision id and "_" (a test checks it).
VERSIONS_DIR = Path(__file__).parent / "migrations" / "versions"


class UpgradeFailed(Exception):
    """`allyship db upgrade` could not run; the message is the one line to show."""


def shown(url: str) -> str:
    """The URL as commands show it: the password masked."""
    return make_url(url).render_as_string(hide_password=True)


def known_revisions() -> set[str]:
    """Every revision id this release has a migration for (from the file names alone)."""
    return {path.name.split("_", 1)[0] for path in VERSIONS_DIR.glob("*_*.py")}


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "app.db:migrations")
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "heads") -> None:
    from alembic import command

    _make_sqlite_directory(url)
    command.upgrade(alembic_config(url), revision)


def migrate(url: str) -> str:
    """`allyship db upgrade`: apply what is pending and say so in one line, or raise
    UpgradeFailed with the one line that says why not."""
    _make_sqlite_directory(url)
    engine = create_engine(url)
    try:
        missing, newer = revision_gaps(engine)
        if newer:
            raise UpgradeFailed(newer_release(shown(url), newer))
        if missing:
            upgrade(url)
    except (SQLAlchemyError, OSError) as exc:
        raise UpgradeFailed(f"The upgrade of {shown(url)} failed: {_first_line(exc)}") from exc
    finally:
        engine.dispose()
    if not missing:
        return f"{shown(url)} is up to date."
    return f"Migrated {shown(url)} to {', '.join(sorted(HEADS))}."


def _make_sqlite_directory(url: str) -> None:
    """Only the upgrade creates a SQLite file's directory: any other command on a mistyped
    path says it cannot open it, rather than starting an empty database there."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(str(parsed.database)).parent.mkdir(parents=True, exist_ok=True)


def _revisions(engine: Engine) -> set[str] | None:
    """The revisions the database records (None before its first migration)."""
    with engine.connect() as conn:
        if not has_table(conn, VERSION_TABLE):
            return None
        return {row[0] for row in conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))}


def revision_gaps(engine: Engine) -> tuple[set[str], set[str]]:
    """From one read of `alembic_version`: the heads the database has not reached yet, and
    the revisions it is at that this release has no migration for (a newer release migrated
    it; the migration files are listed only when the database is not at HEADS)."""
    current = _revisions(engine) or set()
    extra = current - HEADS
    return set(HEADS) - current, (extra - known_revisions() if extra else set())


def pending(engine: Engine) -> set[str]:
    """Head revisions the database has not reached yet (empty when up to date)."""
    return revision_gaps(engine)[0]


def newer_release(shown_url: str, revisions: set[str]) -> str:
    return (
        f"The database {shown_url} is at revision(s) {', '.join(sorted(revisions))} that this "
        "release does not know (migrated by a newer release): run that release or restore a backup."
    )


def _first_line(exc: BaseException) -> str:
    lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def not_ready(url: str) -> str | None:
    """One line saying why the database cannot be used yet and what to run; None if it can."""
    engine = create_engine(url)
    try:
        missing, newer = revision_gaps(engine)
    except SQLAlchemyError as exc:
        return (
            f"Cannot open the database {shown(url)} ({_first_line(exc)}); "
            "check ALLYSHIP_DATABASE_URL."
        )
    finally:
        engine.dispose()
    if newer:
        return newer_release(shown(url), newer)
    if missing:
        return (
            f"The database {shown(url)} is not migrated (missing {', '.join(sorted(missing))}); "
            "run `allyship db upgrade` first."
        )
    return None
