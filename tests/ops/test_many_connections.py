"""More simultaneous requests than threads and pooled connections: nothing jams.

Before, a signed-in GET held its pooled connection from the sign-in lookup until the end of
the request; with more requests in flight than threads (40) and connections (15), every
thread could end up waiting for a connection held by requests waiting for a thread, until
the pool's 30 s timeout failed them (bench/NOTES.md).
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from app.db import session_for
from tests.conftest import CSRF_FIELD, FIXTURE_COURSE
from tests.factories import PASSWORD, make_user
from tests.servers import start_server, stop_server

pytestmark = [pytest.mark.slow, pytest.mark.sqlite_only]
IN_FLIGHT = 150


async def _pages(url: str, cookies: httpx.Cookies) -> list[int]:
    limits = httpx.Limits(max_connections=IN_FLIGHT, max_keepalive_connections=IN_FLIGHT)
    async with httpx.AsyncClient(
        base_url=url, cookies=cookies, limits=limits, timeout=20
    ) as client:
        responses = await asyncio.gather(*(client.get("/") for _ in range(IN_FLIGHT)))
    return [r.status_code for r in responses]


def test_a_burst_of_signed_in_pages_is_all_served(db_url: str) -> None:
    with session_for(db_url) as session:
        make_user(session, "burst@example.com")
    proc, url = start_server(db_url, content_dir=FIXTURE_COURSE)
    try:
        with httpx.Client(base_url=url) as client:
            token = CSRF_FIELD.search(client.get("/login").text).group(1)  # type: ignore[union-attr]
            signed = client.post(
                "/login",
                data={"email": "burst@example.com", "password": PASSWORD, "csrf_token": token},
            )
            assert signed.status_code == 303
            # Its own thread: Playwright's sync tests may leave a loop running in this one.
            with ThreadPoolExecutor(max_workers=1) as pool:
                statuses = pool.submit(asyncio.run, _pages(url, client.cookies)).result()
    finally:
        stop_server(proc)
    assert statuses == [200] * IN_FLIGHT
