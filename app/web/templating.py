"""The one Jinja2 environment (autoescape on) and the page-or-fragment render helper."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from functools import cache
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.responses import HTMLResponse

from app.config import PROJECT_ROOT
from app.privacy import MIN_GROUP
from app.web import form_markup
from app.web.csrf import token_for
from app.web.navigation import nav_links

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_date(value: datetime | None) -> str:
    """The date as "7 Oct 2026", what strftime's "%-d %b %Y" gives, without its cost."""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}" if value else ""


def format_datetime(value: datetime | None) -> str:
    return value.strftime("%-d %b %Y, %H:%M UTC") if value else ""


@cache
def status_badge(status: Enum) -> Markup:
    """A status as a badge, made once per status (as a Jinja macro it was called per row)."""
    return Markup('<span class="badge badge-{}">{}</span>').format(
        status.name.replace("_", "-"), str(status.value).capitalize()
    )


def progress_bar(percent: int, label: str) -> Markup:
    return Markup(
        '<progress class="progress" value="{0}" max="100" aria-label="{1}">{0}%</progress>'
    ).format(percent, label)


def _build_env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(PROJECT_ROOT / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates ship with the code: no stat() of every template file on each render.
        auto_reload=False,
    )
    env.filters["date"] = format_date
    env.filters["datetime"] = format_datetime
    env.globals["csrf_token"] = token_for
    env.globals["nav_links"] = nav_links
    env.globals["status_badge"] = status_badge
    env.globals["progress_bar"] = progress_bar
    env.globals["error_summary"] = form_markup.error_summary
    env.globals["field_error"] = form_markup.field_error
    env.globals["described"] = form_markup.described
    # The small-group threshold pages state (app/privacy.py): one number, never a literal 5.
    env.globals["MIN_GROUP"] = MIN_GROUP
    return env


templates = Jinja2Templates(env=_build_env())


VARY = {"Vary": "HX-Request"}


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true" and not request.headers.get(
        "HX-History-Restore-Request"
    )


def render(
    request: Request,
    page: str,
    context: dict[str, Any] | None = None,
    *,
    fragment: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """Render the full page, or only `fragment` for an HTMX request; always Vary on HX-Request."""
    name = fragment if fragment and is_htmx(request) else page
    # The header given to the response as it is made: set afterwards, Starlette's
    # MutableHeaders scans and rewrites the header list (bench/NOTES.md).
    return templates.TemplateResponse(
        request, name, context or {}, status_code=status_code, headers=VARY
    )
