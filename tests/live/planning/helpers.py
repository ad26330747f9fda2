"""Planned-session test helpers: a plan form to post, the delivered e-mails and their calendars."""

from __future__ import annotations

import email
from datetime import UTC, date, datetime, time, timedelta
from email import policy
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
from fastapi.testclient import TestClient

from app.config import Settings
from tests.conftest import csrf_from
from tests.hr.conftest import Inbox
from tests.mail import deliver

ZONE = ZoneInfo("America/New_York")
DAY = date.today() + timedelta(days=30)


def starts(day: date = DAY, hhmm: str = "09:30") -> datetime:
    """What a form's local date and time mean in UTC."""
    hour, minute = (int(p) for p in hhmm.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE).astimezone(UTC)


def form(
    client: TestClient, url: str = "/live/plans/new?module_id=first-steps", **over: Any
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "csrf_token": csrf_from(client.get(url).text),
        "module_id": "first-steps",
        "scenario": ["standup", "review"],
        "day": DAY.isoformat(),
        "time": "09:30",
        "minutes": "60",
        "headcount": "12",
        "invitee": [],
        "department": "",
    }
    data.update(over)
    return data


def plan(client: TestClient, **over: Any) -> int:
    made = client.post("/live/plans", data=form(client, **over))
    assert made.status_code == 303, made.text
    return int(made.headers["location"].split("/")[-1].split("?")[0])


def delivered(settings: Settings, inbox: Inbox) -> list[EmailMessage]:
    """Send what is queued through the real sender and SMTP; the messages received, parsed."""
    deliver(settings)
    return [
        email.message_from_bytes(m.original_content, policy=policy.default) for m in inbox.messages
    ]  # type: ignore[misc]


def calendar_of(message: EmailMessage) -> tuple[str, str, icalendar.Calendar]:
    """The text/calendar part: its method parameter, raw text, and the parsed calendar."""
    (part,) = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    raw = part.get_payload(decode=True).decode("utf-8")  # type: ignore[union-attr]
    return str(part.get_param("method")), raw, icalendar.Calendar.from_ical(raw)


def event_of(cal: icalendar.Calendar) -> Any:
    (event,) = cal.walk("VEVENT")
    return event
