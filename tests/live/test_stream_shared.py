"""The worker's shared views (app/live/stream.py `StreamHub.shared`): made once for every
stream woken by one change, not cancelled by a stream that leaves, None when making fails,
only the newest kept, made in threads of the hub's own; a stream sends only the newest view.

In-process event loops with the thread pool: kept apart from the served-server tests, which
time a server's shutdown: a thread pool used in the test process first makes that test's
server stop slowly."""

from __future__ import annotations

import asyncio
import re
import signal
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import anyio.to_thread
import pytest
from sqlalchemy import Engine

from app.db import make_engine
from app.live import stream as stream_module
from app.live.stream import EXIT_SIGNALS, VIEWS_KEPT, Mark, StreamHub, events

T = TypeVar("T")
HANG = 30.0  # a test whose stream or thread never answers fails instead of hanging


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


def _quiet_hub(engine: Engine) -> StreamHub:
    """A hub whose room marks the test sets itself (its database check reads nothing)."""
    hub = StreamHub(engine, None, cap=10)

    async def no_check() -> None:
        return None

    hub.check_once = no_check  # type: ignore[method-assign]
    return hub


def _change(hub: StreamHub, version: int) -> None:
    room = hub.rooms[1]
    room.mark = Mark(version, "", False)
    room.wake()


async def _until(condition: Callable[[], bool]) -> None:
    while not condition():
        await asyncio.sleep(0.01)


def test_stream_sends_only_the_newest_view_after_a_slow_one(db_url: str) -> None:
    """Changes that come while a view is rendered are taken together: the stream renders and
    sends the newest next, never each version in between."""
    engine = make_engine(db_url)

    async def work() -> tuple[list[int], list[str]]:
        hub = _quiet_hub(engine)
        rendered: list[int] = []
        slow = asyncio.Event()

        async def push(now: Mark) -> str:
            rendered.append(now.version)
            if now.version == 2:
                await slow.wait()
            return f'<section data-version="{now.version}"></section>'

        stream = events(hub, 1, Mark(1, "", False), "1", controls=False, push=push)
        sent = [await anext(stream)]  # retry: and the comment
        first = asyncio.ensure_future(anext(stream))
        await _until(lambda: 1 in hub.rooms)
        _change(hub, 2)
        await _until(lambda: rendered == [2])
        for version in (3, 4, 5):  # a burst while version 2 renders
            _change(hub, version)
        slow.set()
        sent.append(await first)
        sent.append(await anext(stream))
        await stream.aclose()
        return rendered, sent

    rendered, sent = _in_a_loop(lambda: asyncio.wait_for(work(), HANG))
    engine.dispose()
    assert rendered == [2, 5]
    assert [re.search(r"^id: (\d+)", event, re.M).group(1) for event in sent[1:]] == ["2", "5"]  # type: ignore[union-attr]


def test_push_hub_renders_while_the_request_threads_are_all_taken(db_url: str) -> None:
    """Votes waiting for the database hold the requests' threads: the hub's renderings and
    reads have threads of their own, so a view is not queued behind them."""
    engine = make_engine(db_url)

    async def work() -> str | None:
        hub = StreamHub(engine, None, cap=10)
        held = threading.Event()
        limiter = anyio.to_thread.current_default_thread_limiter()
        blockers = [
            asyncio.ensure_future(anyio.to_thread.run_sync(held.wait))
            for _ in range(int(limiter.total_tokens))
        ]
        try:
            await _until(lambda: limiter.available_tokens == 0)
            return await hub.shared(("control", 1, "1.0"), lambda: "<section>view</section>")
        finally:
            held.set()
            await asyncio.gather(*blockers)

    view = _in_a_loop(lambda: asyncio.wait_for(work(), HANG))
    engine.dispose()
    assert view == "<section>view</section>"


def test_stream_told_to_stop_while_its_view_renders_ends_when_it_is_sent(db_url: str) -> None:
    """SIGTERM while a stream's view is rendered: the stream sends it and ends, it does not
    wait for the next change or heartbeat (uvicorn waits for open streams before it stops)."""
    engine = make_engine(db_url)

    async def work() -> list[str]:
        hub = _quiet_hub(engine)
        slow = asyncio.Event()
        rendering = asyncio.Event()

        async def push(now: Mark) -> str:
            rendering.set()
            await slow.wait()
            return f'<section data-version="{now.version}"></section>'

        stream = events(hub, 1, Mark(1, "", False), "", controls=False, push=push)
        sent = [await anext(stream)]
        view = asyncio.ensure_future(anext(stream))
        await rendering.wait()
        hub.stop()
        slow.set()
        sent.append(await view)
        sent.extend([event async for event in stream])  # HANG fails a stream that waits on
        return sent

    sent = _in_a_loop(lambda: asyncio.wait_for(work(), HANG))
    engine.dispose()
    assert len(sent) == 2 and "event: view" in sent[1]


def test_stream_closes_at_a_heartbeat_once_its_sign_in_ended(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A quiet room's stream asks at each heartbeat whether the sign-in still holds, and
    closes (no `end`: the room goes on) when it no longer does."""
    engine = make_engine(db_url)
    monkeypatch.setattr(stream_module, "HEARTBEAT_S", 0.01)
    answers = [True, True, False]

    async def work() -> list[str]:
        hub = _quiet_hub(engine)

        async def still() -> bool:
            return answers.pop(0)

        parts = events(hub, 1, Mark(1, "", False), "1", controls=False, still=still)
        return [part async for part in parts]

    sent = _in_a_loop(lambda: asyncio.wait_for(work(), HANG))
    engine.dispose()
    assert answers == [] and sent[1:] == [": still here\n\n"] * 2
    assert not any("event: end" in part for part in sent)


def test_stream_asks_about_its_sign_in_before_each_view(db_url: str) -> None:
    engine = make_engine(db_url)

    async def work() -> tuple[list[str], list[int]]:
        hub = _quiet_hub(engine)
        pushed: list[int] = []

        async def push(now: Mark) -> str:
            pushed.append(now.version)
            return f'<section data-version="{now.version}"></section>'

        async def still() -> bool:
            return not pushed  # the sign-in ends once the first view went

        stream = events(hub, 1, Mark(1, "", False), "", controls=False, push=push, still=still)
        sent = [await anext(stream), await anext(stream)]  # retry:, then version 1's view
        later = asyncio.ensure_future(anext(stream, "closed"))
        await _until(lambda: 1 in hub.rooms)
        _change(hub, 2)
        sent.append(await later)
        return sent, pushed

    sent, pushed = _in_a_loop(lambda: asyncio.wait_for(work(), HANG))
    engine.dispose()
    assert pushed == [1] and sent[-1] == "closed"
