"""Group commit on SQLite: one writer thread whose transactions carry many requests' writes.

SQLite takes one writer at a time, and with synchronous=FULL every commit waits for the
disk. When many learners submit at once (a deadline day), a request per transaction spent
most of its time queueing for the write lock and flushing; here the writes that arrive
while one transaction commits go together into the next, with one flush for all of them
(bench/NOTES.md).

Nothing is acknowledged before it is durable: a request's write is answered only after the
transaction holding it commits. One write failing fails only itself: the batch is run
again with each write in its own savepoint (`_together`); a failed commit fails every
write in that transaction, and none of them was acknowledged.
The thread cannot hang a request: it survives any exception in a batch or while answering,
a write submitted after `close()` fails at once (WriterClosed), and a request waits at most
`deadline` seconds (WriteTimedOut, a 503 page): a write not started by then is never run,
and one already started commits whole or not at all. PostgreSQL takes concurrent writers,
so there each request keeps its own transaction.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi import Request
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.db.engine import write_session
from app.errors import Unavailable

log = logging.getLogger("allyship")
Result = TypeVar("Result")
MOST_PER_TRANSACTION = 64
DEADLINE_S = 10.0
PENDING, TAKEN, GIVEN_UP = "pending", "taken", "given up"


class WriterClosed(Unavailable):
    """The writer has stopped (the server is shutting down): the write was not made."""


class WriteTimedOut(Unavailable):
    """The write was not confirmed within its deadline."""


CLOSED = "The server is restarting, so nothing was saved. Please send the form again."
TIMED_OUT = (
    "The server is too busy to confirm this was saved. Please send the form again: "
    "a quiz that was saved already is never counted twice."
)


@dataclass
class _Job:
    write: Callable[[Session], Any]
    future: asyncio.Future[Any]
    loop: asyncio.AbstractEventLoop
    state: str = field(default=PENDING)


class WriteBatches:
    """A writer thread for one worker process; `await submit(write)` from the event loop."""

    def __init__(self, engine: Engine, *, deadline: float = DEADLINE_S) -> None:
        self.engine = engine
        self.deadline = deadline
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._states = threading.Lock()  # a job is either taken by the thread or given up
        self._closed = False
        self._thread = threading.Thread(target=self._serve, name="allyship-writer", daemon=True)
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    async def submit(self, write: Callable[[Session], Result]) -> Result:
        """Run `write(session)` in the next transaction; returns once that has committed.

        `write` must not commit or roll back: it shares a transaction with other writes.
        It may run twice: when another write of its batch fails, the batch is rolled back
        and run again (`_together`), so its effects outside the database must bear that.
        """
        if self._closed:
            raise WriterClosed(CLOSED)
        loop = asyncio.get_running_loop()
        job = _Job(write, loop.create_future(), loop)
        self._jobs.put(job)
        timer = loop.call_later(self.deadline, self._expire, job)
        try:
            result: Result = await job.future
            return result
        finally:
            timer.cancel()

    def _expire(self, job: _Job) -> None:
        """On the event loop, at the deadline: give the job up, and the request a 503."""
        if job.future.done():
            return
        with self._states:
            if job.state == PENDING:
                job.state = GIVEN_UP  # the thread will skip it: nothing is written
        log.error("write not confirmed within %.1f s (%s)", self.deadline, job.state)
        job.future.set_exception(WriteTimedOut(TIMED_OUT))

    def close(self, timeout: float = 10.0) -> None:
        """Refuse new writes, finish the ones already submitted, then stop the thread."""
        self._closed = True
        self._jobs.put(None)
        self._thread.join(timeout)

    def _serve(self) -> None:
        while True:
            first = self._jobs.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < MOST_PER_TRANSACTION:
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    self._jobs.put(None)  # stop after this batch
                    break
                batch.append(job)
            try:
                self._run([job for job in batch if self._take(job)])
            except BaseException as exc:  # never let one batch end the thread
                log.exception("write batch of %d failed outside its transaction", len(batch))
                error = (
                    exc if isinstance(exc, Exception) else RuntimeError(f"write failed: {exc!r}")
                )
                for job in batch:
                    _answer(job, None, error)

    def _take(self, job: _Job) -> bool:
        with self._states:
            if job.state == PENDING:
                job.state = TAKEN
        return job.state == TAKEN

    def _run(self, batch: list[_Job]) -> None:
        if not batch:
            return
        outcomes: list[tuple[_Job, Any, BaseException | None]]
        try:
            with write_session(self.engine) as session:
                outcomes = _together(session, batch)
                session.commit()
        except Exception as exc:  # the commit (or the transaction) failed: nothing is durable
            log.exception("write batch of %d failed", len(batch))
            outcomes = [(job, None, exc) for job in batch]
        for job, result, error in outcomes:
            _answer(job, result, error)


def _together(session: Session, batch: list[_Job]) -> list[tuple[_Job, Any, BaseException | None]]:
    """Every write of the batch in the session's transaction, uncommitted.

    Writes rarely fail, so they first run one after the other without savepoints: a
    savepoint and its release per write cost a tenth of a quiz submission's CPU
    (bench/NOTES.md). If one fails, the transaction is rolled back and the batch runs
    again with each write in its own savepoint, so a failing write still rolls back only
    itself. A batch of one needs no second run: its rollback is its savepoint's.
    """
    try:
        return [(job, job.write(session), None) for job in batch]
    except Exception as exc:
        session.rollback()
        if len(batch) == 1:
            return [(batch[0], None, exc)]
    outcomes: list[tuple[_Job, Any, BaseException | None]] = []
    for job in batch:
        try:
            with session.begin_nested():
                outcomes.append((job, job.write(session), None))
        except Exception as exc:  # this write only: its savepoint is rolled back
            outcomes.append((job, None, exc))
    return outcomes


def _answer(job: _Job, result: Any, error: BaseException | None) -> None:
    """Hand the outcome to the job's event loop; a loop that has gone away gets nothing."""
    try:
        job.loop.call_soon_threadsafe(_settle, job.future, result, error)
    except RuntimeError:  # the loop is closed: nobody is waiting any more
        log.warning("a write's outcome had nobody to go to (its event loop has closed)")


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():  # the request went away; its write stands (submission ids dedupe)
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


async def run_batched_write(request: Request, write: Callable[[Session], Result]) -> Result:
    """`write(session)`, committed: in a shared transaction on SQLite, on its own otherwise."""
    batches: WriteBatches | None = request.app.state.write_batches
    if batches is not None:
        return await batches.submit(write)
    return await run_in_threadpool(_commit_alone, request.app.state.engine, write)


def _commit_alone(engine: Engine, write: Callable[[Session], Result]) -> Result:
    with write_session(engine) as session:
        result = write(session)
        session.commit()
        return result
