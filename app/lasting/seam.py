"""What lasting learning needs from the refresher pool (app/refreshers).

The sender asks which refresher rounds a person already took and for the signed link to a
round; the dashboard asks which refreshers are waiting. `NoRefreshers` stands in where a test
of the check-in nudges wants no refresher in the way.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from sqlmodel import Session

from app.config import Settings
from app.content.catalog import Catalog
from app.db import Source
from app.refreshers.service import RefresherPool, WaitingRefresher


class RefresherSource(Protocol):
    def rounds_done(self, session: Session, user_ids: Iterable[int]) -> set[tuple[int, str, int]]:
        """(person, module, round) for every refresher round already taken."""
        ...

    def link(self, settings: Settings, user_id: int, module_id: str, round: int) -> str | None:
        """The signed one-time link to a round, or None when there is none to offer."""
        ...

    def waiting(self, source: Source, user_id: int) -> list[WaitingRefresher]:
        """The refreshers waiting for this person now (the dashboard's cards)."""
        ...


class NoRefreshers:
    """The refresher pool before it is wired: nothing taken, nothing to link to, nothing waiting."""

    def rounds_done(self, session: Session, user_ids: Iterable[int]) -> set[tuple[int, str, int]]:
        return set()

    def link(self, settings: Settings, user_id: int, module_id: str, round: int) -> str | None:
        return None

    def waiting(self, source: Source, user_id: int) -> list[WaitingRefresher]:
        return []


def refresher_source(catalog: Catalog) -> RefresherSource:
    """The course's refresher pool, as the sender and the dashboard ask for it."""
    return RefresherPool(catalog)
