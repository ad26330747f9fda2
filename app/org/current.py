"""The organisation's settings for this request, read once per request by the request checks."""

from __future__ import annotations

from functools import partial

from fastapi import Request

from app.org.settings_store import OrgSettings, defaults, org_settings
from app.web.request_reads import Planned, RequestRead

# /healthz must answer at once even when the database is locked or down (app/main.py), and
# the JSON API shows no page: neither reads the settings.
WITHOUT_PAGES = frozenset({"/healthz"})


def plan_org(request: Request) -> Planned:
    """Read the settings for every page (app/web/request_checks.py runs it with the sign-in).

    One SELECT per request and nothing kept between requests, so every worker shows a saved
    change on its next page.
    """
    path = request.scope["path"]  # request.url would build a whole URL (bench/NOTES.md)
    if path in WITHOUT_PAGES or path.startswith("/api/"):
        return None  # no page to dress, no database to ask: org_of gives the defaults
    return partial(org_settings, settings=request.app.state.settings)


async def keep_org(request: Request, org: OrgSettings | None) -> None:
    if org is not None:
        request.state.org = org


ORG_READ = RequestRead(plan=plan_org, keep=keep_org)


def org_of(request: Request) -> OrgSettings:
    """This request's settings; the environment's defaults where the checks never ran
    (an error page for a path no route has)."""
    org = getattr(request.state, "org", None)
    return org if isinstance(org, OrgSettings) else defaults(request.app.state.settings)
