"""A quiz (or reflection) sent after the sign-in ended is kept for its sender, not lost.

The learner is told why they must sign in again, comes back to the page with their answers
filled in (not scored until they press Submit), and nobody else signing in on that browser
gets them. Kept forms expire, are given back once, and only real choices are kept.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, update
from sqlmodel import Session, col, select

from app.auth.kept import KEEP_FOR
from app.clock import utcnow
from app.config import Settings
from app.content.catalog import load_catalog
from app.learning.signed_out import QUIZ_BACK, QUIZ_CHANGED_BACK, REFLECTION_BACK
from app.models import KeptForm, LoginSession, QuizAttempt, Reflection, User
from tests.conftest import FIXTURE_COURSE, NO_SECOND_FACTOR, csrf_from
from tests.factories import PASSWORD, make_user
from tests.learning.quiz_pages import answer_fields, draw_id
from tests.learning.quiz_pages import checked as page_checked

IDLE_MINUTES = 15
QUIZ = "/modules/first-steps/quiz"
SIGNED_OUT = (
    f"You were signed out after {IDLE_MINUTES} minutes without activity. "
    "Sign in again and your answers will be waiting."
)
PICKS = {"standup": "credit", "review": "joke"}
CATALOG = load_catalog(FIXTURE_COURSE)
HIDDEN = re.compile(r'name="(quiz_hash|submission_id|next)" value="([^"]*)"')


@pytest.fixture
def settings(db_url: str, content_dir: Path) -> Settings:
    return Settings(
        database_url=db_url,
        content_dir=content_dir,
        secret_key="test-secret-key-0123456789",
        **NO_SECOND_FACTOR,
        session_idle_minutes=IDLE_MINUTES,
    )


def sign_in(client: TestClient, email: str, next_page: str = "/") -> Response:
    page = client.get(f"/login?next={next_page}")
    data = {"email": email, "password": PASSWORD, "csrf_token": csrf_from(page.text)}
    return client.post("/login", data={**data, "next": dict(HIDDEN.findall(page.text))["next"]})


def quiz_fields(client: TestClient, page: str = QUIZ) -> dict[str, str]:
    html = client.get(page).text
    return {"csrf_token": csrf_from(html), **dict(HIDDEN.findall(html))}


def answers(picks: dict[str, str]) -> dict[str, str]:
    return {f"answer-{k}": v for k, v in picks.items()}


def go_idle(session: Session, email: str) -> None:
    """The sign-in has seen no activity for longer than the idle limit."""
    user_id = session.exec(select(User.id).where(User.email == email)).one()
    session.execute(
        update(LoginSession)
        .where(col(LoginSession.user_id) == user_id)
        .values(last_seen_at=utcnow() - timedelta(minutes=IDLE_MINUTES + 1))
    )


def checked(html: str) -> dict[str, str]:
    """The radio buttons the page shows as chosen, as {scenario: choice}."""
    return page_checked(CATALOG, "first-steps", html)


def kept_rows(session: Session) -> int:
    return session.exec(select(func.count()).select_from(KeptForm)).one()


def attempts(session: Session) -> int:
    return session.exec(select(func.count()).select_from(QuizAttempt)).one()


@pytest.fixture
def ana(client: TestClient, session: Session) -> Iterator[dict[str, str]]:
    """Ana, signed in, on the quiz page; her sign-in then goes idle with the page open."""
    make_user(session, "ana@example.com", name="Ana")
    assert sign_in(client, "ana@example.com").status_code == 303
    fields = quiz_fields(client)
    go_idle(session, "ana@example.com")
    yield fields


def test_quiz_sent_after_idle_timeout_says_why_and_comes_back_after_sign_in(
    client: TestClient, session: Session, ana: dict[str, str]
) -> None:
    sent = client.post(QUIZ, data={**ana, **answers(PICKS)})
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/login?next={QUIZ}"
    cookie = sent.headers["set-cookie"]
    assert cookie.startswith("allyship_kept=") and "HttpOnly" in cookie
    assert f"Max-Age={int(KEEP_FOR.total_seconds())}" in cookie and "SameSite=lax" in cookie
    assert attempts(session) == 0  # nothing scored for anyone

    login_page = client.get(sent.headers["location"])
    assert SIGNED_OUT in login_page.text
    assert f'name="next" value="{QUIZ}"' in login_page.text

    signed = sign_in(client, "ana@example.com", QUIZ)
    assert signed.headers["location"] == QUIZ
    back = client.get(QUIZ)
    assert checked(back.text) == PICKS
    assert QUIZ_BACK in back.text
    assert 'allyship_kept=""' in back.headers["set-cookie"]  # the browser forgets it
    assert kept_rows(session) == 0
    assert attempts(session) == 0  # shown again, not submitted behind her back

    stale = client.post(QUIZ, data={**ana, **answers(PICKS)})  # the token of the ended sign-in
    assert stale.status_code == 403 and attempts(session) == 0
    again = {"csrf_token": csrf_from(back.text), **dict(HIDDEN.findall(back.text))}
    submitted = client.post(QUIZ, data={**again, **answers(checked(back.text))})
    assert submitted.status_code == 303 and "/attempts/" in submitted.headers["location"]
    assert attempts(session) == 1


def test_htmx_quiz_submit_after_expiry_redirects_the_window_not_a_swap(
    client: TestClient, session: Session, ana: dict[str, str]
) -> None:
    token = ana.pop("csrf_token")
    sent = client.post(
        QUIZ,
        data={**ana, **answers(PICKS)},
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert sent.status_code == 401
    assert sent.headers["hx-redirect"] == f"/login?next={QUIZ}"
    assert sent.text == ""  # no sign-in form for htmx to put inside the quiz
    sign_in(client, "ana@example.com", QUIZ)
    assert checked(client.get(QUIZ).text) == PICKS


def test_someone_else_signing_in_on_that_browser_does_not_get_the_answers(
    client: TestClient, session: Session, ana: dict[str, str]
) -> None:
    client.post(QUIZ, data={**ana, **answers(PICKS)})
    make_user(session, "bo@example.com", name="Bo")
    assert sign_in(client, "bo@example.com", QUIZ).headers["location"] == QUIZ
    page = client.get(QUIZ)
    assert checked(page.text) == {} and "signed out before" not in page.text
    assert kept_rows(session) == 1  # still Ana's, for Ana

    client.post("/logout", data={"csrf_token": csrf_from(page.text)})
    sign_in(client, "ana@example.com", QUIZ)
    assert checked(client.get(QUIZ).text) == PICKS


def test_kept_answers_are_given_back_once(
    client: TestClient, session: Session, ana: dict[str, str]
) -> None:
    token = client.post(QUIZ, data={**ana, **answers(PICKS)}).cookies["allyship_kept"]
    sign_in(client, "ana@example.com", QUIZ)
    assert checked(client.get(QUIZ).text) == PICKS
    client.cookies.set("allyship_kept", token)  # a copy of the cookie, replayed
    assert checked(client.get(QUIZ).text) == {}


def test_kept_answers_expire_after_thirty_minutes(
    client: TestClient, session: Session, ana: dict[str, str]
) -> None:
    client.post(QUIZ, data={**ana, **answers(PICKS)})
    row = session.exec(select(KeptForm)).one()
    assert row.expires_at - row.created_at == timedelta(minutes=30)
    session.execute(update(KeptForm).values(expires_at=utcnow() - timedelta(seconds=1)))

    assert SIGNED_OUT not in client.get(f"/login?next={QUIZ}").text
    sign_in(client, "ana@example.com", QUIZ)
    assert checked(client.get(QUIZ).text) == {}


def test_an_expired_kept_form_is_deleted_by_the_next_one(
    client: TestClient, session: Session, app: FastAPI, ana: dict[str, str]
) -> None:
    client.post(QUIZ, data={**ana, **answers(PICKS)})
    session.execute(update(KeptForm).values(expires_at=utcnow() - timedelta(seconds=1)))
    make_user(session, "bo@example.com", name="Bo")
    other = TestClient(app, follow_redirects=False)
    sign_in(other, "bo@example.com")
    fields = quiz_fields(other)
    go_idle(session, "bo@example.com")
    other.post(QUIZ, data={**fields, **answers({"standup": "silent"})})
    assert kept_rows(session) == 1  # Ana's expired one went


def test_the_same_browser_sending_twice_at_once_keeps_one_form(
    client: TestClient, session: Session, app: FastAPI, ana: dict[str, str]
) -> None:
    browsers = [TestClient(app, follow_redirects=False, cookies=client.cookies) for _ in "ab"]
    ready = threading.Barrier(2)

    def send(browser: TestClient) -> Response:
        ready.wait()
        return browser.post(QUIZ, data={**ana, **answers(PICKS)})

    with ThreadPoolExecutor(2) as pool:
        sent = list(pool.map(send, browsers))
    assert [r.status_code for r in sent] == [303, 303]
    assert sent[0].cookies["allyship_kept"] == sent[1].cookies["allyship_kept"]
    assert kept_rows(session) == 1


def test_nothing_is_kept_for_a_browser_that_was_never_signed_in(
    client: TestClient, session: Session
) -> None:
    token = csrf_from(client.get("/login").text)
    sent = client.post(QUIZ, data={"csrf_token": token, **answers(PICKS)})
    assert sent.status_code == 303 and sent.headers["location"] == f"/login?next={QUIZ}"
    assert "allyship_kept" not in sent.headers.get("set-cookie", "")
    client.cookies.set("allyship_session", "made-up-token")
    token = csrf_from(client.get("/login").text)
    client.post(QUIZ, data={"csrf_token": token, **answers(PICKS)})
    assert kept_rows(session) == 0


@pytest.mark.parametrize(
    "change",
    [{"csrf_token": "forged"}, {"csrf_token": ""}],
)
def test_a_forged_post_after_expiry_keeps_nothing(
    client: TestClient, session: Session, ana: dict[str, str], change: dict[str, str]
) -> None:
    sent = client.post(QUIZ, data={**ana, **answers(PICKS), **change})
    assert sent.status_code == 403
    assert kept_rows(session) == 0


def test_a_cross_site_post_after_expiry_keeps_nothing(
    client: TestClient, session: Session, ana: dict[str, str]
) -> None:
    sent = client.post(
        QUIZ, data={**ana, **answers(PICKS)}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert sent.status_code == 403
    assert kept_rows(session) == 0


def test_a_deactivated_account_gets_nothing_kept(
    client: TestClient, session: Session, ana: dict[str, str]
) -> None:
    session.execute(update(User).values(active=False))
    assert client.post(QUIZ, data={**ana, **answers(PICKS)}).status_code == 303
    assert kept_rows(session) == 0


def test_only_real_choices_are_kept_from_odd_or_huge_input(
    client: TestClient, session: Session, ana: dict[str, str]
) -> None:
    odd = {
        "answer-standup": "credit",
        "answer-review": "x" * 50_000,
        "answer-nope": "credit",
        **{f"junk-{n}": "y" for n in range(150)},
        "quiz_hash": "h" * 5_000,
    }
    sent = client.post(QUIZ, data={**ana, **odd})
    assert sent.status_code == 303
    row = session.exec(select(KeptForm)).one()
    assert row.fields == '{"standup": "credit"}' and len(row.quiz_hash) == 64


def test_answers_kept_from_an_older_quiz_come_back_with_a_warning(
    client: TestClient, session: Session, ana: dict[str, str]
) -> None:
    client.post(QUIZ, data={**ana, "quiz_hash": "an-older-version", **answers(PICKS)})
    sign_in(client, "ana@example.com", QUIZ)
    page = client.get(QUIZ)
    assert checked(page.text) == PICKS
    assert "this quiz has been updated since" in page.text
    assert QUIZ_CHANGED_BACK.startswith("You were signed out")


def test_kept_answers_only_come_back_on_their_own_quiz(
    client: TestClient, session: Session, ana: dict[str, str]
) -> None:
    client.post(QUIZ, data={**ana, **answers(PICKS)})
    sign_in(client, "ana@example.com", QUIZ)
    assert "signed out before" not in client.get("/modules/second-steps/quiz").text
    assert kept_rows(session) == 1
    assert checked(client.get(QUIZ).text) == PICKS


def test_an_unknown_module_after_expiry_keeps_nothing_and_goes_home(
    client: TestClient, session: Session, ana: dict[str, str]
) -> None:
    sent = client.post("/modules/no-such-module/quiz", data={**ana, **answers(PICKS)})
    assert sent.headers["location"] == "/login?next=/"
    assert kept_rows(session) == 0


def test_the_absolute_time_limit_is_named_when_it_ended_the_sign_in(
    client: TestClient, session: Session, ana: dict[str, str]
) -> None:
    session.execute(
        update(LoginSession).values(
            last_seen_at=utcnow(), expires_at=utcnow() - timedelta(seconds=1)
        )
    )
    client.post(QUIZ, data={**ana, **answers(PICKS)})
    page = client.get(f"/login?next={QUIZ}").text
    assert "You were signed out because a sign-in lasts at most 12 hours." in page


def test_reflection_saved_after_expiry_comes_back_unsaved_after_sign_in(
    client: TestClient, session: Session, ana: dict[str, str]
) -> None:
    text = "Private: I talked over Priya in the retro."
    sent = client.post(
        "/modules/first-steps/reflection", data={"csrf_token": ana["csrf_token"], "text": text}
    )
    assert sent.headers["location"] == "/login?next=/modules/first-steps%23reflection"
    login_page = client.get(sent.headers["location"]).text
    assert "Sign in again and your reflection will be waiting." in login_page
    assert "Priya" not in login_page

    assert sign_in(client, "ana@example.com", "/modules/first-steps%23reflection").headers[
        "location"
    ] == ("/modules/first-steps#reflection")
    page = client.get("/modules/first-steps").text
    assert text in page and REFLECTION_BACK in page
    assert session.exec(select(func.count()).select_from(Reflection)).one() == 0


def test_kept_letters_come_back_as_the_options_they_chose_on_that_draw(
    client: TestClient, session: Session
) -> None:
    make_user(session, "ana@example.com", name="Ana")
    assert sign_in(client, "ana@example.com").status_code == 303
    html = client.get(QUIZ).text
    fields = {"csrf_token": csrf_from(html), **dict(HIDDEN.findall(html))}
    fields["draw_id"] = draw_id(html)
    go_idle(session, "ana@example.com")
    letters = answer_fields(CATALOG, "first-steps", html, PICKS)
    assert set(letters.values()) <= set("ABCD")
    assert client.post(QUIZ, data={**fields, **letters}).status_code == 303
    sign_in(client, "ana@example.com", QUIZ)
    back = client.get(QUIZ).text
    assert draw_id(back) == fields["draw_id"] and checked(back) == PICKS
