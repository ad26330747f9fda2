"""A group session on a real server: the presenter and phones as separate HTTP clients."""

from __future__ import annotations

import re

import httpx

from tests.conftest import CSRF_FIELD
from tests.live.conftest import HX_TOKEN, VERSION
from tests.servers import sign_in, tagged_client

STEP = re.compile(r'data-announce="([^"]+)"')
JOIN_CODE = re.compile(r'class="join-code">(\w{3}) (\w{3})<')


class Presenter:
    """A facilitator who signs in, creates a session and moves it on from the session page."""

    def __init__(
        self,
        url: str,
        email: str,
        scenarios: list[str],
        tag: str = "presenter",
        **form: str,
    ) -> None:
        self.client = tagged_client(url, tag)
        sign_in(self.client, email)
        page = self.client.get("/live/new?module_id=first-steps").text
        data: dict[str, str | list[str]] = {
            "csrf_token": self.token(page),
            "module_id": "first-steps",
            "scenario": scenarios,
            "headcount": "100",
            **form,
        }
        created = self.client.post("/live", data=data)
        assert created.status_code == 303, created.text
        self.url = created.headers["location"]
        self.code = "".join(JOIN_CODE.search(self.client.get(self.url).text).groups())  # type: ignore[union-attr]

    @staticmethod
    def token(page: str) -> str:
        return CSRF_FIELD.search(page).group(1)  # type: ignore[union-attr]

    def present(self) -> str:
        return self.client.get(f"{self.url}/present").text

    def controls(self) -> str:
        """The laptop's session page, where the step buttons and the room's version are."""
        return self.client.get(self.url).text

    def step(self, action: str = "next") -> None:
        page = self.controls()
        version = VERSION.search(page).group(1)  # type: ignore[union-attr]
        data = {"csrf_token": self.token(page), "action": action, "version": version}
        assert self.client.post(f"{self.url}/step", data=data).status_code == 303


class Phone:
    """A phone: a new connection per request, so requests land on either worker."""

    def __init__(self, url: str, code: str, tag: str = "phone") -> None:
        self.client = tagged_client(url, tag)
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

    def vote(self, choice: str, scenario_id: str = "standup") -> int:
        page = self.client.get(f"/j/{self.code}").text
        token = HX_TOKEN.search(page).group(1)  # type: ignore[union-attr]
        data = {"csrf_token": token, "scenario_id": scenario_id, "choice": choice}
        return self.client.post(f"/j/{self.code}/vote", data=data).status_code


def close_all(clients: list[httpx.Client]) -> None:
    for client in clients:
        client.close()
