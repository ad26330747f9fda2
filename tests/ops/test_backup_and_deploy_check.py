"""`allyship backup` / `restore` on a live database, and `allyship check-deploy`."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from app.config import Settings
from app.db import make_engine, writer
from app.ops.backup import BackupError, backup, integrity, restore
from app.ops.deploy_check import deploy_problems, filesystem_of


@pytest.mark.sqlite_only
def test_backup_of_a_database_being_written_is_consistent_and_restores(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT)"))
        conn.execute(text("INSERT INTO t (payload) VALUES ('first')"))
    stop = threading.Event()

    def keep_writing() -> None:
        while not stop.is_set():
            with writer(engine).begin() as conn:
                conn.execute(text("INSERT INTO t (payload) VALUES (:p)"), {"p": "x" * 200})

    writer_thread = threading.Thread(target=keep_writing)
    writer_thread.start()
    try:
        copy = tmp_path / "copy.db"
        assert backup(url, copy) > 0
    finally:
        stop.set()
        writer_thread.join()
    assert integrity(copy) == "ok"
    with engine.connect() as conn:
        rows_at_end = conn.execute(text("SELECT count(*) FROM t")).scalar_one()
    engine.dispose()

    restored_url = f"sqlite:///{tmp_path / 'restored.db'}"
    restore(copy, restored_url)
    check = make_engine(restored_url)
    with check.connect() as conn:
        restored_rows = conn.execute(text("SELECT count(*) FROM t")).scalar_one()
    check.dispose()
    assert 0 < restored_rows <= rows_at_end


@pytest.mark.sqlite_only
def test_backup_refuses_to_overwrite_and_restore_refuses_a_corrupt_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.db'}"
    make_engine(url).dispose()
    with make_engine(url).begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    existing = tmp_path / "exists.db"
    existing.write_bytes(b"")
    with pytest.raises(BackupError, match="already exists"):
        backup(url, existing)
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    with pytest.raises(BackupError):
        restore(corrupt, url)


def test_backup_on_postgresql_names_its_own_tools() -> None:
    with pytest.raises(BackupError, match="pg_dump"):
        backup("postgresql+psycopg://u@h/db", Path("/tmp/x"))


def test_check_deploy_flags_unsafe_settings(tmp_path: Path) -> None:
    unsafe = Settings(
        debug=True,
        base_url="https://learn.example.org",
        https=False,
        database_url=f"sqlite:///{tmp_path}/a.db",
    )
    problems = "\n".join(deploy_problems(unsafe))
    for expected in ("debug is on", "secret key", "not 'production'", "not marked Secure"):
        assert expected in problems


def test_check_deploy_passes_safe_settings(tmp_path: Path) -> None:
    safe = Settings(
        environment="production",
        secret_key="s" * 48,
        https=True,
        base_url="https://learn.example.org",
        database_url=f"sqlite:///{tmp_path}/a.db",
    )
    assert deploy_problems(safe) == []


def test_check_deploy_flags_sqlite_on_a_network_filesystem(tmp_path: Path) -> None:
    mounts = tmp_path / "mounts"
    mounts.write_text(f"/dev/vda / ext4 rw 0 0\nserver:/share {tmp_path}/nfs nfs4 rw 0 0\n")
    (tmp_path / "nfs").mkdir()
    assert filesystem_of(tmp_path / "nfs", mounts) == "nfs4"
    settings = Settings(
        environment="production",
        secret_key="s" * 48,
        base_url="http://x",
        database_url=f"sqlite:///{tmp_path}/nfs/a.db",
    )
    assert any("network file system" in p for p in deploy_problems(settings, mounts))
