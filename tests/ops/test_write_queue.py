"""The in-process write queue in front of BEGIN IMMEDIATE is always handed back."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session

from app.db import make_engine, write_session, writer

pytestmark = pytest.mark.sqlite_only


def _engine(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'queue.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE n (v INTEGER NOT NULL)"))
    return engine


def _write_takes(engine, seconds: float = 2.0) -> float:  # type: ignore[no-untyped-def]
    """How long the next write transaction waits to begin (fails the test if it hangs)."""
    started = time.perf_counter()
    done = threading.Event()

    def write() -> None:
        with writer(engine).begin() as conn:
            conn.execute(text("INSERT INTO n (v) VALUES (1)"))
        done.set()

    threading.Thread(target=write, daemon=True).start()
    assert done.wait(seconds), "a write transaction is still waiting for the queue"
    return time.perf_counter() - started


def test_commit_rollback_close_and_errors_all_release_the_queue(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    with write_session(engine) as session:
        session.execute(text("INSERT INTO n (v) VALUES (1)"))
        session.commit()
    _write_takes(engine)
    with write_session(engine) as session:
        session.execute(text("INSERT INTO n (v) VALUES (2)"))
        session.rollback()
    _write_takes(engine)
    with write_session(engine) as session:  # closed with its transaction still open
        session.execute(text("INSERT INTO n (v) VALUES (3)"))
    _write_takes(engine)
    with pytest.raises(Exception, match="NOT NULL"), write_session(engine) as session:
        session.execute(text("INSERT INTO n (v) VALUES (NULL)"))
    _write_takes(engine)
    with Session(engine) as session:  # readers never queue
        assert session.execute(text("SELECT count(*) FROM n")).scalar() == 5  # 1 + 4 probes
    engine.dispose()


def test_a_second_writer_waits_for_the_first_then_proceeds(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    session = Session(writer(engine))
    session.execute(text("INSERT INTO n (v) VALUES (1)"))  # holds the queue and the lock
    waited: list[float] = []
    thread = threading.Thread(target=lambda: waited.append(_write_takes(engine, 5)))
    thread.start()
    time.sleep(0.3)
    session.commit()
    session.close()
    thread.join(6)
    assert waited and waited[0] >= 0.3
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM n")).scalar() == 2
    engine.dispose()
