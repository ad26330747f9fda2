"""The sign-in cookie: HttpOnly, SameSite=Lax, Secure (and __Host-) behind https."""

from __future__ import annotations

from starlette.responses import Response

from app.config import Settings
from app.deps import session_cookie_name


def set_session_cookie(response: Response, settings: Settings, token: str) -> None:
    response.set_cookie(
        session_cookie_name(settings),
        token,
        httponly=True,
        samesite="lax",
        secure=settings.https,
        path="/",
        max_age=settings.session_absolute_hours * 3600,
    )
