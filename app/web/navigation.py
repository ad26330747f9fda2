"""The header's role-based links; each feature registers its own entry."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Protocol


class HasRole(Protocol):
    """Whoever is signed in, as far as the header cares (the web kit knows no feature)."""

    @property
    def role(self) -> str: ...


@dataclass(frozen=True)
class NavLink:
    href: str
    label: str
    roles: frozenset[str]
    # A flag the signed-in row must carry (e.g. "has_reports"): "" when the role is enough.
    needs: str = ""


NAV_LINKS: list[NavLink] = []


def register(href: str, label: str, *roles: str, needs: str = "") -> None:
    if all(link.href != href for link in NAV_LINKS):
        NAV_LINKS.append(NavLink(href, label, frozenset(roles), needs))
        _links_for.cache_clear()


def nav_links(user: HasRole | None) -> tuple[NavLink, ...]:
    if user is None:
        return ()
    links = _links_for(user.role)
    if any(link.needs for link in links):
        return tuple(link for link in links if not link.needs or getattr(user, link.needs, False))
    return links


@cache
def _links_for(role: str) -> tuple[NavLink, ...]:
    """A role's links, made once (every page's header asks)."""
    return tuple(link for link in NAV_LINKS if role in link.roles)
