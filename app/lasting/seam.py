"""What lasting learning needs from the refresher pool (app/refreshers, another branch).

The sender asks which refresher rounds a person already took and for the signed link to a
round; the dashboard asks which refreshers are waiting. Until the refresher pool is wired in
`refresher_source()`, no refresher is offered: no refresher nudge is queued and no card shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from sqlmodel import Session

from app.config import Settings
from app.db import Source


@dataclass(frozen=True)
class WaitingRefresher:
    """A refresher the person may take now: the module's title and where to take it."""

    module_title: str
    href: str


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


def refresher_source() -> RefresherSource:
    """The refresher pool in use (the lead wires app/refreshers/service.py here at merge)."""
    return NoRefreshers()
