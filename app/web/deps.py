"""Request dependencies that know no feature: settings and the loaded catalog.

Who is signed in and role checks are app/auth/deps.py's; reads on the loop are
app/db/reads.py's (`run_read`).

Dependencies that do no I/O are `async def`: FastAPI runs a plain `def` dependency in the
thread pool, and each such hop costs more than the dependency itself (bench/NOTES.md).
"""

from __future__ import annotations

from typing import Annotated, TypeVar

from fastapi import Depends, Request

from app.config import Settings
from app.content.catalog import Catalog

Result = TypeVar("Result")
SESSION_COOKIE = "allyship_session"
SECURE_SESSION_COOKIE = "__Host-allyship_session"


def session_cookie_name(settings: Settings) -> str:
    return SECURE_SESSION_COOKIE if settings.https else SESSION_COOKIE


async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_catalog(request: Request) -> Catalog:
    catalog: Catalog = request.app.state.catalog
    return catalog


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
CatalogDep = Annotated[Catalog, Depends(get_catalog)]
