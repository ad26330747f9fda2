"""The app's log: one line per event on stderr, written at once (app/log_lines.py)."""

from __future__ import annotations

import io
import logging
import re
import sys
import uuid

import pytest

from app.log_lines import StderrHandler, configure


@pytest.fixture
def logger() -> logging.Logger:
    named = logging.getLogger(f"allyship.test.{uuid.uuid4().hex}")
    named.propagate = False
    configure(named)
    return named


def test_each_line_is_written_at_once_in_the_key_value_format(
    logger: logging.Logger, monkeypatch: pytest.MonkeyPatch
) -> None:
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    logger.info("request id=%s status=%d", "abc", 200)
    line = stderr.getvalue()
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} level=INFO pid=\d+ logger=allyship\.test\.[0-9a-f]{32} "
        r"request id=abc status=200\n",
        line,
    ), line


def test_lines_go_to_stderr_as_it_is_when_they_are_written(
    logger: logging.Logger, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stderr", first)
    logger.warning("one")
    monkeypatch.setattr(sys, "stderr", second)
    logger.info("two")
    assert first.getvalue().endswith("one\n") and "two" not in first.getvalue()
    assert second.getvalue().endswith("two\n") and "one" not in second.getvalue()


def test_a_closed_stderr_never_fails_the_caller(
    logger: logging.Logger, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = io.StringIO()
    closed.close()
    monkeypatch.setattr(sys, "stderr", closed)
    logger.info("request while stderr is gone")  # raises nothing


def test_configure_gives_a_logger_one_handler_however_often_it_runs(
    logger: logging.Logger,
) -> None:
    configure(logger)
    configure(logger)
    # (pytest adds its own capture handlers; ours is there once)
    assert [h for h in logger.handlers if isinstance(h, StderrHandler)] == logger.handlers[:1]
    assert logger.level == logging.INFO
