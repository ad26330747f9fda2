"""The commitments wall, the summary's open answers, and who never sees answers (HR)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models import Commitment, LiveAnswer
from tests.live.conftest import TO_WRAPUP, Live, join, page_token, signed_in
from tests.live.open_answers_helpers import moderate, open_question, send, waiting_ids
from tests.security.test_permissions import client_as

PRIVATE = "If someone is talked over, then I will say: let her finish."
PLAN = {"situation": "someone is talked over", "action": "say: let her finish"}


def save_private(phone: TestClient, code: str, action: str = PLAN["action"]) -> None:
    page = phone.get(f"/j/{code}").text
    data = {"csrf_token": page_token(page), **PLAN, "action": action}
    assert phone.post(f"/j/{code}/commitment", data=data).status_code == 303


def test_sharing_is_a_separate_choice_that_stores_only_an_anonymous_copy(
    app: FastAPI, live: Live, session: Session
) -> None:
    browser, person = signed_in(app, session)
    phone = join(app, live.code, browser)
    live.go(TO_WRAPUP)
    save_private(phone, live.code)
    assert session.exec(select(LiveAnswer)).all() == []  # saving shares nothing
    assert open_question(live, "commitments").status_code == 303
    box = phone.get(f"/j/{live.code}").text.split('id="answer-box"')[1]
    assert "Share anonymously" in box
    assert f">{PRIVATE}</textarea>" in box.replace("&#39;", "'")  # offered, not sent
    assert "your private commitment stays private" in box
    assert session.exec(select(LiveAnswer)).all() == []
    assert send(phone, live.code, "If I am asked, then I will credit her.").status_code == 303
    session.expire_all()
    (copy,) = session.exec(select(LiveAnswer)).all()
    assert copy.text == "If I am asked, then I will credit her."
    (private,) = session.exec(select(Commitment)).all()
    assert (private.situation, private.action) == tuple(PLAN.values())  # unchanged, private
    assert private.user_id == person.id
    assert send(phone, live.code, "A second one").status_code == 409  # one share a phone


def test_private_commitments_never_reach_the_wall(
    app: FastAPI, live: Live, session: Session
) -> None:
    keepers = [
        join(app, live.code, signed_in(app, session, f"k{i}@example.com")[0]) for i in range(3)
    ]
    sharers = [join(app, live.code) for _ in range(5)]
    live.go(TO_WRAPUP)
    for i, phone in enumerate(keepers):
        save_private(phone, live.code, f"Private plan {i}")
    assert open_question(live, "commitments").status_code == 303
    for i, phone in enumerate(sharers):
        assert send(phone, live.code, f"Shared plan {i}").status_code == 303
    for answer_id in waiting_ids(live):
        moderate(live.client, live.id, answer_id)
    screen = live.present().text
    assert "Our commitments" in screen and "Shared plan 4" in screen
    assert "Private plan" not in screen
    assert "Private plan" not in live.client.get(f"/live/{live.id}/summary").text


def test_the_summary_and_its_csv_list_approved_answers_only(
    app: FastAPI, live: Live, session: Session
) -> None:
    phones = [join(app, live.code) for _ in range(5)]
    assert open_question(live).status_code == 303
    for i, phone in enumerate(phones):
        send(phone, live.code, f"=HYPERLINK(1) question {i}" if i == 0 else f"Question {i}")
    ids = waiting_ids(live)  # newest first
    moderate(live.client, live.id, ids[0])  # Question 4
    moderate(live.client, live.id, ids[4])  # the formula
    moderate(live.client, live.id, ids[1], "hide")
    page = live.client.get(f"/live/{live.id}/summary").text
    assert "Open answers" in page and "Question 4" in page
    assert "Question 3" not in page and "Question 2" not in page
    rows = list(csv.reader(io.StringIO(live.client.get(f"/live/{live.id}/summary.csv").text)))
    start = rows.index(["question", "approved answer", *[""] * 7])
    listed = [(r[0], r[1]) for r in rows[start + 1 :]]
    assert listed == [
        ("Questions for the group", "'=HYPERLINK(1) question 0"),  # never a live formula
        ("Questions for the group", "Question 4"),
    ]


def test_under_five_answers_the_summary_lists_none(
    app: FastAPI, live: Live, session: Session
) -> None:
    phones = [join(app, live.code) for _ in range(4)]
    assert open_question(live).status_code == 303
    for i, phone in enumerate(phones):
        send(phone, live.code, f"Few {i}")
    for answer_id in waiting_ids(live):
        moderate(live.client, live.id, answer_id)
    assert "Few " not in live.client.get(f"/live/{live.id}/summary").text
    assert "approved answer" not in live.client.get(f"/live/{live.id}/summary.csv").text


def test_hr_never_sees_answers(app: FastAPI, live: Live, session: Session) -> None:
    phones = [join(app, live.code) for _ in range(5)]
    assert open_question(live).status_code == 303
    for phone in phones:
        send(phone, live.code, "Secret-ish answer")
    for answer_id in waiting_ids(live):
        moderate(live.client, live.id, answer_id)
    live.step("end")
    hr = client_as(app, session, "hr")
    for url in ("/hr", "/hr/people", "/hr/people/export.csv", "/hr/scenarios"):
        response = hr.get(url)
        assert response.status_code == 200, url
        assert "Secret-ish" not in response.text, url
    assert hr.get(f"/live/{live.id}/summary").status_code == 403
    root = Path(__file__).resolve().parents[2] / "app"
    for package in ("hr", "api", "team", "scim"):
        for source in (root / package).rglob("*.py"):
            text = source.read_text()
            assert "LiveAnswer" not in text and "open_answers" not in text, source
