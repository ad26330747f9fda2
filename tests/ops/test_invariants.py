"""Invariants under 20 parallel requests on two workers: one attempt per submission, one certificate."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from app.db import session_for
from tests.conftest import CSRF_FIELD, FIXTURE_COURSE
from tests.factories import PASSWORD, make_user
from tests.servers import start_server, stop_server

pytestmark = [pytest.mark.slow, pytest.mark.sqlite_only]
PARALLEL = 20
HIDDEN = re.compile(r'name="(quiz_hash|submission_id|csrf_token)" value="([^"]+)"')


@contextmanager
def signed_in_client(url: str, email: str) -> Iterator[httpx.Client]:
    # The limit only catches a hang: twenty copies at once on a busy two-core CI machine queue.
    with httpx.Client(base_url=url, timeout=120, follow_redirects=False) as client:
        token = CSRF_FIELD.search(client.get("/login").text).group(1)  # type: ignore[union-attr]
        signed = client.post(
            "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
        )
        assert signed.status_code == 303
        yield client


def count(db: Path, sql: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute(sql).fetchone()[0])
    finally:
        conn.close()


@pytest.fixture
def server(db_url: str):  # type: ignore[no-untyped-def]
    with session_for(db_url) as session:
        make_user(session, "ana@example.com")
    proc, url = start_server(db_url, workers=2, content_dir=FIXTURE_COURSE)
    yield url, Path(db_url.removeprefix("sqlite:///"))
    stop_server(proc)


def test_twenty_parallel_copies_of_one_submission_store_one_attempt(server) -> None:  # type: ignore[no-untyped-def]
    url, db = server
    with signed_in_client(url, "ana@example.com") as first:
        fields = dict(HIDDEN.findall(first.get("/modules/first-steps/quiz").text))
    answers = {"answer-standup": "credit", "answer-review": "finish"}

    def post(_: int) -> httpx.Response:
        with signed_in_client(url, "ana@example.com") as client:
            token = CSRF_FIELD.search(client.get("/modules/first-steps/quiz").text).group(1)  # type: ignore[union-attr]
            return client.post(
                "/modules/first-steps/quiz", data=fields | answers | {"csrf_token": token}
            )

    with ThreadPoolExecutor(PARALLEL) as pool:
        responses = list(pool.map(post, range(PARALLEL)))
    assert {r.status_code for r in responses} == {303}
    assert len({r.headers["location"] for r in responses}) == 1
    assert count(db, "SELECT count(*) FROM quizattempt") == 1
    assert count(db, "SELECT count(*) FROM attemptanswer") == 2


def test_twenty_parallel_passing_submissions_give_one_completion_and_one_certificate(
    server,
) -> None:  # type: ignore[no-untyped-def]
    url, db = server
    with signed_in_client(url, "ana@example.com") as client:
        for module in ("first-steps", "second-steps"):
            token = CSRF_FIELD.search(client.get(f"/modules/{module}").text).group(1)  # type: ignore[union-attr]
            assert (
                client.post(f"/modules/{module}/read", data={"csrf_token": token}).status_code
                == 303
            )
        first = dict(HIDDEN.findall(client.get("/modules/first-steps/quiz").text))
        answers = {"answer-standup": "credit", "answer-review": "finish"}
        assert client.post("/modules/first-steps/quiz", data=first | answers).status_code == 303

    def post(_: int) -> httpx.Response:
        with signed_in_client(url, "ana@example.com") as c:
            fields = dict(
                HIDDEN.findall(c.get("/modules/second-steps/quiz").text)
            )  # own submission id
            return c.post(
                "/modules/second-steps/quiz", data=fields | {"answer-quiet-colleague": "invite"}
            )

    with ThreadPoolExecutor(PARALLEL) as pool:
        responses = list(pool.map(post, range(PARALLEL)))
    assert {r.status_code for r in responses} == {303}
    # Two pages fetched before either was submitted show the same open draw, and a second
    # submission of a draw is answered with the first one's attempt: every acknowledged
    # submission has its attempt stored, and no attempt is stored twice.
    shown = {r.headers["location"] for r in responses}
    stored = count(db, "SELECT count(*) FROM quizattempt WHERE module_id = 'second-steps'")
    assert stored == len(shown) >= 1
    assert count(db, "SELECT count(*) FROM completion") == 2
    assert count(db, "SELECT count(*) FROM certificate") == 1
