"""CSRF protection: a token bound to the sign-in (or an anonymous cookie), checked on unsafe methods."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request

from app.config import Settings
from app.db import SAFE_METHODS
from app.errors import Forbidden
from app.security import csrf_matches, csrf_token, token_digest
from app.web.deps import session_cookie_name

ANON_COOKIE = "allyship_csrf"
# Behind https the anonymous cookie is __Host-: a sibling subdomain cannot plant one, so it
# cannot pick the token a sign-in form is checked against (login CSRF by cookie tossing).
SECURE_ANON_COOKIE = "__Host-allyship_csrf"
# Sign-in binds its token to the anonymous cookie only, so it also checks Origin.
ORIGIN_CHECKED = frozenset({"/login"})
DEFAULT_PORTS = {"http": 80, "https": 443}
# RFC 8058 one-click: a mail program POSTs `List-Unsubscribe=One-Click` to a nudge's stop link,
# with no cookies and so no CSRF token. The only exemption: this path, with the link's
# signature in the URL and exactly that body. The route checks the signature; it stops one
# person's nudges, once (app/lasting/stopping.py), as the link's own button does. It comes
# before the cross-site check: a webmail may send the POST from the reader's browser.
ONE_CLICK_PATH = "/nudges/stop"
ONE_CLICK_FIELD, ONE_CLICK_VALUE = "List-Unsubscribe", "One-Click"
HEADER = "X-CSRF-Token"
FIELD = "csrf_token"


def anon_cookie_name(settings: Settings) -> str:
    return SECURE_ANON_COOKIE if settings.https else ANON_COOKIE


def binding_for(request: Request, session_cookie: str) -> str | None:
    """What the token is bound to: the sign-in token's digest, else the anonymous cookie."""
    if token := request.cookies.get(session_cookie):
        return "s:" + token_digest(token)
    anon_name = anon_cookie_name(request.app.state.settings)
    if anon := request.cookies.get(anon_name) or getattr(request.state, "new_anon_csrf", None):
        return "a:" + anon
    return None


def token_for(request: Request) -> str:
    """The token templates put in forms and in the hx-headers attribute (made once a request)."""
    state = request.scope.setdefault("state", {})
    token: str | None = state.get("csrf_token")
    if token is None:
        settings = request.app.state.settings
        binding = binding_for(request, session_cookie_name(settings))
        token = state["csrf_token"] = csrf_token(settings.secret_key, binding) if binding else ""
    return token


async def csrf_protect(request: Request) -> None:
    """Refuse unsafe requests without a matching token or from other sites."""
    if request.method in SAFE_METHODS:
        return
    if request.scope["path"].startswith("/api/"):
        # The API authenticates by Bearer key only, never by cookie: CSRF does not apply, and
        # reading a form here would consume a body the route then cannot parse (a 400 instead
        # of the 401 a request without a key must get).
        return
    if request.scope["path"].startswith("/scim/") and request.headers.get(
        "Authorization", ""
    ).startswith("Bearer "):
        return  # SCIM clients authenticate by Bearer key too
    if await _one_click_stop(request):
        return
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        raise Forbidden("This request came from another site and was refused.")
    settings = request.app.state.settings
    origin = request.headers.get("origin")
    host = request.headers.get("host", "")
    if (
        request.scope["path"] in ORIGIN_CHECKED
        and origin is not None
        and not _same_origin(origin, host, settings)
    ):
        raise Forbidden(
            f"This sign-in was sent from another site ({origin[:100]}) and was refused. "
            "Open this site's own sign-in page and sign in there."
        )
    binding = binding_for(request, session_cookie_name(settings))
    presented = request.headers.get(HEADER)
    if not presented and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(FIELD)
        presented = value if isinstance(value, str) else None
    if binding is None or not csrf_matches(settings.secret_key, binding, presented):
        raise Forbidden(
            "Your form expired or came from somewhere else. Go back, reload the page and try again."
        )


async def _one_click_stop(request: Request) -> bool:
    """Whether this is a mail program's one-click POST to a stop link (see ONE_CLICK_PATH)."""
    if request.scope["path"] != ONE_CLICK_PATH or not request.query_params.get("s"):
        return False
    if not request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        return False
    form = await request.form()
    return list(form.keys()) == [ONE_CLICK_FIELD] and form.get(ONE_CLICK_FIELD) == ONE_CLICK_VALUE


def _origin_key(scheme: str, netloc: str) -> str:
    """scheme://host:port in lower case, with the scheme's default port written out."""
    parts = urlsplit(f"{scheme}://{netloc}")
    try:
        port = parts.port or DEFAULT_PORTS.get(scheme, 0)
    except ValueError:
        return ""
    return f"{scheme}://{(parts.hostname or '').lower()}:{port}"


def _same_origin(origin: str, host: str, settings: Settings) -> bool:
    """Whether a browser's Origin is this site: its public URL, or the Host it asked for.

    A missing Origin is left to the CSRF token; "null" and anything else are refused.
    """
    sent = urlsplit(origin.strip())
    if sent.scheme not in DEFAULT_PORTS or not sent.netloc:
        return False
    key = _origin_key(sent.scheme, sent.netloc)
    allowed = set()
    if settings.base_url:
        public = urlsplit(settings.base_url)
        allowed.add(_origin_key(public.scheme, public.netloc))
    for scheme in ("https",) if settings.https else ("http", "https"):
        if host:
            allowed.add(_origin_key(scheme, host))
    return bool(key) and key in allowed
