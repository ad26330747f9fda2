"""The dashboard's "what is due" cards: refreshers waiting, commitments to check in on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.content.catalog import Catalog
from app.db import RawQuery, Source, fetch_all
from app.lasting.seam import RefresherSource

REFRESHER_TITLE = "A refresher is waiting"
CHECKIN_TITLE = "Check in on your commitment"
_OPEN_PLANS = RawQuery.of(
    "SELECT module_id, check_on FROM commitment"
    " WHERE user_id = :user_id AND check_on IS NOT NULL ORDER BY check_on, module_id"
)


@dataclass(frozen=True)
class Card:
    title: str
    about: str
    href: str
    action: str


def _day(value: object) -> date:
    """A date column as read raw: a date (PostgreSQL) or its ISO text (SQLite)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def due_cards(
    source: Source, catalog: Catalog, refreshers: RefresherSource, *, user_id: int, today: date
) -> list[Card]:
    """The person's own due items, check-ins first (one small query, plus the refresher pool's)."""
    cards = []
    for module_id, check_on in fetch_all(source, _OPEN_PLANS, {"user_id": user_id}):
        if _day(check_on) > today:
            continue
        module = catalog.get(module_id)
        title = module.title if module else module_id
        cards.append(
            Card(CHECKIN_TITLE, title, f"/modules/{module_id}/commitment#check-in", "Check in")
        )
    cards += [
        Card(REFRESHER_TITLE, w.module_title, w.href, "Take the refresher")
        for w in refreshers.waiting(source, user_id)
    ]
    return cards
