"""Forms sent after the sign-in ended: kept on the way to the sign-in page, given back after.

A route whose form should survive an ended sign-in declares `@keeps_form(keeper)`; the
keeper picks out of the posted form what to keep and names the page to come back to
(app/auth/kept.py's FormToKeep). When such a POST meets LoginRequired, main.py calls
`keep_for_sign_in`: the form is kept for the person whose ended sign-in the browser still
presents, and the sign-in page sends them back to that page, which calls `take_kept`.
The CSRF check has run before any of this, so only a form from one of our own pages in
that browser is ever kept.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from app.auth.cookies import forget_kept_cookie, kept_cookie_name
from app.auth.deps import CurrentUser
from app.auth.kept import FormToKeep, KeptValues, keep, kept_token, take
from app.auth.lookup import AnyUser, ended_login
from app.db import SAFE_METHODS, run_batched_write, run_read
from app.models import row_id
from app.web.deps import session_cookie_name

Keeper = Callable[[Request, FormData], FormToKeep | None]
FIELD_MAX = 20_000  # longer than any text field of a kept form (an e-mail body: 10,000)
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])
_KEEPERS: dict[Callable[..., Any], Keeper] = {}
MAX_FIELDS = 200
log = logging.getLogger("allyship.auth")


def keeps_form(keeper: Keeper) -> Callable[[Endpoint], Endpoint]:
    """Declare what of the route's form to keep when it is sent after the sign-in ended."""

    def register(endpoint: Endpoint) -> Endpoint:
        _KEEPERS[endpoint] = keeper
        return endpoint

    return register


@dataclass(frozen=True)
class Kept:
    """Where to come back to after signing in, and the cookie token if something was kept."""

    page: str
    token: str | None


async def keep_for_sign_in(request: Request) -> Kept | None:
    """Keep the form of a POST that met LoginRequired, if its route keeps forms.

    None when the route keeps nothing or the form is unreadable; a Kept without a token when
    there was nothing to keep or no ended sign-in to bind it to (no cookie, an unknown one,
    a deactivated account): the person still comes back to the page, empty-handed.
    """
    route = request.scope.get("route")
    keeper = _KEEPERS.get(route.endpoint) if isinstance(route, APIRoute) else None
    if keeper is None or request.method in SAFE_METHODS:
        return None
    try:
        form = await request.form(max_fields=MAX_FIELDS)
    except HTTPException:
        return None
    to_keep = keeper(request, form)
    if to_keep is None:
        return None
    settings = request.app.state.settings
    session_token = request.cookies.get(session_cookie_name(settings))
    ended = await run_read(request, ended_login, settings, session_token) if session_token else None
    if ended is None or session_token is None or not to_keep.fields:
        return Kept(to_keep.page, None)
    token = kept_token(settings.secret_key, session_token)
    write = partial(keep, token=token, user_id=ended.user_id, reason=ended.reason, form=to_keep)
    await run_batched_write(request, write)
    log.info(
        "form kept after sign-in ended id=%s user=%s kind=%s reason=%s",
        request.state.request_id,
        ended.user_id,
        to_keep.kind,
        ended.reason,
    )
    return Kept(to_keep.page, token)


async def take_kept(
    request: Request, *, user: AnyUser, kind: str, module_id: str
) -> KeptValues | None:
    """The form this browser kept for `user` on this page, deleted as it is given back."""
    token = request.cookies.get(kept_cookie_name(request.app.state.settings))
    if not token:
        return None
    take_it = partial(take, token=token, user_id=row_id(user), kind=kind, module_id=module_id)
    kept = await run_batched_write(request, take_it)
    request.state.kept_more = bool(kept and kept.more)
    return kept


def settle_kept(request: Request, response: Response) -> Response:
    """After a page gave back its kept form: forget the cookie unless other pages hold one.

    Two tabs sent after the timeout keep two forms under one cookie (retest R8); the second
    page must still find its own after the first gave its back.
    """
    if not getattr(request.state, "kept_more", False):
        forget_kept_cookie(response, request.app.state.settings)
    return response


def text_fields(form: FormData, names: Iterable[str]) -> dict[str, str]:
    """The named text fields of `form` as sent (each cut to FIELD_MAX characters)."""
    return {name: value[:FIELD_MAX] for name in names if isinstance(value := form.get(name), str)}


def given_back(kind: str, module_of: Callable[[Request], str]) -> Callable[..., Any]:
    """A dependency for a form's page: the fields kept there for this person ({} if none).

    The page shows them in the form, unsaved, with `BACK`, and forgets the cookie
    (`settle_kept`); pressing the form's button again saves them the normal way, so
    the checks and conflict detection of a save still apply (for the admin and HR forms,
    outside test F22; quizzes and reflections: app/learning/signed_out.py).
    """

    async def dependency(request: Request, user: CurrentUser) -> dict[str, str]:
        kept = await take_kept(request, user=user, kind=kind, module_id=module_of(request))
        return dict(kept.fields) if kept else {}

    return dependency


BACK = (
    "You were signed out before this was saved. What you typed is filled in below, not "
    "saved yet: check it and press “{button}”."
)
