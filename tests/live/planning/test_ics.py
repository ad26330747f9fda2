"""The calendar object itself (RFC 5545): escaping, folding at 75 octets, UTC times, methods."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import icalendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.live.planning_ics import CANCEL, REQUEST, Invitation, calendar, escape_text, fold

STAMP = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def invitation(**over: object) -> Invitation:
    values: dict[str, object] = {
        "uid": "group-session-plan-7@learn.example.com",
        "sequence": 2,
        "starts_at": datetime(2027, 3, 15, 9, 30, tzinfo=timezone(timedelta(hours=-4))),
        "minutes": 90,
        "summary": "Group session: Speak up, then listen; again",
        "description": "Line one\nLine two, with a comma; and a semicolon \\ backslash",
        "organizer_name": 'Fay "the" Facilitator',
        "organizer_email": "fay@example.com",
        "attendee_name": "Zoë Ærø-Ünlü",
        "attendee_email": "zoe@example.com",
    }
    return Invitation(**(values | over))  # type: ignore[arg-type]


def test_commas_semicolons_backslashes_and_newlines_are_escaped() -> None:
    assert escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    raw = calendar(invitation(), method=REQUEST, stamp=STAMP)
    assert "SUMMARY:Group session: Speak up\\, then listen\\; again\r\n" in raw
    event = icalendar.Calendar.from_ical(raw).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Group session: Speak up, then listen; again"
    assert str(event["DESCRIPTION"]) == invitation().description


def test_dtstart_is_written_in_utc() -> None:
    raw = calendar(invitation(), method=REQUEST, stamp=STAMP)
    assert "DTSTART:20270315T133000Z\r\n" in raw and "DTEND:20270315T150000Z\r\n" in raw
    assert "DTSTAMP:20261207T120000Z\r\n" in raw


@pytest.mark.parametrize("method", [REQUEST, CANCEL])
def test_every_line_is_at_most_75_octets_and_parses_back(method: str) -> None:
    long = "Ünïcödé ✓ " * 30  # multi-byte characters across the fold
    raw = calendar(invitation(description=long, summary=long), method=method, stamp=STAMP)
    lines = raw.split("\r\n")
    assert lines[-1] == "" and all(len(line.encode()) <= 75 for line in lines)
    cal = icalendar.Calendar.from_ical(raw)
    event = cal.walk("VEVENT")[0]
    assert str(cal["METHOD"]) == method and str(event["DESCRIPTION"]) == long
    assert str(event["STATUS"]) == ("CANCELLED" if method == CANCEL else "CONFIRMED")
    assert event["ATTENDEE"].params["CN"] == "Zoë Ærø-Ünlü"
    assert event["ORGANIZER"].params["CN"] == "Fay the Facilitator"  # quotes cannot be kept


# Content lines hold no raw newlines (escaped first), and text decoded from HTTP no lone surrogates.
@given(st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\r\n"), max_size=400))
def test_folding_never_splits_a_character_or_loses_text(text: str) -> None:
    folded = fold("DESCRIPTION:" + text)
    parts = folded.split("\r\n ")
    assert all(len(p.encode()) <= (75 if i == 0 else 74) for i, p in enumerate(parts))
    assert "".join(parts) == "DESCRIPTION:" + text
