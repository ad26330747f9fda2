"""Signed one-time refresher links: sign-in first, then once, for their own person only."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.clock import utcnow
from app.content.catalog import Catalog
from app.db import write_session
from app.errors import DomainError, Forbidden
from app.models import RefresherLinkUse, User, row_id
from app.refreshers import service
from app.refreshers.links import LinkGone, read_link, refresher_link
from tests.conftest import PROJECT_ROOT, login
from tests.factories import make_user
from tests.refreshers.helpers import MODULE, pass_module


@pytest.fixture
def content_dir() -> Path:
    return PROJECT_ROOT


def person(session: Session, email: str = "ana@example.com", days_ago: int | None = 3) -> User:
    user = make_user(session, email)
    if days_ago is not None:
        pass_module(session, row_id(user), days_ago=days_ago)
    return user


def signed_in(app: FastAPI, email: str) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    assert login(client, email).status_code == 303
    return client


def test_signed_out_the_link_asks_for_sign_in_then_lands_on_the_refresher(
    app: FastAPI, session: Session
) -> None:
    user = person(session)
    link = refresher_link(app.state.settings, row_id(user), MODULE, 1)
    client = TestClient(app, follow_redirects=False)
    first = client.get(link)
    assert first.status_code == 303
    assert first.headers["location"] == "/login?next=" + quote(link, safe="/")
    page = client.get("/login?next=" + quote(link, safe="/"))
    signed = client.post(
        "/login",
        data={
            "email": user.email,
            "password": "correct-horse-battery",
            "next": link,
            "csrf_token": page.text.split('name="csrf_token" value="')[1].split('"')[0],
        },
    )
    assert signed.status_code == 303 and signed.headers["location"] == link
    opened = client.get(link)
    assert opened.status_code == 303 and opened.headers["location"] == f"/refreshers/{MODULE}/1"
    assert client.get(opened.headers["location"]).status_code == 200


def test_a_link_opens_once(app: FastAPI, session: Session) -> None:
    user = person(session)
    link = refresher_link(app.state.settings, row_id(user), MODULE, 1)
    client = signed_in(app, user.email)
    assert client.get(link).status_code == 303
    replay = client.get(link)
    assert replay.status_code == 410 and "already used" in replay.text
    assert len(session.exec(select(RefresherLinkUse)).all()) == 1


def test_another_persons_link_is_refused_and_stays_usable_by_its_owner(
    app: FastAPI, session: Session
) -> None:
    owner = person(session)
    person(session, "bo@example.com")
    link = refresher_link(app.state.settings, row_id(owner), MODULE, 1)
    other = signed_in(app, "bo@example.com")
    refused = other.get(link)
    assert refused.status_code == 403 and "sent to someone else" in refused.text
    assert signed_in(app, owner.email).get(link).status_code == 303


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t.replace(f".{MODULE}.", ".promote-women."),
        lambda t: t.replace(".1.", ".2.", 1),
        lambda t: t[:-1] + ("0" if t[-1] != "0" else "1"),
        lambda t: t[:-10],
        lambda t: t + "x" * 5000,
        lambda t: "99." + t.split(".", 1)[1],
        lambda t: t.replace(MODULE, "ü" * 4),
        lambda t: "",
    ],
)
def test_a_tampered_link_is_not_found(app: FastAPI, session: Session, tamper: object) -> None:
    user = person(session)
    token = refresher_link(app.state.settings, row_id(user), MODULE, 1).removeprefix(
        "/refreshers/go/"
    )
    client = signed_in(app, user.email)
    response = client.get("/refreshers/go/" + tamper(token))  # type: ignore[operator]
    assert response.status_code == 404
    assert session.exec(select(RefresherLinkUse)).all() == []


def test_an_expired_link_is_gone(app: FastAPI, session: Session) -> None:
    user = person(session, days_ago=30)
    old = refresher_link(
        app.state.settings, row_id(user), MODULE, 1, now=utcnow() - timedelta(days=15)
    )
    response = signed_in(app, user.email).get(old)
    assert response.status_code == 410 and "expired" in response.text


def test_a_link_to_a_module_not_passed_is_refused(app: FastAPI, session: Session) -> None:
    user = person(session, days_ago=None)
    link = refresher_link(app.state.settings, row_id(user), MODULE, 1)
    response = signed_in(app, user.email).get(link)
    assert response.status_code == 409 and "after you pass" in response.text
    assert session.exec(select(RefresherLinkUse)).all() == []


def test_a_person_who_left_cannot_use_their_link(app: FastAPI, session: Session) -> None:
    user = person(session)
    link = refresher_link(app.state.settings, row_id(user), MODULE, 1)
    client = signed_in(app, user.email)
    user.active = False
    session.add(user)
    session.commit()
    response = client.get(link)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    with pytest.raises(LinkGone):
        service.open_link(
            session,
            app.state.settings,
            app.state.catalog,
            user_id=row_id(user),
            token=link.removeprefix("/refreshers/go/"),
        )


def test_a_link_signed_with_another_secret_is_refused(app: FastAPI, session: Session) -> None:
    user = person(session)
    other = app.state.settings.model_copy(update={"secret_key": "another-secret-entirely-0123"})
    token = refresher_link(other, row_id(user), MODULE, 1).removeprefix("/refreshers/go/")
    with pytest.raises(DomainError) as refused:
        read_link(app.state.settings, token)
    assert refused.value.status_code == 404


def test_the_same_link_opened_twice_at_once_opens_once(app: FastAPI, session: Session) -> None:
    user = person(session)
    token = refresher_link(app.state.settings, row_id(user), MODULE, 1).removeprefix(
        "/refreshers/go/"
    )
    results: list[str] = []
    start = threading.Barrier(3)

    def open_it() -> None:
        with write_session(app.state.engine) as own:
            start.wait()
            try:
                service.open_link(
                    own, app.state.settings, app.state.catalog, user_id=row_id(user), token=token
                )
                results.append("opened")
            except LinkGone:
                results.append("used")

    threads = [threading.Thread(target=open_it) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["opened", "used", "used"]


def test_the_pool_for_lasting_gives_full_links_and_nothing_for_unknown_rounds(
    app: FastAPI, session: Session
) -> None:
    catalog: Catalog = app.state.catalog
    pool = service.RefresherPool(catalog)
    settings = app.state.settings
    link = pool.link(settings, 7, MODULE, 2)
    assert link is not None and link.startswith(settings.public_url + "/refreshers/go/7.")
    assert read_link(settings, link.split("/refreshers/go/")[1]).round == 2
    assert pool.link(settings, 7, "no-such-module", 1) is None
    assert pool.link(settings, 7, MODULE, 4) is None
    assert service.stop_nudges_link(session, settings, 7) == "/commitments#nudges"


def test_another_persons_link_is_refused_by_the_service_too(app: FastAPI, session: Session) -> None:
    owner = person(session)
    token = refresher_link(app.state.settings, row_id(owner), MODULE, 1).removeprefix(
        "/refreshers/go/"
    )
    with pytest.raises(Forbidden):
        service.open_link(
            session, app.state.settings, app.state.catalog, user_id=row_id(owner) + 1, token=token
        )
