"""The sign-in cookie and the kept-form cookie: HttpOnly, SameSite=Lax, Secure (and __Host-) behind https."""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response

from app.auth import privacy_notice
from app.auth.kept import KEEP_FOR
from app.auth.landing import landing
from app.config import Settings
from app.web.deps import session_cookie_name

KEPT_COOKIE = "allyship_kept"
SECURE_KEPT_COOKIE = "__Host-allyship_kept"
PENDING_COOKIE = "allyship_pending"  # a sign-in waiting for its second factor (app/auth/pending.py)
SECURE_PENDING_COOKIE = "__Host-allyship_pending"
PENDING_SECONDS = 15 * 60


def _set_private_cookie(
    response: Response, settings: Settings, name: str, value: str, *, max_age: int
) -> None:
    """An HttpOnly, SameSite=Lax cookie for the whole site, Secure behind https."""
    response.set_cookie(
        name, value, httponly=True, samesite="lax", secure=settings.https, path="/", max_age=max_age
    )


def set_session_cookie(response: Response, settings: Settings, token: str) -> None:
    _set_private_cookie(
        response,
        settings,
        session_cookie_name(settings),
        token,
        max_age=settings.session_absolute_hours * 3600,
    )


def signed_in_redirect(
    settings: Settings, token: str, *, role: str, target: str, first_sign_in: bool
) -> RedirectResponse:
    """Sign-in complete: the session cookie, and on to the page asked for (or the role's home)."""
    page = landing(role, target)
    response = RedirectResponse(
        privacy_notice.page_then(page) if first_sign_in else page, status_code=303
    )
    set_session_cookie(response, settings, token)
    return response


def pending_cookie_name(settings: Settings) -> str:
    return SECURE_PENDING_COOKIE if settings.https else PENDING_COOKIE


def set_pending_cookie(response: Response, settings: Settings, token: str) -> None:
    _set_private_cookie(
        response, settings, pending_cookie_name(settings), token, max_age=PENDING_SECONDS
    )


def forget_pending_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        pending_cookie_name(settings),
        path="/",
        secure=settings.https,
        httponly=True,
        samesite="lax",
    )


def kept_cookie_name(settings: Settings) -> str:
    return SECURE_KEPT_COOKIE if settings.https else KEPT_COOKIE


def set_kept_cookie(response: Response, settings: Settings, token: str) -> None:
    """The browser's claim on a form kept after its sign-in ended (app/auth/kept.py)."""
    _set_private_cookie(
        response, settings, kept_cookie_name(settings), token, max_age=int(KEEP_FOR.total_seconds())
    )


def forget_kept_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        kept_cookie_name(settings), path="/", secure=settings.https, httponly=True, samesite="lax"
    )
