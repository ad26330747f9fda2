"""Query-count guards: the busiest pages run a fixed number of statements, however big the data.

Statements are counted where every one passes, raw or ORM (app/db/trace.py), so an N+1
read added on any path, in plain SQL or through the ORM, fails here. Each page is measured
at two database sizes: 5 and 50 people, and 5 and 50 attempts of the learner.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models import User
from tests.conftest import QueryRecorder, login
from tests.factories import make_department, make_user
from tests.hr.factories import (
    make_assignment,
    make_attempt,
    make_completion,
    make_people,
    make_read,
)
from tests.learning.test_learner_journey import quiz_form

PASSING = {"answer-standup": "credit", "answer-review": "finish"}
# Every statement counts: BEGIN, COMMIT and savepoints on SQLite; the pool's liveness ping
# before each checkout on PostgreSQL. A page that needs one more must say so here.
# Every page also reads the organisation's settings once (app/org/current.py): one SELECT
# on SQLite, one SELECT and the pool's ping on PostgreSQL.
EXPECTED = {
    "sqlite": {
        "dashboard": 5,  # +2 the learner's open commitments and refreshers waiting (issue 21)
        "lesson": 4,
        "quiz page": 3,  # the learner's open draw and its scenarios (issue 15)
        # no SAVEPOINT and RELEASE: the writer thread uses savepoints only when a write of
        # its batch fails (app/db/group_commit.py)
        "quiz submission": 8,
        # + the validity period and the recertification counts; +1 the getting-started list;
        # +7 whether any hardest-scenarios figure is released (the release catch-up's two
        # reads and the released totals, each in its own session); +1 the modules to take
        # again after a content release; +5 lasting learning: whether any check-in waits to be
        # counted or sealed, the released counts and the department names, in one session;
        # +5 refreshers taken: whether anything waits to be counted or sealed (the catch-up's
        # write transaction runs only then), the released blocks and the department names, in
        # one session (app/auth/blocks.py released_view);
        # +5 the change in confidence (app/measures/released.py: whether a block is due,
        # the released sums and the departments, in one read session)
        "hr overview": 38,
    },
    "postgresql": {
        # Each read's connection is pinged by the pool; the sign-in and the organisation's
        # settings share one read (app/web/request_reads.py), so one ping for both.
        "dashboard": 7,  # +2 the learner's open commitments and refreshers waiting (issue 21)
        "lesson": 6,
        "quiz page": 5,  # the open draw and its scenarios, each with the pool's ping
        "quiz submission": 9,
        # +1 the getting-started list, +5 the hardest-scenarios check, +1 the modules to take
        # again after a content release; +4 lasting learning (its check, the released counts,
        # the department names, and the pool's ping); +4 refreshers taken (whether anything
        # waits to be counted, the released blocks and the department names, and the ping of
        # their one read session); +4 the change
        # in confidence (its read's ping, whether a block is due, the released sums and the
        # departments)
        "hr overview": 33,
    },
}


def _grow(session: Session, learner: User, to: int, have: int) -> None:
    """`to` people with progress besides the learner, and `to` attempts of the learner."""
    department = make_department(session, f"Dept {to}")
    for person in make_people(session, to - have, department, prefix=f"n{to}-"):
        make_assignment(session, person)
        make_read(session, person)
        make_attempt(session, person)
        make_completion(session, person)
    for _ in range(to - have):
        make_attempt(session, learner)


def _counts(client: TestClient, hr: TestClient, recorder: QueryRecorder) -> dict[str, int]:
    def count(page: str, request: Callable[[], object]) -> tuple[str, int]:
        request()  # once first: anything done once per person or per day is done
        with recorder:
            response = request()
        assert response.status_code in (200, 303), (page, response.status_code)  # type: ignore[attr-defined]
        return page, recorder.count

    return dict(
        [
            count("dashboard", lambda: client.get("/")),
            count("lesson", lambda: client.get("/modules/first-steps")),
            count("quiz page", lambda: client.get("/modules/first-steps/quiz")),
            _count_submission(client, recorder),
            count("hr overview", lambda: hr.get("/hr")),
        ]
    )


def _count_submission(client: TestClient, recorder: QueryRecorder) -> tuple[str, int]:
    data = quiz_form(client, "first-steps") | PASSING
    with recorder:
        response = client.post("/modules/first-steps/quiz", data=data)
    assert response.status_code == 303
    return "quiz submission", recorder.count


def test_busy_pages_run_as_many_statements_at_5_and_at_50(
    app: FastAPI, session: Session, query_recorder: QueryRecorder
) -> None:
    learner = make_user(session, "ana@example.com")
    make_user(session, "hr@example.com", role="hr")
    for module in ("first-steps", "second-steps"):
        make_assignment(session, learner, module)
    make_read(session, learner)
    make_completion(session, learner)  # every submission below is a passing retake
    client, hr = TestClient(app, follow_redirects=False), TestClient(app, follow_redirects=False)
    assert login(client, "ana@example.com").status_code == 303
    assert login(hr, "hr@example.com").status_code == 303
    _grow(session, learner, 5, 0)
    small = _counts(client, hr, query_recorder)
    _grow(session, learner, 50, 5)
    large = _counts(client, hr, query_recorder)
    assert small == large
    assert small == EXPECTED[app.state.engine.dialect.name]


def test_the_recorder_sees_plain_sql_and_orm_statements(
    app: FastAPI, session: Session, query_recorder: QueryRecorder
) -> None:
    """The sign-in lookup is plain SQL on a DBAPI connection; the reflection save uses the ORM."""
    make_user(session, "ana@example.com")
    client = TestClient(app, follow_redirects=False)
    assert login(client, "ana@example.com").status_code == 303
    with query_recorder:
        client.get("/modules/first-steps")
    assert any('JOIN "user" u ON u.id = s.user_id' in q for q in query_recorder.queries)
    page = client.get("/modules/first-steps").text
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    with query_recorder:
        client.post("/modules/first-steps/reflection", data={"csrf_token": token, "text": "Noted."})
    assert any("INSERT INTO reflection" in q for q in query_recorder.writes)


def test_the_recorder_sees_a_streamed_read(
    app: FastAPI, session: Session, query_recorder: QueryRecorder
) -> None:
    """`yield_per` runs on a server-side cursor on PostgreSQL (the HR exports, the longest
    overdue): its statement is seen like any other."""
    make_user(session, "ana@example.com")
    with query_recorder, Session(app.state.engine) as reader:
        streamed = reader.exec(select(User.email).execution_options(yield_per=10)).all()
    assert streamed == ["ana@example.com"]
    assert any(q.lstrip().startswith("SELECT") and "email" in q for q in query_recorder.queries)


@pytest.mark.parametrize("size", [5, 50])
def test_a_learner_page_reads_the_same_whatever_else_is_stored(
    app: FastAPI, session: Session, query_recorder: QueryRecorder, size: int
) -> None:
    """The dashboard's statements do not mention anything the size could change."""
    learner = make_user(session, "ana@example.com")
    _grow(session, learner, size, 0)
    client = TestClient(app, follow_redirects=False)
    assert login(client, "ana@example.com").status_code == 303
    client.get("/")
    with query_recorder:
        assert client.get("/").status_code == 200
    assert query_recorder.writes == []
    assert query_recorder.count == EXPECTED[app.state.engine.dialect.name]["dashboard"]
