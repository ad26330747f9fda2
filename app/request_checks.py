"""The one app-wide dependency: who is signed in, then CSRF, then NUL characters.

One dependency rather than three: FastAPI's cost per dependency is about a fifth of a
cheap page's own time (bench/NOTES.md). The sign-in is looked up first so that a refused
form shown again (app/forms.py) knows whose page it is; routes that ask for the user get
the same lookup from FastAPI's per-request cache.
"""

from __future__ import annotations

from fastapi import Request

from app.csrf import csrf_protect
from app.deps import OptionalUser
from app.inputs import refuse_nul_characters


async def request_checks(request: Request, _user: OptionalUser) -> None:
    await csrf_protect(request)
    await refuse_nul_characters(request)
