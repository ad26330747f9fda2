"""The header's role-based links; each feature registers its own entry."""

from __future__ import annotations

from dataclasses import dataclass

from app.models import User


@dataclass(frozen=True)
class NavLink:
    href: str
    label: str
    roles: frozenset[str]


NAV_LINKS: list[NavLink] = []


def register(href: str, label: str, *roles: str) -> None:
    if all(link.href != href for link in NAV_LINKS):
        NAV_LINKS.append(NavLink(href, label, frozenset(roles)))


def nav_links(user: User | None) -> list[NavLink]:
    return [link for link in NAV_LINKS if user is not None and user.role in link.roles]
