"""The organisation's settings for this request, read once per request by the request checks."""

from __future__ import annotations

from fastapi import Request

from app.db import run_read
from app.org.settings_store import OrgSettings, defaults, org_settings

# /healthz must answer at once even when the database is locked or down (app/main.py), and
# the JSON API shows no page: neither reads the settings.
WITHOUT_PAGES = frozenset({"/healthz"})


async def look_up_org(request: Request) -> OrgSettings:
    """Read the settings and keep them on the request (app/web/request_checks.py calls this).

    One SELECT per request and nothing kept between requests, so every worker shows a saved
    change on its next page.
    """
    if request.url.path in WITHOUT_PAGES or request.url.path.startswith("/api/"):
        return defaults(request.app.state.settings)  # no page to dress, no database to ask
    org = await run_read(request, org_settings, request.app.state.settings)
    request.state.org = org
    return org


def org_of(request: Request) -> OrgSettings:
    """This request's settings; the environment's defaults where the checks never ran
    (an error page for a path no route has)."""
    org = getattr(request.state, "org", None)
    return org if isinstance(org, OrgSettings) else defaults(request.app.state.settings)
