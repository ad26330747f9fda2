"""CSRF protection: a token bound to the sign-in (or an anonymous cookie), checked on unsafe methods."""

from __future__ import annotations

from fastapi import Request

from app.db import SAFE_METHODS
from app.errors import Forbidden
from app.security import csrf_matches, csrf_token, token_digest

ANON_COOKIE = "allyship_csrf"
HEADER = "X-CSRF-Token"
FIELD = "csrf_token"


def binding_for(request: Request, session_cookie: str) -> str | None:
    """What the token is bound to: the sign-in token's digest, else the anonymous cookie."""
    if token := request.cookies.get(session_cookie):
        return "s:" + token_digest(token)
    if anon := request.cookies.get(ANON_COOKIE) or getattr(request.state, "new_anon_csrf", None):
        return "a:" + anon
    return None


def token_for(request: Request) -> str:
    """The token templates put in forms and in the hx-headers attribute (made once a request)."""
    state = request.scope.setdefault("state", {})
    if (token := state.get("csrf_token")) is None:
        settings = request.app.state.settings
        from app.deps import session_cookie_name

        binding = binding_for(request, session_cookie_name(settings))
        token = state["csrf_token"] = csrf_token(settings.secret_key, binding) if binding else ""
    return token


async def csrf_protect(request: Request) -> None:
    """Refuse unsafe requests without a matching token or from other sites."""
    if request.method in SAFE_METHODS:
        return
    if request.scope["path"].startswith("/api/") and request.headers.get(
        "Authorization", ""
    ).startswith("Bearer "):
        return  # API keys, no cookies: CSRF does not apply
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        raise Forbidden("This request came from another site and was refused.")
    settings = request.app.state.settings
    from app.deps import session_cookie_name

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
