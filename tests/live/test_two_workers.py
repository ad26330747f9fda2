"""A whole session on two real uvicorn workers: every bit of state lives in the database."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlmodel import Session, func, select

from app.db import make_engine
from app.models import LiveParticipant, LiveVote
from tests.conftest import CSRF_FIELD, FIXTURE_COURSE
from tests.factories import PASSWORD, make_user
from tests.live.conftest import HX_TOKEN, VERSION
from tests.servers import start_server, stop_server

pytestmark = pytest.mark.slow
PHONES = 12
STEP = re.compile(r'data-announce="([^"]+)"')
CHOICES = ["credit", "private", "silent"]


class Phone:
    """A phone: a new connection per request, so requests land on either worker."""

    def __init__(self, url: str, code: str) -> None:
        self.client = httpx.Client(base_url=url, timeout=30, headers={"Connection": "close"})
        self.code, self.etag = code, ""

    def join(self) -> None:
        invite = self.client.get(f"/j/{self.code}")
        token = HX_TOKEN.search(invite.text).group(1)  # type: ignore[union-attr]
        joined = self.client.post(f"/j/{self.code}/join", data={"csrf_token": token})
        assert joined.status_code == 303, joined.text

    def poll(self) -> str | None:
        """The step label if it changed since the last poll, else None (a 304)."""
        headers = {"HX-Request": "true", "If-None-Match": self.etag}
        response = self.client.get(f"/j/{self.code}", headers=headers)
        if response.status_code == 304:
            return None
        assert response.status_code == 200, response.text
        self.etag = response.headers["etag"]
        return STEP.search(response.text).group(1)  # type: ignore[union-attr]

    def vote(self, choice: str) -> int:
        page = self.client.get(f"/j/{self.code}").text
        token = HX_TOKEN.search(page).group(1)  # type: ignore[union-attr]
        data = {"csrf_token": token, "scenario_id": "standup", "choice": choice}
        return self.client.post(f"/j/{self.code}/vote", data=data).status_code


def test_a_session_runs_unchanged_across_two_workers(db_url: str) -> None:
    engine = make_engine(db_url)
    with Session(engine) as session:
        make_user(session, "fay@example.com", name="Fay", role="facilitator")
    proc, url = start_server(db_url, workers=2, content_dir=FIXTURE_COURSE)
    clients: list[httpx.Client] = []
    try:
        fay = httpx.Client(base_url=url, timeout=30)
        clients.append(fay)
        token = CSRF_FIELD.search(fay.get("/login").text).group(1)  # type: ignore[union-attr]
        fay.post(
            "/login", data={"email": "fay@example.com", "password": PASSWORD, "csrf_token": token}
        )
        form = fay.get("/live/new?module_id=first-steps").text
        created = fay.post(
            "/live",
            data={
                "csrf_token": CSRF_FIELD.search(form).group(1),
                "module_id": "first-steps",
                "scenario": ["standup"],
            },  # type: ignore[union-attr]
        )
        live_url = created.headers["location"]
        code = "".join(
            re.search(r'class="join-code">(\w{3}) (\w{3})<', fay.get(live_url).text).groups()
        )  # type: ignore[union-attr]

        phones = [Phone(url, code) for _ in range(PHONES)]
        clients.extend(phone.client for phone in phones)
        with ThreadPoolExecutor(PHONES) as pool:
            list(pool.map(Phone.join, phones))
            assert set(pool.map(Phone.poll, phones)) == {"Waiting to start"}

            def step(action: str = "next") -> None:
                page = fay.get(f"{live_url}/present").text
                data = {
                    "csrf_token": CSRF_FIELD.search(page).group(1),  # type: ignore[union-attr]
                    "action": action,
                    "version": VERSION.search(page).group(1),  # type: ignore[union-attr]
                }
                assert fay.post(f"{live_url}/step", data=data).status_code == 303

            for label in ("Ground rules", "Read the scenario", "Voting open"):
                step()
                assert set(pool.map(Phone.poll, phones)) == {label}
                assert set(pool.map(Phone.poll, phones)) == {None}  # unchanged: 304 everywhere

            choices = [CHOICES[i % 3] for i in range(PHONES)]
            assert set(pool.map(Phone.vote, phones, choices)) == {303}
            changed = [CHOICES[(i + 1) % 3] for i in range(PHONES)]
            assert set(pool.map(Phone.vote, phones, changed)) == {303}
            assert (
                f"<strong>{PHONES} of {PHONES}</strong> have voted"
                in fay.get(f"{live_url}/present").text
            )

            step()
            step()
            assert set(pool.map(Phone.poll, phones)) == {"Results and feedback"}
            step("end")
            assert set(pool.map(Phone.poll, phones)) == {"Ended"}

        with Session(engine) as session:
            assert session.exec(select(func.count()).select_from(LiveParticipant)).one() == PHONES
            stored = dict(
                session.exec(
                    select(LiveVote.choice_id, func.count()).group_by(LiveVote.choice_id)
                ).all()
            )
        assert stored == {c: changed.count(c) for c in set(changed)}
    finally:
        for client in clients:
            client.close()
        stop_server(proc)
        engine.dispose()
