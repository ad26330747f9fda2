"""Migrations match the models, give the same schema on SQLite and PostgreSQL, and keep data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlmodel import SQLModel

import app.models  # noqa: F401
from app.db import make_engine
from app.db.migrate import HEADS, alembic_config, known_revisions, pending, upgrade
from tests.conftest import ON_POSTGRES, PG_SERVER_URL, database_at


def schema_of(engine: Engine) -> dict[str, Any]:
    """Tables, columns (name, nullable), unique constraints and indexes, comparable across databases."""
    inspector = inspect(engine)
    out: dict[str, Any] = {}
    for table in sorted(inspector.get_table_names()):
        if table == "alembic_version":
            continue
        unique = sorted(
            tuple(sorted(u["column_names"])) for u in inspector.get_unique_constraints(table)
        )
        # PostgreSQL also lists the index behind each unique constraint; SQLite does not.
        indexes = [
            (tuple(i["column_names"]), bool(i["unique"]))
            for i in inspector.get_indexes(table)
            if not (i["unique"] and tuple(sorted(i["column_names"])) in unique)
        ]
        out[table] = {
            "columns": sorted(
                (c["name"], bool(c["nullable"])) for c in inspector.get_columns(table)
            ),
            "unique": unique,
            "indexes": sorted(indexes),
            "foreign_keys": sorted(
                (tuple(f["constrained_columns"]), f["referred_table"])
                for f in inspector.get_foreign_keys(table)
            ),
        }
    return out


def test_the_heads_the_server_expects_are_the_migrations_heads() -> None:
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())
    assert set(HEADS) == heads, f"set HEADS in app/db/migrate.py to {sorted(heads)}"


def test_each_migration_file_name_starts_with_its_revision_id() -> None:
    """The start-up check tells a newer release's revision from the file names alone."""
    from alembic.script import ScriptDirectory

    scripts = list(ScriptDirectory.from_config(alembic_config("sqlite://")).walk_revisions())
    for script in scripts:
        assert Path(script.path).name.startswith(f"{script.revision}_"), script.path
    assert known_revisions() == {script.revision for script in scripts}


def test_pending_names_every_head_until_the_upgrade(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    engine = make_engine(url)
    try:
        assert pending(engine) == set(HEADS)
        upgrade(url)
        assert pending(engine) == set()
        one_head = min(HEADS)
        with engine.begin() as conn:  # as if one branch's newest migration were missing
            conn.execute(
                text("DELETE FROM alembic_version WHERE version_num <> :one"), {"one": one_head}
            )
        assert pending(engine) == set(HEADS) - {one_head}
    finally:
        engine.dispose()


def test_migrations_match_the_models(db_url: str) -> None:
    engine = make_engine(db_url)
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    engine.dispose()
    assert diffs == [], "run a new migration: models and migrations differ"


@pytest.mark.skipif(not ON_POSTGRES or not PG_SERVER_URL, reason="needs the PostgreSQL run")
def test_sqlite_and_postgresql_get_the_same_schema(db_url: str, tmp_path: Path) -> None:
    sqlite_url = f"sqlite:///{tmp_path / 'compare.db'}"
    upgrade(sqlite_url)
    lite, pg = make_engine(sqlite_url), make_engine(db_url)
    try:
        assert schema_of(lite) == schema_of(pg)
    finally:
        lite.dispose()
        pg.dispose()


def after_upgrade(revision: str, directory: Path, rows: list[str], reads: list[str]) -> list[Any]:
    """Each read's rows, after `rows` were inserted at `revision` and the database upgraded."""
    with database_at(revision, directory) as url:
        engine = make_engine(url)
        with engine.begin() as conn:
            for statement in rows:
                conn.execute(text(statement))
        engine.dispose()
        upgrade(url)
        engine = make_engine(url)
        with engine.connect() as conn:
            found = [[tuple(r) for r in conn.execute(text(read)).all()] for read in reads]
        engine.dispose()
        return found


def test_upgrade_from_the_first_release_keeps_data(tmp_path: Path) -> None:
    rows = [
        "INSERT INTO department (id, name, created_at) "
        "VALUES (1, 'Sales', '2026-01-01 00:00:00+00:00');",
        'INSERT INTO "user" (id, email, name, role, department_id, active, created_at) '
        "VALUES (1, 'old@example.com', 'Old Timer', 'learner', 1, true, "
        "'2026-01-01 00:00:00+00:00')",
        "INSERT INTO quizattempt (id, user_id, module_id, submission_id, quiz_hash, "
        "submitted_at, score, max_score, percent, pass_mark, passed) VALUES "
        "(1, 1, 'why-allies-matter', 's1', 'h', '2026-01-02 00:00:00+00:00', "
        "10, 12, 83, 80, true)",
    ]
    reads = ['SELECT email FROM "user"', "SELECT percent FROM quizattempt"]
    assert after_upgrade("0001", tmp_path, rows, reads) == [[("old@example.com",)], [(83,)]]


def test_upgrade_keeps_an_edited_recertification_text_as_the_expiring_stages(
    tmp_path: Path,
) -> None:
    """0009b: the single recertification text became two (one per stage); an edit is kept."""
    edited = (
        "INSERT INTO mailtext (kind, subject, body, custom, version, updated_at) "
        "VALUES ('recertification', '{organisation}: renew', '{link}', true, 3, "
        "'2026-12-01 00:00:00+00:00')"
    )
    found = after_upgrade(
        "0008b", tmp_path, [edited], ["SELECT kind, subject, version FROM mailtext"]
    )
    assert found == [[("recert-expiring", "{organisation}: renew", 3)]]
