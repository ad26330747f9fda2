"""Reading a live room's event stream from a real server, as a browser's EventSource would."""

from __future__ import annotations

import contextlib
import queue
import socket
import threading
import time
from dataclasses import dataclass

import httpx


@dataclass(frozen=True)
class Event:
    name: str
    data: str
    id: str


class Listener:
    """One open stream, read on its own thread; `status` is the answer's status code."""

    def __init__(self, url: str, path: str, cookies: httpx.Cookies | None = None) -> None:
        self.client = httpx.Client(
            base_url=url, cookies=cookies, timeout=httpx.Timeout(10, read=60)
        )
        self.events: queue.Queue[Event | None] = queue.Queue()
        self.comments: list[str] = []
        self.headers: httpx.Headers = httpx.Headers()
        self.status = 0
        self._opened = threading.Event()
        self._socket: socket.socket | None = None
        self._stream = self.client.stream("GET", path, headers={"Accept": "text/event-stream"})
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        assert self._opened.wait(10), "the stream did not answer within 10 s"

    def _read(self) -> None:
        try:
            with self._stream as response:
                self.status, self.headers = response.status_code, response.headers
                self._socket = response.extensions["network_stream"].get_extra_info("socket")
                self._opened.set()
                fields: dict[str, str] = {}
                for line in response.iter_lines():
                    if line.startswith(":"):
                        self.comments.append(line)
                    elif line:
                        name, _, value = line.partition(":")
                        value = value.removeprefix(" ")
                        if name == "data" and "data" in fields:  # a multi-line value
                            value = fields["data"] + "\n" + value
                        fields[name] = value
                    elif "event" in fields:
                        self.events.put(
                            Event(fields["event"], fields.get("data", ""), fields.get("id", ""))
                        )
                        fields = {}
        except (httpx.HTTPError, RuntimeError):
            pass  # closed by the test, or by the server
        finally:
            self._opened.set()
            self.events.put(None)  # the stream ended

    def next(self, within: float = 1.0) -> Event | None:
        """The next event within `within` seconds (None: the stream ended); fails on silence."""
        try:
            return self.events.get(timeout=within)
        except queue.Empty:
            raise AssertionError(f"no event within {within} s") from None

    def quiet(self, for_s: float) -> bool:
        """True if no event came for `for_s` seconds."""
        try:
            self.events.get(timeout=for_s)
        except queue.Empty:
            return True
        return False

    def ended(self, within: float = 5.0) -> bool:
        """True once the server closed the stream (after any events still queued)."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            try:
                if self.events.get(timeout=max(0.0, deadline - time.monotonic())) is None:
                    return True
            except queue.Empty:
                return False
        return False

    def close(self) -> None:
        """Leave as a browser tab does: the connection goes at once (closing the client from
        this thread would leave the reading thread's socket open until its next read)."""
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.shutdown(socket.SHUT_RDWR)
        self._thread.join(5)
        self.client.close()
