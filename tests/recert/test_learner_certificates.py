"""Outside test F19: in a new cycle the learner keeps their earlier certificates: /certificate
shows the current cycle's, or else the newest earlier one still valid with its own dates, and
lists the others; /certificate/N opens one of their own only."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.clock import utcnow
from app.models import Certificate, Completion, User
from tests.conftest import login
from tests.factories import make_user
from tests.recert.conftest import ALL, finished, months_ago, period


def _signed_in(app: FastAPI, email: str) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    assert login(client, email).status_code == 303  # type: ignore[attr-defined]
    return client


def _new_cycle(session: Session, user: User) -> None:
    user.cycle = 2
    session.add(user)
    session.commit()


def test_a_new_cycle_keeps_the_still_valid_certificate_and_lists_earlier_ones(
    app: FastAPI, session: Session
) -> None:
    period(session, "12")
    jo = make_user(session, "jo@example.com")
    finished(session, jo, at=months_ago(25), code="OLD1-OLD1-OLD1")
    for module in ALL:  # cycle 2 finished 11 months ago: still valid for about a month
        session.add(
            Completion(user_id=jo.id or 0, module_id=module, completed_at=months_ago(11), cycle=2)
        )
    session.add(
        Certificate(user_id=jo.id or 0, code="TWO2-TWO2-TWO2", issued_at=months_ago(11), cycle=2)
    )
    session.commit()
    jo.cycle = 3
    session.add(jo)
    session.commit()
    client = _signed_in(app, "jo@example.com")
    page = client.get("/certificate")
    assert page.status_code == 200
    assert "TWO2-TWO2-TWO2" in page.text.split('id="other-certificates"')[0]
    assert "It expired on" not in page.text and "cycle 2" in page.text
    listed = page.text.split('id="certificate-list"')[1].split("</ul>")[0]
    assert 'href="/certificate/1"' in listed and 'href="/certificate/2"' not in listed
    old = client.get("/certificate/1")
    assert old.status_code == 200 and "OLD1-OLD1-OLD1" in old.text
    assert "It expired on" in old.text
    assert client.get("/certificate/3").status_code == 404
    assert client.get("/certificate/abc").status_code in (404, 422)
    assert 'id="earlier-certificate"' in client.get("/").text


def test_nobody_opens_another_persons_certificate_by_cycle(app: FastAPI, session: Session) -> None:
    period(session, "12")
    owner = make_user(session, "owner@example.com")
    finished(session, owner, at=utcnow() - timedelta(days=3), code="MINE-MINE-MINE")
    make_user(session, "other@example.com")
    other = _signed_in(app, "other@example.com")
    assert other.get("/certificate/1").status_code == 404
    assert "MINE-MINE-MINE" not in other.get("/certificate").text
    _new_cycle(session, owner)
    mine = _signed_in(app, "owner@example.com").get("/certificate")
    assert mine.status_code == 200 and "MINE-MINE-MINE" in mine.text
