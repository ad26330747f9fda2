"""Durability under load: 50 learners on two workers, then a worker killed mid-load."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from app.db import session_for
from tests.conftest import CSRF_FIELD, FIXTURE_COURSE
from tests.factories import PASSWORD, make_user
from tests.servers import start_server, stop_server, worker_pids

pytestmark = [pytest.mark.slow, pytest.mark.sqlite_only]
LEARNERS, SUBMISSIONS = 50, 4
ANSWERS = {"answer-standup": "credit", "answer-review": "joke"}
HIDDEN = re.compile(r'name="(quiz_hash|submission_id)" value="([^"]+)"')


def learner_session(
    url: str, email: str, acked: list[int], errors: list[str], stop: threading.Event
) -> None:
    """Sign in, then submit the quiz repeatedly; record acknowledged attempt ids."""
    with httpx.Client(base_url=url, timeout=30, follow_redirects=False) as client:
        try:
            page = client.get("/login")
            token = CSRF_FIELD.search(page.text).group(1)  # type: ignore[union-attr]
            signed = client.post(
                "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
            )
            assert signed.status_code == 303, signed.status_code
        except Exception as exc:  # the worker holding this connection may have been killed
            errors.append(f"login {email}: {exc!r}")
            return
        for _ in range(SUBMISSIONS):
            if stop.is_set():
                return
            try:
                quiz = client.get("/modules/first-steps/quiz")
                fields = dict(HIDDEN.findall(quiz.text))
                fields["csrf_token"] = CSRF_FIELD.search(quiz.text).group(1)  # type: ignore[union-attr]
                response = client.post("/modules/first-steps/quiz", data=fields | ANSWERS)
                if response.status_code == 303 and "/attempts/" in response.headers["location"]:
                    acked.append(int(response.headers["location"].rsplit("/", 1)[1]))
                else:
                    errors.append(f"{email}: HTTP {response.status_code} {response.text[:200]}")
            except httpx.HTTPError as exc:
                errors.append(f"{email}: {exc!r}")


def seeded(db_url: str) -> None:
    with session_for(db_url) as session:
        for i in range(LEARNERS):
            make_user(session, f"load{i}@example.com", name=f"Load {i}")


def stored_attempt_ids(db_path: Path) -> set[int]:
    conn = sqlite3.connect(db_path)
    try:
        return {row[0] for row in conn.execute("SELECT id FROM quizattempt")}
    finally:
        conn.close()


def run_load(url: str, acked: list[int], errors: list[str], stop: threading.Event) -> None:
    with ThreadPoolExecutor(max_workers=LEARNERS) as pool:
        for i in range(LEARNERS):
            pool.submit(learner_session, url, f"load{i}@example.com", acked, errors, stop)


def test_fifty_learners_on_two_workers_lose_nothing(db_url: str) -> None:
    seeded(db_url)
    proc, url = start_server(db_url, workers=2, content_dir=FIXTURE_COURSE)
    acked: list[int] = []
    errors: list[str] = []
    try:
        run_load(url, acked, errors, threading.Event())
    finally:
        stop_server(proc)
    assert errors == []
    assert len(acked) == LEARNERS * SUBMISSIONS
    assert stored_attempt_ids(Path(db_url.removeprefix("sqlite:///"))) == set(acked)


def test_worker_killed_mid_load_keeps_every_acknowledged_attempt(db_url: str) -> None:
    seeded(db_url)
    db_path = Path(db_url.removeprefix("sqlite:///"))
    proc, url = start_server(db_url, workers=2, content_dir=FIXTURE_COURSE)
    acked: list[int] = []
    errors: list[str] = []
    stop = threading.Event()
    try:
        load = threading.Thread(target=run_load, args=(url, acked, errors, stop))
        load.start()
        deadline = time.monotonic() + 20
        while len(acked) < 20 and time.monotonic() < deadline:
            time.sleep(0.02)
        victim = worker_pids(proc)[0]
        os.kill(victim, signal.SIGKILL)
        load.join(timeout=120)
    finally:
        stop_server(proc)
    stored = stored_attempt_ids(db_path)
    assert set(acked) <= stored, f"lost acknowledged attempts: {sorted(set(acked) - stored)}"
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    proc, url = start_server(db_url, workers=1, content_dir=FIXTURE_COURSE)  # restart: all there
    try:
        assert httpx.get(f"{url}/healthz").json()["status"] == "ok"
    finally:
        stop_server(proc)
