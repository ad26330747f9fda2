"""The signed stop link (one button, or a mail program's one-click POST) and the setting."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.config import Settings
from app.lasting import stopping
from app.models import NudgePreference, User
from tests.conftest import csrf_from
from tests.factories import make_user
from tests.security.people_helpers import signed_in


def _link_parts(settings: Settings, user_id: int, version: int = 0) -> dict[str, str]:
    url = stopping.stop_link(settings, user_id=user_id, version=version)
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def _use(client: TestClient, parts: dict[str, str]) -> object:
    """GET the link's page, then POST its button (a token from another page if it has none)."""
    page = client.get("/nudges/stop", params=parts)
    if page.status_code != 200:
        page = client.get("/login")
        if page.status_code != 200:  # signed in: any page with a form
            page = client.get("/commitments")
    return client.post("/nudges/stop", data={**parts, "csrf_token": csrf_from(page.text)})


def _stopped(session: Session, user_id: int) -> bool:
    row = session.get(NudgePreference, user_id)
    if row is not None:
        session.refresh(row)
    return row is not None and row.stopped_at is not None


def test_the_link_stops_nudges_with_one_button_and_a_get_changes_nothing(
    client: TestClient, session: Session, settings: Settings
) -> None:
    ana = make_user(session, "ana@example.com")
    parts = _link_parts(settings, ana.id)  # type: ignore[arg-type]
    page = client.get("/nudges/stop", params=parts)
    assert page.status_code == 200 and "Stop all nudges" in page.text
    assert not _stopped(session, ana.id)  # type: ignore[arg-type]
    response = _use(client, parts)
    assert response.status_code == 200 and "Nudges stopped" in response.text  # type: ignore[attr-defined]
    assert _stopped(session, ana.id)  # type: ignore[arg-type]


def test_a_tampered_link_is_refused_and_changes_nothing(
    client: TestClient, session: Session, settings: Settings
) -> None:
    ana = make_user(session, "ana@example.com")
    ben = make_user(session, "ben@example.com")
    parts = _link_parts(settings, ana.id)  # type: ignore[arg-type]
    for bad in (
        {**parts, "u": str(ben.id)},  # another person's id under Ana's signature
        {**parts, "v": "7"},
        {**parts, "s": parts["s"][:-1] + ("0" if parts["s"][-1] != "0" else "1")},
        {**parts, "s": ""},
        {**parts, "u": "-1"},
        {**parts, "u": "1" * 50},
        {},
    ):
        assert client.get("/nudges/stop", params=bad).status_code in (404, 422)
        assert _use(client, bad).status_code in (404, 422)  # type: ignore[attr-defined]
    assert not _stopped(session, ana.id) and not _stopped(session, ben.id)  # type: ignore[arg-type]


def test_a_replayed_link_or_one_from_before_resuming_does_nothing(
    app: FastAPI, session: Session, settings: Settings
) -> None:
    client = signed_in(app, session, "ana@example.com")
    ana_id = session.exec(select(User)).one().id
    assert ana_id is not None
    parts = _link_parts(settings, ana_id)
    assert _use(client, parts).status_code == 200  # type: ignore[attr-defined]
    token = csrf_from(client.get("/commitments").text)
    assert "Nudges are <strong>off</strong>" in client.get("/commitments").text
    resumed = client.post("/nudges", data={"nudges": "resume", "csrf_token": token})
    assert resumed.status_code == 303 and not _stopped(session, ana_id)
    replay = _use(client, parts)
    assert replay.status_code == 409 and "already been used" in replay.text  # type: ignore[attr-defined]
    assert not _stopped(session, ana_id)  # the old link cannot turn them off again
    fresh = _link_parts(settings, ana_id, version=2)
    assert _use(client, fresh).status_code == 200  # type: ignore[attr-defined]
    assert _stopped(session, ana_id)


def test_the_setting_on_the_learners_page_stops_and_resumes(app: FastAPI, session: Session) -> None:
    client = signed_in(app, session, "ana@example.com")
    token = csrf_from(client.get("/commitments").text)
    assert client.post("/nudges", data={"nudges": "stop", "csrf_token": token}).status_code == 303
    assert "Nudges are <strong>off</strong>" in client.get("/commitments").text
    odd = client.post("/nudges", data={"nudges": "maybe", "csrf_token": token})
    assert odd.status_code == 422
