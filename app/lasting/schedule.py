"""The one schedule for every nudge: a pure function from a learner's dates to today's nudge.

Refresher rounds fall 2, 7 and 28 days after a module was passed; a commitment's check-in on
its `check_on` day (30 days after it was made, kept or changed). A nudge is due from its day
for WINDOW more days, so a run that missed a day (or a day taken by another nudge) still sends
it, never a backlog of lapsed ones. Nothing is sent before its day, a nudge already sent never
again, nothing once the learner stopped nudges or left, at most one nudge a day, and at most
`weekly_cap` (the organisation's reminder cap) in any 7 days.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from app.refreshers.service import ROUND_DAYS

REFRESHER = "refresher"
CHECKIN = "checkin"
KINDS = (CHECKIN, REFRESHER)  # on the same day, a check-in goes first
REFRESHER_DAYS = ROUND_DAYS  # round 1, 2, 3: the refresher pool's one rule
CHECKIN_DAYS = 30
WINDOW = 6  # days a nudge stays due after its day
CAP_DAYS = 7  # the cap counts nudges in any 7 days


@dataclass(frozen=True, order=True)
class Nudge:
    """One nudge: the day it falls due, its kind, what it is about, and the refresher round."""

    due_on: date
    kind: str
    subject: str  # a module id (refresher) or a commitment id (check-in)
    round: int = 0

    @property
    def key(self) -> tuple[str, str, date]:
        return (self.kind, self.subject, self.due_on)


@dataclass(frozen=True)
class Sent:
    """A nudge already queued: its key and the day it was queued."""

    kind: str
    subject: str
    due_on: date
    sent_on: date


@dataclass(frozen=True)
class LearnerDates:
    """Everything the schedule needs about one person, read from the database beforehand."""

    passed: Mapping[str, date] = field(default_factory=dict)  # module -> day it was passed
    check_ons: Mapping[int, date] = field(default_factory=dict)  # open commitment -> check day
    sent: tuple[Sent, ...] = ()
    rounds_done: frozenset[tuple[str, int]] = frozenset()  # refreshers already taken
    stopped_on: date | None = None
    left_on: date | None = None


def scheduled(dates: LearnerDates) -> list[Nudge]:
    """Every nudge these dates call for, whenever it falls."""
    found = [
        Nudge(day + timedelta(days=after), REFRESHER, module, number)
        for module, day in dates.passed.items()
        for number, after in enumerate(REFRESHER_DAYS, start=1)
        if (module, number) not in dates.rounds_done
    ]
    found += [Nudge(day, CHECKIN, str(cid)) for cid, day in dates.check_ons.items()]
    return found


def due_today(dates: LearnerDates, *, today: date, weekly_cap: int) -> Nudge | None:
    """The one nudge to send today, or None (stopped, left, already nudged, capped, nothing due)."""
    if dates.stopped_on is not None or dates.left_on is not None:
        return None
    if any(s.sent_on == today for s in dates.sent):
        return None
    week = today - timedelta(days=CAP_DAYS - 1)
    if sum(1 for s in dates.sent if week <= s.sent_on <= today) >= weekly_cap:
        return None
    done = {(s.kind, s.subject, s.due_on) for s in dates.sent}
    open_now = [
        n
        for n in scheduled(dates)
        if n.due_on <= today <= n.due_on + timedelta(days=WINDOW) and n.key not in done
    ]
    return min(open_now, key=lambda n: (n.due_on, KINDS.index(n.kind), n.subject), default=None)
