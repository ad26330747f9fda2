"""Bad input: unknown or ended codes, join bursts, oversized text, and escaping of display text."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models import Commitment, LiveParticipant
from tests.conftest import FIXTURE_COURSE, csrf_from
from tests.live.conftest import (
    TO_VOTE_1,
    TO_WRAPUP,
    Live,
    join,
    page_token,
    signed_in,
    start_session,
)

SCRIPT = "<script>alert(1)</script>"


@pytest.mark.parametrize("code", ["ZZZZZZ", "abc", "0O1IL9", "A" * 40, "%3Cscript%3E"])
def test_unknown_code_gets_a_clear_page_with_the_code_form(app: FastAPI, code: str) -> None:
    page = TestClient(app).get(f"/j/{code}")
    assert page.status_code == 404
    assert "No group session uses that code" in page.text
    assert 'action="/j"' in page.text and "<script>" not in page.text


def test_entering_a_code_normalises_spaces_case_and_dashes(app: FastAPI, live: Live) -> None:
    spaced = f" {live.code[:3].lower()}-{live.code[3:]} "
    response = TestClient(app, follow_redirects=False).get("/j", params={"code": spaced})
    assert response.status_code == 303 and response.headers["location"] == f"/j/{live.code}"
    wrong = TestClient(app).get("/j", params={"code": SCRIPT})
    assert wrong.status_code == 404 and SCRIPT not in wrong.text
    assert "&lt;script&gt;" in wrong.text


def test_ended_code_gets_a_clear_page_and_cannot_be_joined(app: FastAPI, live: Live) -> None:
    stranger = TestClient(app, follow_redirects=False)
    token = page_token(stranger.get(f"/j/{live.code}").text)
    live.step("end")
    page = stranger.get(f"/j/{live.code}")
    assert page.status_code == 410 and "has ended" in page.text
    refused = stranger.post(f"/j/{live.code}/join", data={"csrf_token": token})
    assert refused.status_code == 410


def test_a_burst_of_joins_beyond_the_headcount_waits_and_rejoins_keep_their_place(
    app: FastAPI, client: TestClient, facilitator: object, session: Session
) -> None:
    live = start_session(client, headcount=3)
    joined = [join(app, live.code) for _ in range(3)]
    extra = join(app, live.code)
    assert "Waiting for the facilitator to let you in" in extra.get(f"/j/{live.code}").text
    states = [p.state for p in session.exec(select(LiveParticipant)).all()]
    assert states == ["in", "in", "in", "waiting"]
    join(app, live.code, joined[0])  # a phone that already joined may tap Join again
    assert len(session.exec(select(LiveParticipant)).all()) == 4


def test_oversized_commitment_is_refused_with_a_message_not_cut(
    app: FastAPI, live: Live, session: Session
) -> None:
    phone, _ = signed_in(app, session)
    join(app, live.code, phone)
    live.go(TO_WRAPUP)
    token = csrf_from(phone.get(f"/j/{live.code}").text)
    data = {"csrf_token": token, "situation": "x" * 501, "action": "say so"}
    response = phone.post(f"/j/{live.code}/commitment", data=data)
    assert response.status_code == 422
    message = "If: use at most 500 characters (this has 501)."
    assert f'id="commitment-situation-error">{message}</span>' in response.text
    assert "x" * 501 + "<" in response.text  # what was typed is kept to shorten
    assert session.exec(select(Commitment)).first() is None
    huge = phone.post(f"/j/{live.code}/commitment", data={**data, "situation": "x" * 5000})
    assert huge.status_code == 422 and session.exec(select(Commitment)).first() is None


def test_commitment_outside_the_wrapup_is_refused(app: FastAPI, live: Live) -> None:
    phone = join(app, live.code)
    live.go(TO_VOTE_1)
    token = page_token(phone.get(f"/j/{live.code}").text)
    data = {"csrf_token": token, "situation": "x", "action": "y"}
    response = phone.post(f"/j/{live.code}/commitment", data=data)
    assert response.status_code == 409


def test_anonymous_commitment_is_shown_back_escaped_and_not_stored(
    app: FastAPI, live: Live, session: Session
) -> None:
    phone = join(app, live.code)
    live.go(TO_WRAPUP)
    token = csrf_from(phone.get(f"/j/{live.code}").text)
    data = {"csrf_token": token, "situation": "a meeting", "action": SCRIPT}
    shown = phone.post(f"/j/{live.code}/commitment", data=data)
    assert shown.status_code == 200
    assert "not stored" in shown.text
    assert SCRIPT not in shown.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in shown.text
    assert session.exec(select(Commitment)).first() is None


class TestHostileContent:
    """Course text is shown on projectors and phones: it is escaped like everything else."""

    @pytest.fixture
    def content_dir(self, tmp_path: Path) -> Path:
        course = tmp_path / "course"
        shutil.copytree(FIXTURE_COURSE, course)
        quiz = course / "quizzes" / "00-first-steps.yaml"
        text = quiz.read_text(encoding="utf-8")
        text = text.replace("title: The stand-up", f'title: "The {SCRIPT} stand-up"')
        text = text.replace(
            "text: Say nothing and carry on with the calls.",
            'text: "<img src=x onerror=alert(1)> Say nothing."',
        )
        quiz.write_text(text, encoding="utf-8")
        return course

    def test_scenario_text_is_escaped_on_projector_phone_and_summary(
        self, app: FastAPI, live: Live
    ) -> None:
        phone = join(app, live.code)
        live.go(TO_VOTE_1)
        pages = [
            live.present().text,
            phone.get(f"/j/{live.code}").text,
            live.client.get(f"/live/{live.id}/summary").text,
            live.client.get("/live/guides/first-steps").text,
        ]
        for page in pages:
            assert SCRIPT not in page and "<img src=x" not in page
        assert "&lt;script&gt;" in pages[0] and "&lt;img src=x" in pages[1]
