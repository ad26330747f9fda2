"""Sign-in holds no write transaction while argon2 runs, so other writers never wait on it.

Before, POST /login began its transaction with BEGIN IMMEDIATE (SQLite) and kept it open
while the password was hashed: eight clients signing in took quiz submissions from 3 ms to
267 ms median (issue 13). Here a real server signs four people in at once while this test
writes to the same database; on PostgreSQL it also watches for a transaction left open.
"""

from __future__ import annotations

import statistics
import threading
import time

import httpx
import pytest
from sqlalchemy import text, update
from sqlmodel import col

from app.db import make_engine, session_for, write_session
from app.models import User
from app.security import hash_password
from tests.conftest import CSRF_FIELD, FIXTURE_COURSE, ON_POSTGRES
from tests.factories import PASSWORD, make_user
from tests.servers import start_server, stop_server

pytestmark = pytest.mark.slow
SIGN_INS = 4


def _sign_in(url: str, email: str, ready: threading.Barrier, statuses: list[int]) -> None:
    with httpx.Client(base_url=url, timeout=60) as client:
        token = CSRF_FIELD.search(client.get("/login").text).group(1)  # type: ignore[union-attr]
        ready.wait()
        data = {"email": email, "password": PASSWORD, "csrf_token": token}
        statuses.append(client.post("/login", data=data).status_code)


def test_a_writer_is_not_blocked_while_four_sign_ins_hash(db_url: str) -> None:
    with session_for(db_url) as session:
        people = [make_user(session, f"p{n}@example.com").id for n in range(SIGN_INS + 1)]
        # The app's own (slow) hash, not the test accounts' light one: the point is the wait.
        strong = hash_password(PASSWORD)
        session.exec(update(User).values(password_hash=strong))
        session.commit()
    proc, url = start_server(db_url, content_dir=FIXTURE_COURSE)
    engine = make_engine(db_url)
    try:
        ready = threading.Barrier(SIGN_INS + 1)
        statuses: list[int] = []
        threads = [
            threading.Thread(target=_sign_in, args=(url, f"p{n}@example.com", ready, statuses))
            for n in range(SIGN_INS)
        ]
        for thread in threads:
            thread.start()
        ready.wait()
        time.sleep(0.05)  # the sign-ins are reading and hashing now
        writes_ms: list[float] = []
        long_open: list[str] = []
        while any(thread.is_alive() for thread in threads):
            started = time.perf_counter()
            with write_session(engine) as session:
                session.exec(
                    update(User).where(col(User.id) == people[-1]).values(name=f"W {started}")
                )
                session.commit()
            writes_ms.append((time.perf_counter() - started) * 1000)
            if ON_POSTGRES:
                # A hash takes 150 ms or more here; 300 ms leaves room for a busy machine's
                # scheduling without letting a transaction held across a hash go unseen.
                long_open += _transactions_open_over(engine, milliseconds=300)
            time.sleep(0.005)
        for thread in threads:
            thread.join()
    finally:
        engine.dispose()
        stop_server(proc)
    assert statuses == [303] * SIGN_INS
    assert statistics.median(writes_ms) < 100, f"writes waited: {sorted(writes_ms)}"
    assert len(writes_ms) >= 3, "the sign-ins ended before the writes could overlap them"
    assert long_open == [], f"transactions held open during sign-in: {long_open}"


def _transactions_open_over(engine: object, *, milliseconds: int) -> list[str]:
    """Other connections idle inside a transaction for longer than `milliseconds`."""
    query = text(
        "SELECT state || ': ' || coalesce(query, '') FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        " AND state LIKE 'idle in transaction%'"
        " AND now() - xact_start > make_interval(secs => :seconds)"
    )
    with engine.connect() as conn:  # type: ignore[attr-defined]
        return [row[0] for row in conn.execute(query, {"seconds": milliseconds / 1000})]
