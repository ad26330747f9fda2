"""Calendar invitations for planned sessions (RFC 5545 iCalendar, RFC 5546 iTIP methods).

Pure: text in, text out. Each invitee gets their own object naming only them as attendee,
so an invitation never lists who else was invited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

REQUEST = "REQUEST"
CANCEL = "CANCEL"
PRODID = "-//Allies in Practice//Group sessions//EN"
LINE_OCTETS = 75  # RFC 5545 3.1: lines longer than this are folded


@dataclass(frozen=True)
class Invitation:
    uid: str  # stable for the plan: every update and the cancellation name the same event
    sequence: int
    starts_at: datetime  # aware, any zone: written in UTC
    minutes: int
    summary: str
    description: str
    organizer_name: str
    organizer_email: str
    attendee_name: str
    attendee_email: str
    url: str = ""


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon and comma escaped, newlines as \\n."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def param_value(value: str) -> str:
    """A parameter value (RFC 5545 3.2): quoted, without the quotes and controls it may not hold."""
    clean = "".join(c for c in value if c != '"' and (c >= " " or c == "\t"))
    return f'"{clean}"'


def utc_stamp(moment: datetime) -> str:
    """DATE-TIME in UTC form (RFC 5545 3.3.5 form #2), e.g. 20261210T090000Z."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def fold(line: str) -> str:
    """Split a content line into lines of at most 75 octets, never inside a UTF-8 character."""
    out: list[str] = []
    current, size = "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        limit = LINE_OCTETS if not out else LINE_OCTETS - 1  # continuation lines start with a space
        if size + width > limit:
            out.append(current)
            current, size = "", 0
        current += char
        size += width
    out.append(current)
    return "\r\n ".join(out)


def calendar(invitation: Invitation, *, method: str, stamp: datetime) -> str:
    """The whole VCALENDAR for one invitee: METHOD:REQUEST to invite or update, CANCEL to cancel."""
    i = invitation
    ends_at = i.starts_at + timedelta(minutes=i.minutes)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        f"METHOD:{method}",
        "BEGIN:VEVENT",
        f"UID:{i.uid}",
        f"DTSTAMP:{utc_stamp(stamp)}",
        f"DTSTART:{utc_stamp(i.starts_at)}",
        f"DTEND:{utc_stamp(ends_at)}",
        f"SEQUENCE:{i.sequence}",
        f"SUMMARY:{escape_text(i.summary)}",
        f"DESCRIPTION:{escape_text(i.description)}",
        f"ORGANIZER;CN={param_value(i.organizer_name)}:mailto:{i.organizer_email}",
        f"ATTENDEE;CN={param_value(i.attendee_name)};ROLE=REQ-PARTICIPANT;"
        f"PARTSTAT=NEEDS-ACTION;RSVP=FALSE:mailto:{i.attendee_email}",
        f"STATUS:{'CANCELLED' if method == CANCEL else 'CONFIRMED'}",
        *([f"URL:{i.url}"] if i.url else []),
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + "\r\n" for line in lines)
