"""Server-sent events for live rooms: one database check per worker wakes all its streams.

A worker keeps one `StreamHub`. While any of its streams listens, one asyncio task reads the
marks (version, vote and phone counts, ended) of every room that has a listener, in ONE
query every `CHECK_S`, and wakes the streams of the rooms whose mark changed. All state stays
in the database, so any number of workers on one SQLite file or PostgreSQL server behave
alike. A woken stream sends its page's new fragment in a `view` event (rendered once per room
version and view in this worker, through `StreamHub.shared`); where no shared view can be
made it sends `change`, and the page fetches its own view as a poll would. A stream sends only
the newest view: changes that come while it renders or sends one are taken together into the
next. The hub's reads and renderings run in threads of their own (`STREAM_THREADS`), never
queued behind the requests' thread pool (votes waiting for the database to write).

Streams end when their room ends, when the client leaves (Starlette cancels the response),
and at once when the worker is told to stop: uvicorn waits for open responses before it
shuts down, so the hub chains its own SIGINT/SIGTERM handler in front of uvicorn's.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
import threading
from collections.abc import AsyncGenerator, Awaitable, Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from types import FrameType
from typing import Any, TypeVar

import anyio.to_thread
from anyio import CapacityLimiter
from sqlalchemy import Engine

from app.db import LoopReader, RawQuery, Source, fetch_all
from app.db.reads import Busy, read_on

log = logging.getLogger("allyship.live.stream")
T = TypeVar("T")

CHECK_S = 0.1  # how often a worker with listeners reads its rooms' marks (p95 wait 95 ms)
STREAM_THREADS = 4  # the hub's own threads for its reads (PostgreSQL) and its renderings
HEARTBEAT_S = 15.0  # a comment this often keeps proxies from closing a quiet stream
RETRY_MS = 1000  # how long a browser waits before reconnecting a dropped stream
VIEWS_KEPT = 64  # shared renderings a worker keeps (the newest; old versions fall out)
EXIT_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@dataclass(frozen=True)
class Mark:
    """What a page shows changes when this does: `version` for phones, `tally` (votes, phones,
    open answers received) for the controls."""

    version: int
    tally: str
    ended: bool

    def token(self, controls: bool) -> str:
        """The event id: the browser sends it back as Last-Event-ID when it reconnects."""
        return f"{self.version}.{self.tally}" if controls else str(self.version)


def _marks_query(count: int) -> RawQuery:
    slots = ", ".join(f":r{i}" for i in range(count))
    return RawQuery.of(
        f"""
        SELECT s.id, s.version, s.ended_at IS NOT NULL, s.headcount,
               (SELECT count(*) FROM livevote v WHERE v.session_id = s.id),
               (SELECT count(*) FROM liveparticipant p WHERE p.session_id = s.id AND p.state = 'in'),
               (SELECT count(*) FROM liveparticipant p WHERE p.session_id = s.id AND p.state = 'waiting'),
               (SELECT count(*) FROM liveparticipant p WHERE p.session_id = s.id),
               (SELECT coalesce(sum(q.received), 0) FROM liveprompt q WHERE q.session_id = s.id)
        FROM livesession s WHERE s.id IN ({slots})
        """
    )


def read_marks(source: Source, room_ids: Sequence[int]) -> dict[int, Mark]:
    """The marks of these rooms, in one statement (rooms that no longer exist are left out)."""
    params = {f"r{i}": room for i, room in enumerate(room_ids)}
    rows = fetch_all(source, _marks_query(len(room_ids)), params)
    return {
        int(room): Mark(int(version), "-".join(str(n) for n in rest), bool(ended))
        for room, version, ended, *rest in rows
    }


@dataclass
class Room:
    """The listeners of one room in this worker, and the event that wakes them on a change."""

    listeners: int = 0
    mark: Mark | None = None
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def wake(self) -> None:
        changed, self.changed = self.changed, asyncio.Event()
        changed.set()


class StreamsFull(Exception):
    """This worker already serves as many streams as it may."""


class HolderFull(Exception):
    """This phone (or facilitator's view) already holds as many of the worker's streams as it
    may: one room cookie must not take the places of every other room's phones."""


class StreamHub:
    """The worker's streams, grouped by room, and the one task that checks their rooms."""

    def __init__(self, engine: Engine, reader: LoopReader | None, cap: int) -> None:
        self.engine, self.reader, self.cap = engine, reader, cap
        self.rooms: dict[int, Room] = {}
        self.streams = 0
        self.holders: dict[Hashable, int] = {}  # open streams per phone or facilitator's view
        self.stopping = False
        self.views: dict[Hashable, asyncio.Task[Any]] = {}
        self.made = 0  # renderings made, for tests and the bench
        self.loop = asyncio.get_running_loop()
        self.threads = CapacityLimiter(STREAM_THREADS)
        self._task: asyncio.Task[None] | None = None
        self._watch_signals()

    async def read(self, read: Callable[..., Any], *args: Any) -> Any:
        """A read on the worker's loop connection (SQLite file), else in the thread pool."""
        if self.reader is not None:
            result = self.reader.read(read, *args)
            if not isinstance(result, Busy):
                return result
        return await self.in_thread(functools.partial(read_on, self.engine, read, *args))

    async def in_thread(self, work: Callable[[], T]) -> T:
        """`work()` in one of the hub's threads, apart from the pool the requests use."""
        return await anyio.to_thread.run_sync(work, limiter=self.threads)

    async def shared(self, key: Hashable, make: Callable[[], T]) -> T | None:
        """`make()` (in one of the hub's threads) once per key, its result handed to each caller.

        Streams woken together by one change await one task; a stream that leaves meanwhile
        does not cancel it for the others. None when making it failed (the page then fetches).
        """
        task = self.views.get(key)
        if task is None:
            task = self.views[key] = self.loop.create_task(self._make(make))
            while len(self.views) > VIEWS_KEPT:
                del self.views[next(iter(self.views))]
        result: T | None = await asyncio.shield(task)
        return result

    async def _make(self, make: Callable[[], T]) -> T | None:
        self.made += 1
        try:
            return await self.in_thread(make)
        except Exception:  # one failed rendering must not end the streams: they fall back
            log.exception("live view rendering failed")
            return None

    def admit(self, holder: Hashable, most: int) -> Callable[[], None]:
        """Take one of the worker's places for a stream of this holder; returns its release.

        StreamsFull when the worker serves its cap of streams (or is stopping), HolderFull
        when the holder already has `most` open. Taken when the stream is asked for, before
        its response starts, so streams asked for at the same moment cannot pass either cap;
        the release (safe to call more than once) gives both back when the stream ends.
        """
        if self.streams >= self.cap or self.stopping:
            raise StreamsFull()
        held = self.holders.get(holder, 0)
        if held >= most:
            raise HolderFull()
        self.streams += 1
        self.holders[holder] = held + 1
        released = False

        def release() -> None:
            nonlocal released
            if released:
                return
            released = True
            self.streams -= 1
            left = self.holders.get(holder, 1) - 1
            if left > 0:
                self.holders[holder] = left
            else:
                self.holders.pop(holder, None)

        return release

    @contextlib.contextmanager
    def listening(self, room_id: int, mark: Mark) -> Iterator[Room]:
        """Count one stream on this room while the block runs."""
        room = self.rooms.setdefault(room_id, Room(mark=mark))
        room.listeners += 1
        if self._task is None or self._task.done():
            self._task = self.loop.create_task(self._check_forever())
        try:
            yield room
        finally:
            room.listeners -= 1
            if not room.listeners and self.rooms.get(room_id) is room:
                del self.rooms[room_id]

    async def _check_forever(self) -> None:
        """Read the marks of the rooms with listeners; wake the rooms that changed."""
        while self.rooms and not self.stopping:
            try:
                await self.check_once()
            except Exception:  # a failed read must not silence every stream of the worker
                log.exception("live stream check failed")
            await asyncio.sleep(CHECK_S)

    async def check_once(self) -> None:
        ids = sorted(self.rooms)
        marks = await self.read(read_marks, ids)
        for room_id in ids:
            room = self.rooms.get(room_id)
            mark = marks.get(room_id, Mark(0, "", True))  # a deleted room ends its streams
            if room is not None and mark != room.mark:
                room.mark = mark
                room.wake()

    def stop(self) -> None:
        """End every stream now (the worker is shutting down) and refuse new ones."""
        self.stopping = True
        for room in self.rooms.values():
            room.wake()

    def _watch_signals(self) -> None:
        """Put `stop` in front of the handlers uvicorn installed (main thread only)."""
        if threading.current_thread() is not threading.main_thread():
            return
        for sig in EXIT_SIGNALS:
            previous = signal.getsignal(sig)
            signal.signal(sig, self._chained(sig, previous))

    def _chained(self, sig: int, previous: Any) -> Callable[[int, FrameType | None], None]:
        def handler(signum: int, frame: FrameType | None) -> None:
            if not self.loop.is_closed():
                self.loop.call_soon_threadsafe(self.stop)
            if callable(previous):
                previous(signum, frame)
            elif previous == signal.SIG_DFL:
                signal.signal(sig, signal.SIG_DFL)
                signal.raise_signal(sig)

        return handler


def hub_of(state: Any) -> StreamHub:
    """The worker's hub, made on first use in the running event loop."""
    hub: StreamHub | None = getattr(state, "live_streams", None)
    if hub is None or hub.loop is not asyncio.get_running_loop():
        hub = StreamHub(state.engine, state.loop_reader, state.settings.live_streams_per_worker)
        state.live_streams = hub
    return hub


def _event(name: str, data: str, event_id: str = "") -> str:
    head = f"id: {event_id}\n" if event_id else ""
    lines = "".join(f"data: {line}\n" for line in data.replace("\r", "").split("\n"))
    return f"{head}event: {name}\n{lines}\n"


Push = Callable[[Mark], Awaitable[str | None]]
Still = Callable[[], Awaitable[bool]]  # whether the sign-in the stream was opened with holds


async def events(
    hub: StreamHub,
    room_id: int,
    mark: Mark,
    known: str,
    *,
    controls: bool,
    push: Push | None = None,
    still: Still | None = None,
) -> AsyncGenerator[str, None]:
    """The stream of one page: `view` with its new fragment (or `change`, to fetch it) when
    its view changed, `end` when the room ended.

    With `still`, the stream closes (no `end`: the room goes on) once `still()` says the
    sign-in it was opened with has ended, asked before each view and at each heartbeat; the
    browser's reconnection is then refused, and the page falls back to its polls.
    """
    with hub.listening(room_id, mark) as room:
        yield f"retry: {RETRY_MS}\n: listening\n\n"
        sent = known
        while not hub.stopping:
            # Taken before the mark is read: a change (or `stop`) that comes while the view is
            # made or sent wakes the wait below at once, and the next turn sends the newest.
            woken = room.changed
            current = room.mark or mark
            token = current.token(controls)
            if token != sent:
                if still is not None and not await still():
                    return
                sent = token
                html = None if push is None else await push(current)
                yield _event("view", html, token) if html else _event("change", token, token)
            if current.ended:
                yield _event("end", "ended")
                return
            try:
                async with asyncio.timeout(HEARTBEAT_S):
                    await woken.wait()
            except TimeoutError:
                if still is not None and not await still():
                    return
                yield ": still here\n\n"
