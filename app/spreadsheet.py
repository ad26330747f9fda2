"""Cells for CSV files that people open in a spreadsheet (HR exports, session summaries)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Numbers stay numbers; text a spreadsheet would run as a formula gets a leading quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime | date):
        return value.strftime("%Y-%m-%d")
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text
