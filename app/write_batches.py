"""Group commit on SQLite: one writer thread whose transactions carry many requests' writes.

SQLite takes one writer at a time, and with synchronous=FULL every commit waits for the
disk. When many learners submit at once (a deadline day), a request per transaction spent
most of its time queueing for the write lock and flushing; here the writes that arrive
while one transaction commits go together into the next, each in its own savepoint, with
one flush for all of them (bench/NOTES.md).

Nothing is acknowledged before it is durable: a request's write is answered only after the
transaction holding it commits. One write failing rolls back its own savepoint only; a
failed commit fails every write in that transaction, and none of them was acknowledged.
PostgreSQL takes concurrent writers, so there each request keeps its own transaction.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import Request
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.db import write_session

log = logging.getLogger("allyship")
Result = TypeVar("Result")
MOST_PER_TRANSACTION = 64


@dataclass(frozen=True)
class _Job:
    write: Callable[[Session], Any]
    future: asyncio.Future[Any]
    loop: asyncio.AbstractEventLoop


class WriteBatches:
    """A writer thread for one worker process; `await submit(write)` from the event loop."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name="allyship-writer", daemon=True)
        self._thread.start()

    async def submit(self, write: Callable[[Session], Result]) -> Result:
        """Run `write(session)` in the next transaction; returns once that has committed.

        `write` must not commit or roll back: it runs in a savepoint of a shared transaction.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Result] = loop.create_future()
        self._jobs.put(_Job(write, future, loop))
        return await future

    def close(self, timeout: float = 10.0) -> None:
        """Finish the writes already submitted, then stop the thread."""
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
            self._run(batch)

    def _run(self, batch: list[_Job]) -> None:
        outcomes: list[tuple[_Job, Any, BaseException | None]] = []
        try:
            with write_session(self.engine) as session:
                for job in batch:
                    try:
                        with session.begin_nested():
                            outcomes.append((job, job.write(session), None))
                    except Exception as exc:  # this write only: its savepoint is rolled back
                        outcomes.append((job, None, exc))
                session.commit()
        except Exception as exc:  # the commit (or the transaction) failed: nothing is durable
            log.exception("write batch of %d failed", len(batch))
            outcomes = [(job, None, exc) for job in batch]
        for job, result, error in outcomes:
            job.loop.call_soon_threadsafe(_settle, job.future, result, error)


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
