"""Reading the events feed: events after a sequence number, in commit order, a page at a time."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict
from sqlalchemy import func
from sqlmodel import Session, col, select

from app.models import Event

PAGE_MAX = 1000
EVENT_EXAMPLE: JsonDict = {
    "seq": 41,
    "type": "module.completed",
    "subject": "completion/17",
    "timestamp": "2026-12-07T09:12:03.512Z",
    "data": {
        "module_id": "why-allies-matter",
        "completed_at": "2026-12-07T09:12:03.498Z",
        "via": "self-paced",
        "cycle": 1,
        "score": 100,
        "person": {"external_id": "E1042", "email": "ana@example.com"},
    },
}


class EventOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [EVENT_EXAMPLE]})

    seq: int = Field(description="The event's place in commit order; pass as `after` to go on.")
    type: str = Field(examples=["module.completed"], description="The event's kind.")
    subject: str = Field(examples=["completion/42"], description="What it is about, stable.")
    timestamp: datetime = Field(description="When it was recorded (UTC).")
    data: dict[str, Any] = Field(
        description="The payload; `person` has `external_id` and `email`. Never reflections, "
        "answers or votes."
    )


class EventPage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"events": [EVENT_EXAMPLE], "next_after": 41, "more": False}]
        }
    )

    events: list[EventOut]
    next_after: int = Field(
        description="Pass as `after` next time. Always present: on the last (or an empty) "
        "page it is where to poll from."
    )
    more: bool = Field(description="Whether more events are waiting now.")


def payload(event: Event) -> dict[str, Any]:
    """The event as it is sent and listed: the Standard Webhooks shape (type, timestamp, data)."""
    return {
        "type": event.kind,
        "timestamp": event.occurred_at.isoformat().replace("+00:00", "Z"),
        "data": json.loads(event.data),
    }


def page(session: Session, *, after: int, limit: int) -> EventPage:
    """Events with seq > after, oldest first (keyset paging on the commit-ordered seq)."""
    rows = session.exec(
        select(Event).where(col(Event.seq) > after).order_by(col(Event.seq)).limit(limit + 1)
    ).all()
    shown = rows[:limit]
    events = [
        EventOut(
            seq=e.seq or 0,
            type=e.kind,
            subject=e.subject,
            timestamp=e.occurred_at,
            data=json.loads(e.data),
        )
        for e in shown
    ]
    return EventPage(
        events=events,
        next_after=events[-1].seq if events else after,
        more=len(rows) > limit,
    )


def newest(session: Session) -> int:
    """The highest sequence number so far (0 with no events)."""
    found = session.exec(select(func.max(Event.seq))).one()
    return int(found or 0)


# /api/v1/progress is deprecated in favour of this feed (RFC 9745 Deprecation, RFC 8594 Sunset).
PROGRESS_SUNSET = "Wed, 30 Jun 2027 00:00:00 GMT"
PROGRESS_DEPRECATION = {
    "Deprecation": "@1796601600",  # 2026-12-07
    "Sunset": PROGRESS_SUNSET,
    "Link": '</api/v1/events>; rel="successor-version"',
}
