"""The request log holds no invitation or reset token, and X-Request-ID cannot forge its fields."""

from __future__ import annotations

import logging
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.auth import invites
from tests.conftest import csrf_from
from tests.factories import make_user

LINE = re.compile(r"request id=(\S+) method=(\S+) path=(\S+) status=(\d+) ms=[\d.]+$")


def request_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("request ")]


@pytest.fixture
def token(app: FastAPI, session: Session) -> str:
    hr = make_user(session, "hr.owner@example.com", name="Hr Owner", role="hr")
    person = make_user(session, "new@example.com", name="New Person")
    person.password_hash = None  # never signed in: HR may show a link for it
    session.add(person)
    session.commit()
    _user, link = invites.issue_link(session, app.state.settings, actor=hr, user_id=person.id or 0)
    return link.rsplit("/", 1)[1]


def test_invitation_pages_are_logged_without_their_token(
    client: TestClient, token: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="allyship"):
        page = client.get(f"/invite/{token}")
        client.post(f"/invite/{token}", data={"csrf_token": csrf_from(page.text), "password": "x"})
        client.get(f"/invite/{token}/no-such-page")
    assert page.status_code == 200
    assert token not in caplog.text
    paths = [LINE.search(line).group(3) for line in request_lines(caplog)]  # type: ignore[union-attr]
    assert paths == ["/invite/[redacted]"] * 2 + ["/invite/[redacted]/no-such-page"]


def test_an_unhandled_error_on_a_token_path_is_logged_without_the_token(
    app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    @app.get("/reset/{token}/boom-for-test")
    def boom(token: str) -> None:
        raise RuntimeError("boom")

    client = TestClient(app, raise_server_exceptions=False)
    with caplog.at_level(logging.INFO, logger="allyship"):
        assert client.get("/reset/s3cret-Token_value/boom-for-test").status_code == 500
    assert "s3cret-Token_value" not in caplog.text
    assert "path=/reset/[redacted]/boom-for-test" in caplog.text


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/invite/abc", "/invite/[redacted]"),
        ("/password-reset/abc/x", "/password-reset/[redacted]/x"),
        ("/invite", "/invite"),
        ("/modules/first-steps", "/modules/first-steps"),
    ],
)
def test_safe_path_redacts_the_segment_after_a_token_prefix(path: str, logged: str) -> None:
    from app.log_lines import safe_path

    assert safe_path(path) == logged


@pytest.mark.parametrize(
    "given",
    [
        "req-1 method=GET path=/forged status=200",
        "x\tlevel=ERROR",
        "a" * 65,
        "réq-1",
        "req_1",
        "",
    ],
)
def test_a_request_id_that_is_not_a_plain_id_is_replaced(
    client: TestClient, caplog: pytest.LogCaptureFixture, given: str
) -> None:
    with caplog.at_level(logging.INFO, logger="allyship"):
        response = client.get("/login", headers={"X-Request-ID": given.encode()})  # type: ignore[dict-item]
    request_id = response.headers["x-request-id"]
    assert request_id != given and re.fullmatch(r"[0-9a-f]{16}", request_id)
    (line,) = request_lines(caplog)
    assert LINE.fullmatch(line) and "forged" not in line and "ERROR" not in line
    assert LINE.fullmatch(line).group(1) == request_id  # type: ignore[union-attr]


@pytest.mark.parametrize("given", ["req-12345", "A" * 64, "0b7c-42"])
def test_a_plain_request_id_is_kept(
    client: TestClient, caplog: pytest.LogCaptureFixture, given: str
) -> None:
    with caplog.at_level(logging.INFO, logger="allyship"):
        response = client.get("/login", headers={"X-Request-ID": given})
    assert response.headers["x-request-id"] == given
    assert f"request id={given} " in caplog.text
