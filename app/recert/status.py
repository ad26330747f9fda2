"""Expiry and recertification status (pure functions: no database, no clock of their own).

A completion on day D with a period of M months expires on D + M calendar months (the 31st
becomes the month's last day). It is expired from that day on, and expiring in the window
before: 60 days, or a third of the period when that is shorter (10 days a month), so a short
period never makes a completion "expiring" (and the course reopen) the day it is made.
Expiry is worked out from the period in force, so a new period moves every expiry.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import TypeVar

EXPIRING_DAYS = 60  # the longest "expiring" window, for periods of 6 months or more
DAYS_PER_MONTH_OF_WINDOW = 10  # a third of a month: the window for short periods
MAX_MONTHS = 120
D = TypeVar("D", date, datetime)


class RecertStatus(StrEnum):
    current = "current"
    expiring = "expiring"
    expired = "expired"
    not_done = "not-done"

    @property
    def label(self) -> str:
        return LABELS[self]


LABELS = {
    RecertStatus.current: "Current",
    RecertStatus.expiring: "Expiring soon",
    RecertStatus.expired: "Expired",
    RecertStatus.not_done: "Not done",
}
# Worst first: a person's status is the worst of their modules'.
ORDER = (RecertStatus.not_done, RecertStatus.expired, RecertStatus.expiring, RecertStatus.current)


def add_months(day: D, months: int) -> D:
    """`day` plus whole calendar months (negative goes back); the 31st clamps to the month's end."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def expiring_days(months: int) -> int:
    """Days before expiry a completion counts as expiring: never more than a third of the period."""
    return min(EXPIRING_DAYS, DAYS_PER_MONTH_OF_WINDOW * months)


def expiry_of(completed_at: datetime | None, months: int | None) -> date | None:
    """The day a completion stops being valid; None when there is none or the period is none."""
    if completed_at is None or months is None:
        return None
    return add_months(completed_at.astimezone(UTC).date(), months)


def counted_from(latest: Iterable[datetime | None]) -> datetime | None:
    """The completion a set of modules' validity counts from: the oldest of each module's
    latest completion, the first to expire. None while one of them was never completed.

    HR's status and "Valid until" (person page; its SQL twin is `recert_stats().c.oldest`)
    and a certificate's "Valid until" (/certificate, /verify) all count from it, so they show
    one date for a cycle (outside test F20).
    """
    days = list(latest)
    if not days or any(d is None for d in days):
        return None
    return min(d for d in days if d is not None)


def status_on(completed_at: datetime | None, months: int | None, today: date) -> RecertStatus:
    """One completion's status on `today`."""
    if completed_at is None:
        return RecertStatus.not_done
    expires = expiry_of(completed_at, months)
    if expires is None or months is None:
        return RecertStatus.current
    if today < expires - timedelta(days=expiring_days(months)):
        return RecertStatus.current
    return RecertStatus.expired if today >= expires else RecertStatus.expiring


def worst(statuses: Iterable[RecertStatus]) -> RecertStatus:
    """A person's status over their modules (not done when there are none)."""
    found = set(statuses)
    return next((s for s in ORDER if s in found), RecertStatus.not_done)


def expired_before(today: date, months: int) -> datetime:
    """Completions before this instant have expired by `today` (for a WHERE clause).

    Expiry only grows with the completion day, so the completion days expired by today are
    all days up to the last one whose expiry is on or before today.
    """
    last = add_months(today, -months)
    while add_months(last + timedelta(days=1), months) <= today:
        last += timedelta(days=1)
    return datetime.combine(last + timedelta(days=1), time.min, tzinfo=UTC)


def cutoffs(months: int | None, today: date) -> tuple[datetime, datetime] | None:
    """(expired before, expiring before) for SQL; None when completions never expire."""
    if months is None:
        return None
    return expired_before(today, months), expired_before(
        today + timedelta(days=expiring_days(months)), months
    )


def parse_period(text: str) -> int | None:
    """ "none", "12", "24" or another number of months (1 to 120); ValueError says why not.

    Only "none" switches recertification off: an empty box is a half-filled form, never a
    silent "off" for the whole organisation (outside test F6). Digits are ASCII only.
    """
    text = text.strip().lower()
    if text == "none":
        return None
    if not text:
        raise ValueError(
            f"Validity period: enter the number of months (1 to {MAX_MONTHS}), or choose none."
        )
    if not (text.isascii() and text.isdigit()) or len(text) > 4:
        raise ValueError("Validity period: choose none, 12 or 24 months, or enter whole months.")
    months = int(text)
    if not 1 <= months <= MAX_MONTHS:
        raise ValueError(
            f"Validity period: enter between 1 and {MAX_MONTHS} months, or choose none."
        )
    return months
