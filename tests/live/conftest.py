"""Helpers for group-session tests: a signed-in facilitator, a session, phones that join it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import User
from tests.conftest import csrf_from, login
from tests.e2e.conftest import browser_type_launch_args, live_server  # noqa: F401  (browser tests)
from tests.factories import make_user

VERSION = re.compile(r'name="version" value="(\d+)"')
PHASE = re.compile(r'class="stage phase-(\w+)"')
HX_TOKEN = re.compile(r'"X-CSRF-Token": "([^"]+)"')


@dataclass
class Live:
    """A session driven from the facilitator's session page, seen on the projector."""

    client: TestClient
    id: int
    code: str

    def present(self, **headers: str):  # type: ignore[no-untyped-def]
        return self.client.get(f"/live/{self.id}/present", headers=headers)

    def phase(self) -> str:
        match = PHASE.search(self.present().text)
        assert match, "presenter page has no stage"
        return match.group(1)

    def controls(self) -> str:
        """The laptop's session page: the controls, with the version they act on."""
        return self.client.get(f"/live/{self.id}").text

    def step(self, action: str = "next", version: int | None = None, view: str = "session"):  # type: ignore[no-untyped-def]
        page = self.controls()
        seen = version if version is not None else int(VERSION.search(page).group(1))  # type: ignore[union-attr]
        data = {"csrf_token": csrf_from(page), "action": action, "version": str(seen), "view": view}
        return self.client.post(f"/live/{self.id}/step", data=data)

    def go(self, steps: int) -> None:
        for _ in range(steps):
            assert self.step("next").status_code == 303

    def countdown(self, minutes: int):  # type: ignore[no-untyped-def]
        page = self.controls()
        version = VERSION.search(page).group(1)  # type: ignore[union-attr]
        data = {"csrf_token": csrf_from(page), "minutes": str(minutes), "version": version}
        return self.client.post(f"/live/{self.id}/countdown", data=data)


def start_session(
    client: TestClient,
    module_id: str = "first-steps",
    scenarios: tuple[str, ...] = ("standup", "review"),
    headcount: int | None = 30,
    **extra: str,
) -> Live:
    page = client.get(f"/live/new?module_id={module_id}")
    data: dict[str, object] = {
        "csrf_token": csrf_from(page.text),
        "module_id": module_id,
        "scenario": list(scenarios),
        **({"headcount": str(headcount)} if headcount is not None else {}),
        **extra,
    }
    created = client.post("/live", data=data)  # type: ignore[arg-type]
    assert created.status_code == 303, created.text
    live_id = int(created.headers["location"].rsplit("/", 1)[1])
    overview = client.get(f"/live/{live_id}").text
    code = "".join(re.search(r'class="join-code">(\w{3}) (\w{3})<', overview).groups())  # type: ignore[union-attr]
    return Live(client, live_id, code)


def join(app: FastAPI, code: str, client: TestClient | None = None, **form: str) -> TestClient:
    phone = client or TestClient(app, follow_redirects=False)
    invite = phone.get(f"/j/{code}")
    assert invite.status_code == 200, invite.text
    joined = phone.post(f"/j/{code}/join", data={"csrf_token": page_token(invite.text), **form})
    assert joined.status_code == 303, joined.text
    return phone


def signed_in(
    app: FastAPI, session: Session, email: str = "lee@example.com", role: str = "learner"
) -> tuple[TestClient, User]:
    """A browser signed in as a new user with this email and role."""
    user = make_user(session, email, name=email.split("@")[0].title(), role=role)
    browser = TestClient(app, follow_redirects=False)
    assert login(browser, email).status_code == 303  # type: ignore[attr-defined]
    return browser, user


def page_token(html: str) -> str:
    """The CSRF token every page carries for htmx (works on pages without a form)."""
    match = HX_TOKEN.search(html)
    assert match, "page has no X-CSRF-Token"
    return match.group(1)


def vote(phone: TestClient, code: str, scenario_id: str, choice: str, **headers: str):  # type: ignore[no-untyped-def]
    page = phone.get(f"/j/{code}").text
    data = {"csrf_token": page_token(page), "scenario_id": scenario_id, "choice": choice}
    return phone.post(f"/j/{code}/vote", data=data, headers=headers)


@pytest.fixture
def facilitator(client: TestClient, session: Session) -> User:
    user = make_user(session, "fay@example.com", name="Fay Facilitator", role="facilitator")
    assert login(client, "fay@example.com").status_code == 303  # type: ignore[attr-defined]
    return user


@pytest.fixture
def live(client: TestClient, facilitator: User) -> Live:
    return start_session(client)


@pytest.fixture
def phones(app: FastAPI, live: Live) -> Callable[[int], list[TestClient]]:
    return lambda n: [join(app, live.code) for _ in range(n)]


# Steps from the lobby, for a two-scenario session: show (voting open), reveal, discuss.
TO_SHOW_1, TO_REVEAL_1, TO_DISCUSS_1 = 2, 3, 4
TO_VOTE_1 = TO_SHOW_1  # voting opens with the scenario
TO_WRAPUP = 8
