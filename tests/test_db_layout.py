"""The data package is the one place that knows SQLite from PostgreSQL, and the only one."""

from __future__ import annotations

import re
from pathlib import Path

from app.config import PROJECT_ROOT
from app.db.migrate import alembic_config

APP = PROJECT_ROOT / "app"
# Building SQL per database: a dialect's own insert, or asking which database this is.
DIALECT = re.compile(r"sqlalchemy\.dialects|dialect\.name|get_backend_name\(\)|pg_advisory")
# Files that may still tell the two apart for reasons other than building statements:
# backups copy the SQLite file, the deploy check looks at where it lives.
NOT_STATEMENTS = {"app/ops/backup.py", "app/ops/deploy_check.py"}


def _python_files() -> list[Path]:
    return sorted(APP.rglob("*.py"))


def test_only_the_data_package_builds_sql_per_database() -> None:
    found = [
        f"{path.relative_to(PROJECT_ROOT)}:{n}: {line.strip()}"
        for path in _python_files()
        if not path.is_relative_to(APP / "db")
        and str(path.relative_to(PROJECT_ROOT)) not in NOT_STATEMENTS
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if DIALECT.search(line)
    ]
    assert found == []


def test_the_dialect_check_would_see_the_old_switches() -> None:
    old = 'dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite'
    assert DIALECT.search(old) and DIALECT.search("from sqlalchemy.dialects import postgresql")


def test_nothing_is_left_at_the_old_paths() -> None:
    old = ["db.py", "rawsql.py", "write_batches.py", "migrate.py", "migrations", "hr/dbutil.py"]
    assert [name for name in old if (APP / name).exists()] == []


def test_migrations_are_found_in_the_data_package() -> None:
    location = alembic_config("sqlite://").get_main_option("script_location")
    assert location == "app.db:migrations"
    versions = sorted(p.name for p in (APP / "db" / "migrations" / "versions").glob("0*.py"))
    assert versions[0].startswith("0001_") and len(versions) >= 10
