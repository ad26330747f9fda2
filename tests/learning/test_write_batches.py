"""Group commit (app/db/group_commit.py): shared transactions, isolated failures, nothing lost, no hangs."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, text
from sqlmodel import Session, select

from app.config import Settings
from app.content.catalog import Catalog
from app.db import WriteBatches, WriterClosed, WriteTimedOut, make_engine
from app.learning import attempts
from app.learning.attempts import SubmittedAttempt
from app.main import create_app
from app.models import AttemptAnswer, QuizAttempt, User
from tests.conftest import login
from tests.factories import make_user
from tests.learning.test_learner_journey import quiz_form

ANSWERS = {"standup": "credit", "review": "finish"}
Result = TypeVar("Result")


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def batches(engine: Engine) -> Iterator[WriteBatches]:
    writer = WriteBatches(engine)
    yield writer
    writer.close()


def _store(catalog: Catalog, user: User, submission_id: str) -> Callable[[Session], Any]:
    scored = attempts.score_attempt(
        catalog, user=user, module_id="first-steps", answers=ANSWERS, submission_id=submission_id
    )
    return lambda session: attempts.store_attempt(session, catalog, scored)


def _run(main: Callable[[], Coroutine[Any, Any, Result]]) -> Result:
    """asyncio.run in a thread of its own: the browser tests keep a loop running in this one."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(lambda: asyncio.run(main())).result()


def _run_all(batches: WriteBatches, writes: list[Callable[[Session], Any]]) -> list[Any]:
    async def submit_all() -> list[Any]:
        tasks = [batches.submit(write) for write in writes]
        return await asyncio.gather(*tasks, return_exceptions=True)

    return _run(submit_all)


def _commits(engine: Engine) -> list[int]:
    count = [0]
    event.listen(engine, "commit", lambda _conn: count.__setitem__(0, count[0] + 1))
    return count


def test_concurrent_submissions_share_transactions_and_all_are_stored(
    app: FastAPI, session: Session, engine: Engine, batches: WriteBatches
) -> None:
    user = make_user(session)
    commits = _commits(engine)
    writes = [_store(app.state.catalog, user, f"sub-{n}") for n in range(40)]
    results = _run_all(batches, writes)
    assert all(isinstance(r, SubmittedAttempt) for r in results)
    assert len({r.attempt.id for r in results}) == 40
    stored = session.exec(select(QuizAttempt).where(QuizAttempt.user_id == user.id)).all()
    assert sorted(a.submission_id for a in stored) == sorted(f"sub-{n}" for n in range(40))
    assert len(session.exec(select(AttemptAnswer)).all()) == 40 * len(ANSWERS)
    assert commits[0] < 20, f"{commits[0]} transactions for 40 submissions: not batched"


def test_a_failing_write_rolls_back_only_its_own_savepoint(
    app: FastAPI, session: Session, batches: WriteBatches
) -> None:
    user = make_user(session)

    def store_then_fail(db: Session) -> None:
        _store(app.state.catalog, user, "doomed")(db)
        raise ValueError("this write fails after inserting")

    first, failed, last = _run_all(
        batches,
        [
            _store(app.state.catalog, user, "a"),
            store_then_fail,
            _store(app.state.catalog, user, "b"),
        ],
    )
    assert isinstance(failed, ValueError)
    assert not isinstance(first, BaseException) and not isinstance(last, BaseException)
    stored = session.exec(select(QuizAttempt.submission_id)).all()
    assert sorted(stored) == ["a", "b"]


def test_repeated_submission_in_one_batch_is_stored_once(
    app: FastAPI, session: Session, batches: WriteBatches
) -> None:
    user = make_user(session)
    first, second = _run_all(
        batches, [_store(app.state.catalog, user, "same"), _store(app.state.catalog, user, "same")]
    )
    assert first.attempt.id == second.attempt.id and first.attempt.submission_id == "same"
    assert len(session.exec(select(QuizAttempt)).all()) == 1


@pytest.mark.sqlite_only
def test_a_failed_commit_fails_every_write_in_that_transaction(
    app: FastAPI, session: Session, batches: WriteBatches
) -> None:
    """A write that breaks a deferred foreign key makes the commit fail: none is acknowledged."""
    user = make_user(session)
    hold = threading.Event()

    def wait_for_the_others(db: Session) -> None:
        hold.wait(10)  # the writes below queue up meanwhile and share the next transaction

    def orphan_answer(db: Session) -> None:
        db.execute(text("PRAGMA defer_foreign_keys = ON"))
        db.execute(
            text(
                "INSERT INTO attemptanswer (attempt_id, scenario_id, choice_id, points)"
                " VALUES (999999, 'x', 'y', 0)"
            )
        )

    async def scenario() -> list[Any]:
        blocker = asyncio.ensure_future(batches.submit(wait_for_the_others))
        await asyncio.sleep(0.2)
        good = asyncio.ensure_future(batches.submit(_store(app.state.catalog, user, "good")))
        bad = asyncio.ensure_future(batches.submit(orphan_answer))
        await asyncio.sleep(0.2)
        hold.set()
        return await asyncio.gather(blocker, good, bad, return_exceptions=True)

    _, good, bad = _run(scenario)
    assert isinstance(good, Exception) and "FOREIGN KEY" in str(good)
    assert isinstance(bad, Exception)
    assert session.exec(select(QuizAttempt)).all() == []


def test_close_finishes_the_writes_already_submitted(
    app: FastAPI, session: Session, engine: Engine
) -> None:
    user = make_user(session)
    writer = WriteBatches(engine)

    async def submit_then_close() -> list[Any]:
        tasks = [
            asyncio.ensure_future(writer.submit(_store(app.state.catalog, user, f"late-{n}")))
            for n in range(10)
        ]
        await asyncio.sleep(0)
        await asyncio.to_thread(writer.close)
        return await asyncio.gather(*tasks)

    assert len(_run(submit_then_close)) == 10
    assert len(session.exec(select(QuizAttempt)).all()) == 10


def test_quiz_posted_to_a_running_app_goes_through_the_writer(
    settings: Settings, session: Session
) -> None:
    """With the lifespan running (as `allyship serve` does), submissions use the batches."""
    make_user(session)
    app = create_app(settings)
    with TestClient(app, follow_redirects=False) as client:
        on_sqlite_file = app.state.loop_reader is not None
        assert (app.state.write_batches is not None) == on_sqlite_file
        assert login(client, "ana@example.com").status_code == 303
        data = quiz_form(client, "first-steps") | {f"answer-{k}": v for k, v in ANSWERS.items()}
        first = client.post("/modules/first-steps/quiz", data=data)
        again = client.post("/modules/first-steps/quiz", data=data)
        assert first.status_code == again.status_code == 303
        assert first.headers["location"] == again.headers["location"]
    assert len(session.exec(select(QuizAttempt)).all()) == 1
    assert app.state.write_batches is None  # closed when the app stopped


class Crash(BaseException):
    """Not an Exception: escapes every `except Exception` between the write and the thread."""


def test_the_writer_survives_a_write_that_escapes_the_batch(
    app: FastAPI, session: Session, batches: WriteBatches
) -> None:
    user = make_user(session)

    def crash(db: Session) -> None:
        raise Crash("not an Exception")

    (crashed,) = _run_all(batches, [crash])
    assert isinstance(crashed, RuntimeError) and "Crash" in str(crashed)
    assert batches.alive
    (after,) = _run_all(batches, [_store(app.state.catalog, user, "after")])
    assert isinstance(after, attempts.SubmittedAttempt)
    assert session.exec(select(QuizAttempt.submission_id)).all() == ["after"]


def test_the_writer_survives_answering_a_request_whose_event_loop_has_gone(
    app: FastAPI, session: Session, engine: Engine
) -> None:
    user = make_user(session)
    writer = WriteBatches(engine, deadline=0.2)
    slow_done = threading.Event()

    def slow(db: Session) -> str:
        time.sleep(0.5)  # outlives the deadline and the event loop that asked for it
        slow_done.set()
        return "done"

    with pytest.raises(WriteTimedOut):
        _run(lambda: writer.submit(slow))  # asyncio.run closes that loop on return
    assert slow_done.wait(5)
    time.sleep(0.1)  # the thread now answers a closed loop
    assert writer.alive
    stored = _run(lambda: writer.submit(_store(app.state.catalog, user, "next")))
    assert stored.attempt.submission_id == "next"
    writer.close()


def test_a_write_submitted_after_close_fails_at_once(engine: Engine) -> None:
    writer = WriteBatches(engine)
    writer.close()
    assert not writer.alive
    started = time.monotonic()
    with pytest.raises(WriterClosed, match="restarting"):
        _run(lambda: writer.submit(lambda db: None))
    assert time.monotonic() - started < 0.5


def test_a_write_not_started_by_its_deadline_is_never_made(
    app: FastAPI, session: Session, engine: Engine
) -> None:
    user = make_user(session)
    writer = WriteBatches(engine, deadline=0.3)
    hold = threading.Event()

    async def scenario() -> list[Any]:
        blocker = asyncio.ensure_future(writer.submit(lambda db: hold.wait(10)))
        await asyncio.sleep(0.05)
        late = asyncio.ensure_future(writer.submit(_store(app.state.catalog, user, "late")))
        outcome = await asyncio.gather(late, return_exceptions=True)
        hold.set()
        return [*outcome, *await asyncio.gather(blocker, return_exceptions=True)]

    late, blocked = _run(scenario)
    assert isinstance(late, WriteTimedOut)
    assert isinstance(blocked, WriteTimedOut)  # it ran past the deadline too, but it was taken
    writer.close()
    assert session.exec(select(QuizAttempt)).all() == []  # skipped, not half-written


@pytest.mark.sqlite_only
def test_a_quiz_stuck_behind_the_writer_gets_a_503_page_and_nothing_is_stored(
    settings: Settings, session: Session
) -> None:
    make_user(session)
    app = create_app(settings.model_copy(update={"write_deadline_seconds": 0.5}))
    hold, holding = threading.Event(), threading.Event()
    with TestClient(app, follow_redirects=False) as client:
        assert app.state.write_batches.deadline == 0.5  # ALLYSHIP_WRITE_DEADLINE_SECONDS
        assert login(client, "ana@example.com").status_code == 303

        def hold_the_writer(db: Session) -> None:
            holding.set()
            hold.wait(10)

        async def block_the_writer() -> None:
            with contextlib.suppress(WriteTimedOut):  # it holds the writer past its own deadline
                await app.state.write_batches.submit(hold_the_writer)

        # Opening the quiz draws its scenarios through the writer: open it before blocking.
        data = quiz_form(client, "first-steps") | {f"answer-{k}": v for k, v in ANSWERS.items()}
        blocker = threading.Thread(target=lambda: _run(block_the_writer))
        blocker.start()
        try:
            assert holding.wait(10)  # the writer is taken before the quiz is sent
            stuck = client.post("/modules/first-steps/quiz", data=data)
        finally:
            hold.set()
            blocker.join(10)
        assert stuck.status_code == 503
        assert stuck.headers["x-request-id"] in stuck.text and "send the form again" in stuck.text
        assert session.exec(select(QuizAttempt)).all() == []
        again = client.post("/modules/first-steps/quiz", data=data)
        assert again.status_code == 303
    assert len(session.exec(select(QuizAttempt)).all()) == 1
