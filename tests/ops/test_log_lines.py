"""The app's log is written in batches, and never loses what was logged (app/log_lines.py)."""

from __future__ import annotations

import io
import logging
import time

from app.log_lines import FORMAT, BatchedLineHandler


def _logger(stream: io.StringIO, **options: float) -> tuple[logging.Logger, BatchedLineHandler]:
    handler = BatchedLineHandler(stream, **options)  # type: ignore[arg-type]
    handler.setFormatter(logging.Formatter(FORMAT))
    logger = logging.getLogger(f"allyship.test.{id(stream)}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    return logger, handler


def test_lines_wait_for_the_next_batch_then_come_in_order() -> None:
    stream = io.StringIO()
    logger, handler = _logger(stream, every_s=0.2)
    for n in range(3):
        logger.info("request n=%d", n)
    assert stream.getvalue() == ""  # not one write per line
    deadline = time.monotonic() + 5
    while stream.getvalue().count("\n") < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    lines = stream.getvalue().splitlines()
    assert [line.rsplit(" ", 1)[-1] for line in lines] == ["n=0", "n=1", "n=2"]
    assert all(" level=INFO pid=" in line for line in lines)
    handler.close()


def test_a_warning_writes_itself_and_everything_before_it_at_once() -> None:
    stream = io.StringIO()
    logger, handler = _logger(stream, every_s=60)
    logger.info("request before")
    logger.warning("something to look at")
    assert stream.getvalue().splitlines()[-2].endswith("request before")
    assert "level=WARNING" in stream.getvalue().splitlines()[-1]
    handler.close()


def test_a_full_buffer_is_written_without_waiting() -> None:
    stream = io.StringIO()
    logger, handler = _logger(stream, every_s=60, at_bytes=1000)
    for n in range(20):
        logger.info("request n=%d padding=%s", n, "x" * 40)
    assert stream.getvalue().count("\n") >= 10
    handler.close()


def test_flush_and_close_write_what_is_waiting() -> None:
    stream = io.StringIO()
    logger, handler = _logger(stream, every_s=60)
    logger.info("last request before the worker stops")
    handler.flush()
    assert stream.getvalue().endswith("last request before the worker stops\n")
    logger.info("and one more")
    handler.close()
    assert stream.getvalue().endswith("and one more\n")


def test_line_times_read_as_the_standard_format_does() -> None:
    from app.log_lines import LineFormatter

    standard, ours = logging.Formatter(FORMAT), LineFormatter(FORMAT)
    for created in (1_790_000_000.0, 1_790_000_000.25, 1_790_000_000.999, 1_790_000_001.5):
        record = logging.makeLogRecord(
            {"msg": "x", "created": created, "msecs": (created % 1) * 1000}
        )
        assert ours.formatTime(record) == standard.formatTime(record)
