"""The app's log: one key=value line per event on stderr, written as it happens.

What goes into a line from outside is made safe first: secret path segments (invitation
and reset tokens) are redacted, and `X-Request-ID` is taken only when it is a plain id.

A plain handler: writing lines in batches saved 3 us of a lesson page's 750 us of CPU
(bench/NOTES.md), so nothing waits in memory and no line is lost when a worker dies.
"""

from __future__ import annotations

import contextlib
import logging
import re
import sys

FORMAT = "%(asctime)s level=%(levelname)s pid=%(process)d logger=%(name)s %(message)s"
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


class StderrHandler(logging.Handler):
    """Each record as one line on `sys.stderr` as it is when written (tests swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record) + "\n"
        except Exception:
            self.handleError(record)
            return
        with contextlib.suppress(Exception):  # a closed or full stderr must never fail a request
            sys.stderr.write(line)
            sys.stderr.flush()


def configure(logger: logging.Logger) -> None:
    """Give `logger` the stderr handler, unless it already has handlers."""
    if not logger.handlers:
        handler = StderrHandler()
        handler.setFormatter(logging.Formatter(FORMAT))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
