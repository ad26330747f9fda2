"""Alembic, driven from code: `allyship db upgrade` and the start-up revision check."""

from __future__ import annotations

from functools import cache

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", "app.db:migrations")
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "heads") -> None:
    command.upgrade(alembic_config(url), revision)


@cache
def _heads() -> frozenset[str]:
    """The revisions' heads, read from the files once per process (tests start many apps)."""
    return frozenset(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def pending(engine: Engine) -> set[str]:
    """Head revisions the database has not reached yet (empty when up to date)."""
    heads = set(_heads())
    with engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    return heads - current


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
