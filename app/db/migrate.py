"""Alembic, driven from code: `allyship db upgrade` and the start-up revision check.

The start-up check needs only the revisions this code expects, `HEADS`, and the ones the
database records in `alembic_version`: it reads that table with plain SQL, so a server
never imports Alembic or reads the migration files to start (about 0.2 s of each worker's
start, bench/NOTES.md). `tests/test_migrations.py` checks `HEADS` against the files.
"""

from __future__ import annotations

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


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "app.db:migrations")
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "heads") -> None:
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def pending(engine: Engine) -> set[str]:
    """Head revisions the database has not reached yet (empty when up to date)."""
    with engine.connect() as conn:
        if not has_table(conn, VERSION_TABLE):
            return set(HEADS)
        current = {row[0] for row in conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))}
    return set(HEADS) - current


def not_ready(url: str) -> str | None:
    """One line saying why the database cannot be used yet and what to run; None if it can."""
    shown = make_url(url).render_as_string(hide_password=True)
    engine = create_engine(url)
    try:
        missing = pending(engine)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return f"Cannot open the database {shown} ({reason}); check ALLYSHIP_DATABASE_URL."
    finally:
        engine.dispose()
    if missing:
        return (
            f"The database {shown} is not migrated (missing {', '.join(sorted(missing))}); "
            "run `allyship db upgrade` first."
        )
    return None
