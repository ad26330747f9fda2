"""The one app-wide dependency: who is signed in, then CSRF, then NUL characters.

One dependency rather than three, each a plain call: FastAPI's cost per dependency is
about a fifth of a cheap page's own time (bench/NOTES.md). The sign-in is looked up first
so that a refused form shown again (app/forms.py) knows whose page it is; the user
dependencies in app/deps.py read what it found.
"""

from __future__ import annotations

from fastapi import Request

from app.csrf import csrf_protect
from app.deps import look_up_sign_in
from app.inputs import refuse_nul_characters


async def request_checks(request: Request) -> None:
    await look_up_sign_in(request)
    await csrf_protect(request)
    await refuse_nul_characters(request)
