"""A learner, an HR user and a group session at once on two workers: the same as on one.

Every client opens a new connection per request, so requests land on either worker, and
tags its request ids; the server log (one line per request, with the worker's pid) then
shows that both workers served them. What everyone sees is compared with what the course
content and the inputs say it must be, which is what one worker shows.
"""

from __future__ import annotations

import csv
import io
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlmodel import func, select

from app.content.catalog import load_catalog
from app.db import session_for
from app.learning.scoring import score_answers
from app.models import LiveVote
from tests.conftest import CSRF_FIELD, FIXTURE_COURSE
from tests.factories import make_user
from tests.live.phones import Phone, Presenter, close_all
from tests.servers import (
    sign_in,
    start_server,
    stop_server,
    tagged_client,
    worker_pids,
    workers_by_tag,
)

pytestmark = pytest.mark.slow
MODULE = "first-steps"
PEOPLE_CSV = (
    "email,name,department,role\n"
    "lee@example.com,Lee Learner,Sales,learner\n"
    "mo@example.com,Mo Member,Sales,learner\n"
)
NEW_PASSWORD = "a much longer pass phrase"
PHONES = 6
VOTES = ["credit", "credit", "private", "silent", "credit", "private"]
QUIZ = {m.id: m for m in load_catalog(FIXTURE_COURSE).modules}[MODULE].quiz
BEST = {s.id: s.best_choices[0].id for s in QUIZ.scenarios}  # what the content says scores best
SCORE = score_answers(QUIZ, BEST)


def token(page: str) -> str:
    return CSRF_FIELD.search(page).group(1)  # type: ignore[union-attr]


def found(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    assert match, f"{pattern!r} not found"
    return match.group(1)


def hr_imports_and_assigns(url: str, due: str) -> tuple[httpx.Client, str]:
    """Import two people in Sales, assign them the module, mint the learner's sign-in link."""
    hr = tagged_client(url, "hr")
    sign_in(hr, "hana@example.com")
    upload = {"file": ("people.csv", PEOPLE_CSV.encode(), "text/csv")}
    csrf = token(hr.get("/hr/import").text)
    preview = hr.post("/hr/import", data={"csrf_token": csrf}, files=upload)
    assert preview.status_code == 200 and "To add (2)" in preview.text
    apply_url = found(r'action="(/hr/import/\d+/apply)"', preview.text)
    fingerprint = found(r'name="fingerprint" value="([^"]+)"', preview.text)
    applied = hr.post(
        apply_url, data={"csrf_token": token(preview.text), "fingerprint": fingerprint}
    )
    assert "2 added" in hr.get(applied.headers["location"]).text

    page = hr.get("/hr/assignments").text
    sales = found(r'name="departments" value="(\d+)" *> <label for="d-\d+">Sales</label>', page)
    data = {"csrf_token": token(page), "scope": "modules", "modules": MODULE, "due": due}
    assigned = hr.post("/hr/assignments", data=data | {"departments": sales})
    assert "people=2&created=2&already=0" in assigned.headers["location"]

    lee = found(r'href="/hr/people/(\d+)">Lee Learner<', hr.get("/hr/people?q=lee").text)
    person = hr.get(f"/hr/people/{lee}").text
    link = hr.post(f"/hr/people/{lee}/invite", data={"csrf_token": token(person)}).text
    return hr, found(r"/invite/([\w-]+)</code>", link)


def learner_completes(url: str, invite: str) -> httpx.Client:
    """Set a password from the link, sign in, read, reflect, pass the quiz, see the result."""
    learner = tagged_client(url, "learner")
    page = learner.get(f"/invite/{invite}").text
    data = {"csrf_token": token(page), "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert learner.post(f"/invite/{invite}", data=data).status_code == 303
    sign_in(learner, "lee@example.com", NEW_PASSWORD)
    lesson = learner.get(f"/modules/{MODULE}").text
    assert "<h1>First steps</h1>" in lesson
    read = learner.post(f"/modules/{MODULE}/read", data={"csrf_token": token(lesson)})
    assert read.status_code == 303
    reflection = {"csrf_token": token(lesson), "text": "I will credit ideas out loud."}
    assert learner.post(f"/modules/{MODULE}/reflection", data=reflection).status_code == 303
    assert "I will credit ideas out loud.</textarea>" in learner.get(f"/modules/{MODULE}").text

    quiz = learner.get(f"/modules/{MODULE}/quiz").text
    hidden = dict(re.findall(r'name="(quiz_hash|submission_id|csrf_token)" value="([^"]+)"', quiz))
    answers = {f"answer-{k}": v for k, v in BEST.items()}
    submitted = learner.post(f"/modules/{MODULE}/quiz", data=hidden | answers)
    assert submitted.status_code == 303
    result = learner.get(submitted.headers["location"]).text
    assert f"{SCORE.total} of {SCORE.max_score} points ({SCORE.percent}%)" in result
    assert SCORE.passed and "This module is complete." in result
    return learner


def facilitator_runs_a_session(url: str) -> list[httpx.Client]:
    """Phones join by code and vote; the presenter moves the session on to the results."""
    fay = Presenter(url, "fay@example.com", ["standup"], tag="facilitator")
    phones = [Phone(url, fay.code, tag="phone") for _ in range(PHONES)]
    with ThreadPoolExecutor(PHONES) as pool:
        list(pool.map(Phone.join, phones))
        for label in ("Ground rules", "Voting open"):
            fay.step()
            assert set(pool.map(Phone.poll, phones)) == {label}
        assert set(pool.map(Phone.vote, phones, VOTES)) == {303}
        assert f"<strong>{PHONES} of {PHONES}</strong> have voted" in fay.present()
        fay.step()
        assert set(pool.map(Phone.poll, phones)) == {"Results and feedback"}
    return [fay.client, *(phone.client for phone in phones)]


def test_a_learner_hr_and_a_group_session_on_two_workers_match_one(
    db_url: str, tmp_path: Path
) -> None:
    with session_for(db_url) as session:
        make_user(session, "hana@example.com", name="Hana HR", role="hr")
        make_user(session, "fay@example.com", name="Fay Facilitator", role="facilitator")
    log = tmp_path / "server.log"
    proc, url = start_server(db_url, workers=2, content_dir=FIXTURE_COURSE, log=log)
    clients: list[httpx.Client] = []
    today = datetime.now(UTC).date()
    due = (today + timedelta(days=14)).isoformat()
    try:
        children = set(worker_pids(proc))  # the workers (and multiprocessing's helper)
        with ThreadPoolExecutor(1) as background:
            live = background.submit(facilitator_runs_a_session, url)
            hr, invite = hr_imports_and_assigns(url, due)
            clients += [hr, learner_completes(url, invite)]
            clients += live.result()

        overview = hr.get("/hr").text
        assert "50%" in overview and "of assigned modules completed (1 of 2)" in overview
        people = hr.get("/hr/people?q=lee").text
        assert "Lee Learner" in people and "Complete" in people and "1 of 1" in people
        export = hr.get("/hr/people/export.csv?kind=long")
        rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
        (lee,) = [r for r in rows if (r["email"], r["module_id"]) == ("lee@example.com", MODULE)]
        shown = {k: lee[k] for k in ("status", "due_on", "best_score", "completed_on")}
        assert shown == {
            "status": "complete",
            "due_on": due,
            "best_score": str(SCORE.percent),
            "completed_on": today.isoformat(),
        }
    finally:
        close_all(clients)
        stop_server(proc)

    with session_for(db_url) as session:
        by_choice = select(LiveVote.choice_id, func.count()).group_by(LiveVote.choice_id)
        votes = dict(session.exec(by_choice).all())
    assert votes == {c: VOTES.count(c) for c in set(VOTES)}
    served = workers_by_tag(log)
    workers = set().union(*served.values())
    assert len(workers) == 2 and workers <= children, served
    assert set(served) == {"hr", "learner", "facilitator", "phone"}
    assert served["phone"] == workers  # dozens of requests; which worker takes one is the kernel's
