"""A real HTTP receiver on loopback for webhook tests: records each request, answers by path."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    # Status codes to answer with, in turn, per path; then 200.
    plan: dict[str, list[int]] = field(default_factory=dict)

    def on(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]


HUGE = 200 * 1024 * 1024  # a body no sender should ever read whole


@contextmanager
def receiver() -> Iterator[Receiver]:
    """Serve on 127.0.0.1 in a thread: /slow sleeps 3 s, /redirect sends 302 to /ok,
    /huge answers 200 with a 200 MB body, /plan answers Receiver.plan's codes in turn."""
    server: ThreadingHTTPServer
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            state.requests.append(
                Received(
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length),
                )
            )
            if self.path == "/slow":
                time.sleep(3)
            if self.path == "/redirect":
                self.send_response(302)
                self.send_header("Location", f"{state.url}/ok")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            planned = state.plan.get(self.path, [])
            status = planned.pop(0) if planned else 200
            self.send_response(status)
            if self.path == "/huge":
                self.send_header("Content-Length", str(HUGE))
                self.end_headers()
                chunk = b"x" * 65536
                try:
                    for _ in range(HUGE // len(chunk)):
                        self.wfile.write(chunk)
                except OSError:
                    pass  # the sender hung up, as it should
                return
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
