"""Consistent SQLite backups of a live database, and restores, each checked for integrity.

The copy is taken with SQLite's online backup API in one step (pages=-1): an incremental
backup restarts whenever another process writes and may never finish on a busy server.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    pass


def sqlite_path(database_url: str) -> Path:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise BackupError(
            "Backups here are for SQLite files. For PostgreSQL use its own tools: "
            "`pg_dump -Fc -f allyship.dump DBNAME` and `pg_restore --clean -d DBNAME allyship.dump`."
        )
    return Path(url.database)


def integrity(path: Path) -> str:
    """`PRAGMA integrity_check` of a database file ('ok' when sound)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        return f"not a readable SQLite database ({exc})"
    finally:
        conn.close()


def backup(database_url: str, destination: Path) -> int:
    """Copy the live database to `destination`; return its size in bytes."""
    source = sqlite_path(database_url)
    if not source.exists():
        raise BackupError(f"{source} does not exist; nothing to back up.")
    if destination.exists():
        raise BackupError(f"{destination} already exists; choose a new file name.")
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(partial)
    try:
        src.execute("PRAGMA busy_timeout=30000")
        src.backup(dst, pages=-1)
    finally:
        dst.close()
        src.close()
    if (result := integrity(partial)) != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError(f"the copy failed its integrity check: {result}")
    partial.rename(destination)
    return destination.stat().st_size


def restore(backup_file: Path, database_url: str) -> None:
    """Replace the database's contents with a checked backup (stop the server first)."""
    if not backup_file.exists():
        raise BackupError(f"{backup_file} does not exist.")
    if (result := integrity(backup_file)) != "ok":
        raise BackupError(
            f"{backup_file} failed its integrity check ({result}); it was not restored."
        )
    target = sqlite_path(database_url)
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    dst = sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst, pages=-1)
    finally:
        dst.close()
        src.close()
    if (result := integrity(target)) != "ok":
        raise BackupError(f"the restored database failed its integrity check: {result}")
