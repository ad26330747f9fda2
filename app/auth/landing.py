"""Where a sign-in lands: the page a safe `next` asked for, else the role's own home.

The site root `/` is the learner dashboard ("My course" in the header) for everyone; it is
not a role's home, so `next=/` (what opening the bare address while signed out gives)
counts as no request and HR, facilitators and admins still land on their own page.
"""

from __future__ import annotations

from urllib.parse import urlsplit

LEARNER_HOME = "/"
# Admins land on the organisation settings (issue 17, point 1), whose link is also the first
# step of the HR overview's getting-started list.
ADMIN_HOME = "/admin/settings"
ROLE_HOMES = {"hr": "/hr", "facilitator": "/live", "admin": ADMIN_HOME}


def role_home(role: str) -> str:
    """The page a role starts on; learners (and any role not listed) on their dashboard."""
    return ROLE_HOMES.get(role, LEARNER_HOME)


def safe_next(target: str | None) -> str:
    """Only same-site paths: '/x' yes; '//evil', '/\\evil', 'https://evil', control characters no.

    Browsers drop tabs and newlines inside a URL and read a backslash as a slash, so
    '/\\t/evil' or '/\\\\evil' would leave the site: anything unusual gives the root instead.
    """
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return LEARNER_HOME
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in target) or "\\" in target:
        return LEARNER_HOME
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return LEARNER_HOME
    return target


def landing(role: str, target: str | None) -> str:
    """The asked-for page when it is safe and not the bare root, else the role's home."""
    path = safe_next(target)
    return role_home(role) if path == LEARNER_HOME else path
