"""A refresher in a real browser: the e-mailed link, sign-in, one answer, feedback on every option.

Once with JavaScript off (the link, the sign-in and the answer are plain links and forms),
once with it on for axe on the question and the result. The test has its own server.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import select

from app.clock import utcnow
from app.config import PROJECT_ROOT, Settings
from app.content.catalog import load_catalog
from app.db import session_for
from app.db.migrate import upgrade
from app.models import Completion, RefresherAnswer, User, row_id
from app.refreshers.links import refresher_link
from tests.e2e.conftest import LiveServer, assert_accessible, shot, sign_in
from tests.factories import PASSWORD, make_user
from tests.servers import SECRET, start_server, stop_server

MODULE = "celebrate-her-accomplishments"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    db_url = f"sqlite:///{tmp_path_factory.mktemp('refresher') / 'refresher.db'}"
    upgrade(db_url)
    with session_for(db_url) as session:
        for email in ("nojs-ref@example.com", "axe-ref@example.com"):
            user = make_user(session, email, name="Rae Fresher")
            session.add(
                Completion(
                    user_id=row_id(user),
                    module_id=MODULE,
                    completed_at=utcnow() - timedelta(days=3),
                )
            )
        session.commit()
    proc, url = start_server(db_url)
    yield LiveServer(url=url, db_url=db_url, catalog=load_catalog(PROJECT_ROOT))
    stop_server(proc)


def link_for(server: LiveServer, email: str) -> str:
    with session_for(server.db_url) as session:
        user = session.exec(select(User).where(User.email == email)).one()
        settings = Settings(secret_key=SECRET, database_url=server.db_url)
        return server.url + refresher_link(settings, row_id(user), MODULE, 1)


def test_link_sign_in_answer_and_feedback_work_without_javascript(
    browser: Browser, server: LiveServer
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(link_for(server, "nojs-ref@example.com"))
    page.get_by_label("Work email").fill("nojs-ref@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Refresher, round 1 of 3")
    page.locator("input[name=answer]").first.check()
    page.get_by_role("button", name="Send my answer").click()
    expect(page.locator("#refresher-result")).to_contain_text("of 2 points")
    assert page.locator(".all-feedback li").count() >= 3
    with session_for(server.db_url) as session:
        assert len(session.exec(select(RefresherAnswer)).all()) == 1
    context.close()


def test_refresher_pages_pass_axe(page: Page, server: LiveServer) -> None:
    sign_in(page, server, "axe-ref@example.com")
    page.goto(link_for(server, "axe-ref@example.com"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Refresher")
    assert_accessible(page, "refresher question")
    page.get_by_role("button", name="Send my answer").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page, "refresher with a problem")
    page.locator("input[name=answer]").nth(1).check()
    page.get_by_role("button", name="Send my answer").click()
    expect(page.locator("#refresher-result")).to_be_visible()
    assert_accessible(page, "refresher feedback")
    shot(page, "refresher-feedback")
