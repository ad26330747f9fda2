"""The worker's shared views (app/live/stream.py `StreamHub.shared`): made once for every
stream woken by one change, not cancelled by a stream that leaves, None when making fails,
and only the newest kept.

In-process event loops with the thread pool: kept apart from the served-server tests, which
time a server's shutdown: a thread pool used in the test process first makes that test's
server stop slowly."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from app.db import make_engine
from app.live.stream import EXIT_SIGNALS, VIEWS_KEPT, StreamHub

T = TypeVar("T")


def _in_a_loop(hub_work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine on a loop of its own, in a thread of its own: the browser tests keep a
    loop running in this one. (Off the main thread the hub installs no signal handlers.)"""
    saved = {sig: signal.getsignal(sig) for sig in EXIT_SIGNALS}
    try:
        with ThreadPoolExecutor(1) as thread:
            return thread.submit(lambda: asyncio.run(hub_work())).result()
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def test_push_hub_makes_a_shared_view_once_for_all_its_streams(db_url: str) -> None:
    engine = make_engine(db_url)
    made: list[int] = []

    def make() -> str:
        made.append(1)
        return "<section>shared</section>"

    async def work() -> tuple[list[str | None], int]:
        hub = StreamHub(engine, None, cap=10)
        waiting = [asyncio.ensure_future(hub.shared(("phone", 1, 5), make)) for _ in range(200)]
        waiting[0].cancel()  # a phone that leaves meanwhile does not cancel the others' view
        results = await asyncio.gather(*waiting[1:])
        again = await hub.shared(("phone", 1, 5), make)
        return [*results, again], hub.made

    results, count = _in_a_loop(work)
    engine.dispose()
    assert made == [1] and count == 1
    assert set(results) == {"<section>shared</section>"}


def test_push_hub_a_failing_view_gives_none_and_keeps_few(db_url: str) -> None:
    engine = make_engine(db_url)

    def broken() -> str:
        raise RuntimeError("template missing")

    async def work() -> tuple[object, int]:
        hub = StreamHub(engine, None, cap=10)
        failed = await hub.shared("broken", broken)
        for version in range(500):  # an old version's rendering falls out
            await hub.shared(("phone", 1, version), lambda: "x")
        return failed, len(hub.views)

    failed, kept = _in_a_loop(work)
    engine.dispose()
    assert failed is None and kept <= VIEWS_KEPT
