"""/privacy says who sees what; the pages that show a person's facts show nothing it leaves out."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models import PrivacyNotice
from tests.concurrency import at_once
from tests.conftest import csrf_from, login
from tests.factories import make_user
from tests.hr.factories import make_assignment, make_attempt, make_completion
from tests.team.helpers import report, signed_in


def _listed(client: TestClient, section: str) -> set[str]:
    """The fields the privacy page lists in one section (its <li data-field> items)."""
    page = client.get("/privacy").text
    block = page.split(f'id="{section}"', 1)[1].split("</ul>", 1)[0]
    return {html.unescape(f) for f in re.findall(r'data-field="([^"]+)"', block)}


def _shown(page: str) -> set[str]:
    """Every field a page labels in its main content: column headings and <dt> facts.

    A column of buttons ("Actions", its heading for screen readers only) shows no data."""
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    labels = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', main, re.S)
    labels = [label for label in labels if "visually-hidden" not in label]
    labels += re.findall(r"<dt>(.*?)</dt>", main, re.S)
    return {html.unescape(re.sub(r"<[^>]+>", "", label)).strip() for label in labels}


def test_the_hr_person_page_shows_no_field_the_privacy_page_leaves_out(
    app: FastAPI, session: Session
) -> None:
    hana = make_user(session, "hana@example.com", role="hr")
    ana = report(session, "ana@example.com", hana, name="Ana Example")
    make_assignment(session, ana)
    make_attempt(session, ana)
    make_completion(session, ana)
    client = signed_in(app, "hana@example.com")
    shown = _shown(client.get(f"/hr/people/{ana.id}").text)
    assert {"Email", "Best score", "Score"} <= shown  # the parser sees the page's fields
    assert shown - _listed(client, "seen-by-hr") == set()


def test_the_team_page_shows_no_field_the_privacy_page_leaves_out(
    app: FastAPI, session: Session
) -> None:
    boss = make_user(session, "boss@example.com")
    make_assignment(session, report(session, "ana@example.com", boss))
    client = signed_in(app, "boss@example.com")
    shown = _shown(client.get("/team").text) - {"Group", "People", "Completion rate", "Overdue"}
    assert {"Name", "Due", "Status", "Completed"} <= shown
    listed = _listed(client, "seen-by-managers")
    assert shown - listed == set()
    assert not {f for f in listed if "score" in f.lower() or "attempt" in f.lower()}


def test_the_privacy_page_names_what_nobody_sees_and_how_long_records_are_kept(
    client: TestClient,
) -> None:
    page = client.get("/privacy")
    assert page.status_code == 200  # open to everyone, signed in or not
    nobody = page.text.split('id="seen-by-nobody"', 1)[1].split("</ul>", 1)[0]
    for thing in ("reflections", "voted", "commitments"):
        assert thing in nobody
    assert "deletes none of them" in page.text and "120 minutes" in page.text
    assert "14 days" in page.text


def test_every_page_links_the_privacy_page_from_its_footer(
    app: FastAPI, session: Session, client: TestClient
) -> None:
    make_user(session, "ana@example.com")
    signed = signed_in(app, "ana@example.com")
    for page in (client.get("/login"), client.get("/help"), signed.get("/"), signed.get("/team")):
        footer = page.text.split('<footer class="site-footer">', 1)[1]
        assert 'href="/privacy"' in footer


def test_the_first_sign_in_shows_the_privacy_page_once(app: FastAPI, session: Session) -> None:
    make_user(session, "new@example.com", privacy_seen=False)
    first = login(TestClient(app, follow_redirects=False), "new@example.com")
    assert first.headers["location"].startswith("/privacy?first=1")  # type: ignore[attr-defined]
    again = login(TestClient(app, follow_redirects=False), "new@example.com")
    assert again.headers["location"] == "/"  # type: ignore[attr-defined]
    assert len(session.exec(select(PrivacyNotice)).all()) == 1


def test_the_privacy_page_then_leads_on_to_where_the_sign_in_was_going(
    app: FastAPI, session: Session
) -> None:
    make_user(session, "new@example.com", privacy_seen=False)
    browser = TestClient(app, follow_redirects=False)
    token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/login").text).group(1)  # type: ignore[union-attr]
    response = browser.post(
        "/login",
        data={
            "email": "new@example.com",
            "password": "correct-horse-battery",
            "next": "/modules/first-steps",
            "csrf_token": token,
        },
    )
    target = urlsplit(response.headers["location"])
    assert target.path == "/privacy" and parse_qs(target.query) == {
        "first": ["1"],
        "next": ["/modules/first-steps"],
    }
    page = browser.get(response.headers["location"]).text
    assert "Before you start" in page and 'href="/modules/first-steps">Continue' in page
    evil = browser.get("/privacy?first=1&next=//evil.example.com").text
    assert 'href="/">Continue' in evil and "evil.example.com" not in evil


def test_two_first_sign_ins_at_once_show_the_page_to_exactly_one(
    app: FastAPI, session: Session
) -> None:
    """Two tabs signing in for the first time together: one row, one of them sent to /privacy."""
    make_user(session, "new@example.com", privacy_seen=False)
    clients = [TestClient(app, follow_redirects=False) for _ in range(2)]
    tokens = [csrf_from(c.get("/login").text) for c in clients]
    form = {"email": "new@example.com", "password": "correct-horse-battery"}
    answers = at_once(
        *[
            (lambda c=c, t=t: c.post("/login", data={**form, "csrf_token": t}))
            for c, t in zip(clients, tokens, strict=True)
        ]
    )
    places = sorted(a.headers["location"] for a in answers)
    assert places[0] == "/" and places[1].startswith("/privacy?first=1"), places
    assert len(session.exec(select(PrivacyNotice)).all()) == 1
