"""RFC 8058 one-click: nudges name their stop link in headers; a POST to it stops them.

The e-mails go over real SMTP (aiosmtpd on loopback); the POSTs carry no cookie and no CSRF
token, as a mail program's do.
"""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from urllib.parse import parse_qs, urlencode, urlsplit

from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlmodel import Session

from app.config import Settings
from app.lasting import stopping
from app.models import NudgePreference
from tests.factories import make_user
from tests.hr.conftest import Inbox
from tests.lasting.test_nudges import TODAY, plan, run
from tests.mail import deliver

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


def _received(inbox: Inbox, address: str) -> list[EmailMessage]:
    return [
        message_from_bytes(m.content, policy=policy.default)  # type: ignore[misc]
        for m in inbox.messages
        if address in m.rcpt_tos
    ]


def _one_click_url(message: EmailMessage) -> str:
    header = str(message["List-Unsubscribe"])
    assert header.startswith("<") and header.endswith(">"), header
    return header[1:-1]


def _post(app: FastAPI, url: str, data: dict[str, str] | None = None) -> Response:
    """A mail program's POST: a new client, so no cookie and no CSRF token."""
    parts = urlsplit(url)
    fresh = TestClient(app, follow_redirects=False)
    return fresh.post(f"{parts.path}?{parts.query}", data=data if data is not None else ONE_CLICK)


def _stopped(session: Session, user_id: int) -> bool:
    row = session.get(NudgePreference, user_id)
    if row is not None:
        session.refresh(row)
    return row is not None and row.stopped_at is not None


def _link(settings: Settings, user_id: int, version: int = 0, **changed: str) -> str:
    url = stopping.stop_link(settings, user_id=user_id, version=version)
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()} | changed
    return f"{settings.public_url}/nudges/stop?{urlencode(query)}"


def test_a_nudge_names_its_own_stop_link_in_the_one_click_headers(
    app: FastAPI, session: Session, settings: Settings, inbox: Inbox
) -> None:
    ana = make_user(session, "ana@example.com")
    plan(session, ana, check_on=TODAY)
    run(app, settings, TODAY)
    assert deliver(settings).sent == ["ana@example.com"]
    (message,) = _received(inbox, "ana@example.com")
    url = _one_click_url(message)
    assert url == stopping.stop_link(settings, user_id=ana.id, version=0)  # type: ignore[arg-type]
    raw = inbox.messages[0].content.decode()
    assert f"\r\nList-Unsubscribe: <{url}>\r\n" in raw  # on one line, not RFC 2047 encoded
    assert str(message["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
    body = message.get_body()
    assert body is not None and url in body.get_content()


def test_the_one_click_post_stops_nudges_and_the_next_is_never_queued(
    app: FastAPI, session: Session, settings: Settings, inbox: Inbox
) -> None:
    ana = make_user(session, "ana@example.com")
    plan(session, ana, check_on=TODAY)
    plan(session, ana, check_on=TODAY + timedelta(days=1), module="second-steps")
    run(app, settings, TODAY)
    deliver(settings)
    url = _one_click_url(_received(inbox, "ana@example.com")[0])
    assert TestClient(app).get(url).status_code == 200  # a scanner opening it: nothing changes
    assert not _stopped(session, ana.id)  # type: ignore[arg-type]
    answer = _post(app, url)
    assert answer.status_code == 200 and "Nudges stopped" in answer.text
    assert _stopped(session, ana.id)  # type: ignore[arg-type]
    assert run(app, settings, TODAY + timedelta(days=1)) == []


def test_forged_other_peoples_old_and_replayed_one_click_links_change_nothing(
    app: FastAPI, session: Session, settings: Settings
) -> None:
    ana = make_user(session, "ana@example.com")
    ben = make_user(session, "ben@example.com")
    uid, other = ana.id, ben.id
    assert uid is not None and other is not None
    good = _link(settings, uid)
    signature = parse_qs(urlsplit(good).query)["s"][0]
    for bad in (
        _link(settings, uid, s=signature[:-1] + ("0" if signature[-1] != "0" else "1")),
        _link(settings, uid, u=str(other)),  # Ben's id under Ana's signature
        _link(settings, uid, version=5),  # signed, but for a version she never had
    ):
        assert _post(app, bad).status_code in (404, 409)
    assert not _stopped(session, uid) and not _stopped(session, other)
    assert _post(app, good).status_code == 200 and _stopped(session, uid)
    replay = _post(app, good)
    assert replay.status_code == 409 and "already been used" in replay.text
    stopping.set_stopped(session, user_id=uid, stopped=False)  # she turns nudges back on
    assert _post(app, good).status_code == 409  # a link from before resuming is spent
    assert not _stopped(session, uid) and not _stopped(session, other)


def test_only_the_exact_one_click_body_skips_the_csrf_check(
    app: FastAPI, session: Session, settings: Settings
) -> None:
    ana = make_user(session, "ana@example.com")
    url = _link(settings, ana.id)  # type: ignore[arg-type]
    for body in (
        {},
        {"List-Unsubscribe": "Yes"},
        {**ONE_CLICK, "u": "1"},
        {**ONE_CLICK, "csrf_token": "x"},
    ):
        assert _post(app, url, body).status_code == 403, body
    path = urlsplit(url)
    fresh = TestClient(app, follow_redirects=False)
    elsewhere = fresh.post(f"/nudges?{path.query}", data=ONE_CLICK)
    assert elsewhere.status_code == 403  # another path gets no exemption
    assert not _stopped(session, ana.id)  # type: ignore[arg-type]
