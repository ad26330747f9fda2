"""The app's log: one key=value line per event on stderr, written in batches.

What goes into a line from outside is made safe first: secret path segments (invitation
and reset tokens) are redacted, and `X-Request-ID` is taken only when it is a plain id.

Writing and flushing stderr for every request's line cost about a sixth of a signed-in
page under load (bench/NOTES.md), so lines are gathered and written together, as nginx's
buffered access log does: at least once a second, as soon as 64 KiB are waiting, at once
for a warning or an error (and everything before it), and when the app stops.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
import time
from typing import TextIO

FORMAT = "%(asctime)s level=%(levelname)s pid=%(process)d logger=%(name)s %(message)s"
FLUSH_EVERY_S = 1.0
FLUSH_AT_BYTES = 64 * 1024
REDACTED = "[redacted]"
# The segment after these is a one-time token (an invitation or a password reset link).
SECRET_AFTER = ("invite", "reset", "password-reset")
SECRET_PARAMS = ("token",)
_SECRET_SEGMENT = re.compile(rf"(/(?:{'|'.join(map(re.escape, SECRET_AFTER))})/)[^/]+")
REQUEST_ID = re.compile(rb"[A-Za-z0-9-]{1,64}")


def safe_path(path: str, path_params: dict[str, object] | None = None) -> str:
    """The path for a log line, with tokens replaced by [redacted] (matched routes and not)."""
    for name, value in (path_params or {}).items():
        if name in SECRET_PARAMS and isinstance(value, str) and value:
            path = path.replace(value, REDACTED)
    return _SECRET_SEGMENT.sub(rf"\1{REDACTED}", path)


def given_request_id(value: bytes) -> str:
    """The client's X-Request-ID when it is letters, digits and dashes (at most 64), else "".

    Anything else could forge fields of the log line (spaces, `key=value`, line breaks).
    """
    return value.decode("ascii") if REQUEST_ID.fullmatch(value) else ""


class BatchedLineHandler(logging.Handler):
    """Formats each record at once, writes the lines in batches (see the module docstring)."""

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        every_s: float = FLUSH_EVERY_S,
        at_bytes: int = FLUSH_AT_BYTES,
    ) -> None:
        super().__init__()
        self.stream = stream
        self.every_s, self.at_bytes = every_s, at_bytes
        self._lines: list[str] = []
        self._waiting = 0
        self._wake = threading.Event()
        flusher = threading.Thread(target=self._flush_regularly, name="allyship-log", daemon=True)
        flusher.start()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record) + "\n"
        except Exception:
            self.handleError(record)
            return
        # Handler.handle holds self.lock around emit.
        self._lines.append(line)
        self._waiting += len(line)
        if record.levelno >= logging.WARNING or self._waiting >= self.at_bytes:
            self._write()

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            self._write()

    def close(self) -> None:
        self.flush()
        self._wake.set()
        super().close()

    def _write(self) -> None:
        if not self._lines:
            return
        stream = self.stream or sys.stderr  # stderr as it is now (tests swap it)
        try:
            stream.write("".join(self._lines))
            stream.flush()
        except Exception:
            pass  # a closed or full stderr must never fail a request
        self._lines.clear()
        self._waiting = 0

    def _flush_regularly(self) -> None:
        while not self._wake.wait(self.every_s):
            if self._lines:
                self.flush()


class LineFormatter(logging.Formatter):
    """The standard format, with the time's seconds part made once a second, not per line."""

    _second = -1
    _seconds_text = ""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        if datefmt:
            return super().formatTime(record, datefmt)
        second = int(record.created)
        if second != self._second:
            self._seconds_text = time.strftime(self.default_time_format, self.converter(second))
            self._second = second
        return f"{self._seconds_text},{int(record.msecs):03d}"  # the default_msec_format


def configure(logger: logging.Logger) -> None:
    """Give `logger` the batched stderr handler, unless it already has handlers."""
    if not logger.handlers:
        handler = BatchedLineHandler()
        handler.setFormatter(LineFormatter(FORMAT))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def flush(logger: logging.Logger) -> None:
    """Write what is waiting (the app's shutdown: worker processes skip atexit hooks)."""
    for handler in logger.handlers:
        handler.flush()
