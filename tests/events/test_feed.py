"""GET /api/v1/events: every kind, in commit order, next_after always, misuse refused."""

from __future__ import annotations

import json
from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, col, select

from app.api.keys import create_key
from app.clock import utcnow
from app.events import record_event
from app.hr import assignments, bulk, overdue
from app.hr.account_changes import deactivated
from app.models import Assignment, Event, User
from app.recert.cycles import start_cycle
from tests.api.conftest import bearer
from tests.conftest import csrf_from
from tests.events.conftest import assign, complete_course, feed, kinds
from tests.factories import make_user
from tests.hr.conftest import signed_in_as

_ = bulk  # the people table's deactivation goes through account_changes.deactivated too


def test_feed_reports_assignment_completion_certificate_and_leaver_in_order(
    app: FastAPI, client: TestClient, session: Session, read_key: str
) -> None:
    complete_course(client, session)
    ana = session.exec(select(User).where(User.email == "ana@example.com")).one()
    ana.external_id = "E-1"
    session.add(ana)
    session.commit()
    assign(session, app.state.catalog, ["ana@example.com"])
    deactivated(session, user_ids=[ana.id or 0])
    session.commit()
    body = feed(client, read_key)
    types = [e["type"] for e in body["events"]]
    assert types == [
        "module.completed",
        "module.completed",
        "certificate.issued",
        "assignment.created",
        "assignment.created",
        "person.deactivated",
    ]
    seqs = [e["seq"] for e in body["events"]]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert body["next_after"] == seqs[-1] and body["more"] is False
    first = body["events"][0]["data"]
    assert first["module_id"] == "first-steps" and first["score"] == 100 and first["cycle"] == 1
    assert first["via"] == "self-paced" and first["person"]["email"] == "ana@example.com"
    cert = body["events"][2]["data"]
    assert len(cert["code"]) > 10 and cert["cycle"] == 1
    assert body["events"][3]["data"]["source"] == "manual"
    assert body["events"][-1]["subject"] == f"person/{ana.id}"
    assert body["events"][-1]["data"]["person"]["external_id"] == "E-1"


def test_feed_pages_without_gaps_and_returns_next_after_on_the_last_and_empty_page(
    app: FastAPI, client: TestClient, session: Session, read_key: str
) -> None:
    for i in range(5):
        make_user(session, f"p{i}@example.com")
    assign(session, app.state.catalog, [f"p{i}@example.com" for i in range(5)])  # 10 events
    seen: list[int] = []
    after = 0
    while True:
        body = feed(client, read_key, after=after, limit=3)
        seen += [e["seq"] for e in body["events"]]
        assert body["next_after"] >= after
        after = body["next_after"]
        if not body["more"]:
            break
    assert len(seen) == 10 and seen == sorted(set(seen))
    empty = feed(client, read_key, after=after)
    assert empty["events"] == [] and empty["next_after"] == after and empty["more"] is False


def test_feed_refuses_huge_limits_and_negative_or_garbage_after(
    client: TestClient, read_key: str
) -> None:
    for query in ("limit=100000", "limit=0", "after=-1", "after=abc", "after=1e3", "after=%00"):
        answer = client.get(f"/api/v1/events?{query}", headers=bearer(read_key))
        assert answer.status_code == 422, query
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["detail"], query
    huge = client.get("/api/v1/events?after=99999999999999999999", headers=bearer(read_key))
    assert huge.status_code == 422


def test_feed_needs_a_key_with_the_read_scope(client: TestClient, session: Session) -> None:
    assert client.get("/api/v1/events").status_code == 401
    _, write_only = create_key(session, name="writer", scopes=["write"], actor_id=None)
    refused = client.get("/api/v1/events", headers=bearer(write_only))
    assert refused.status_code == 403 and "read" in refused.json()["detail"]


def test_payloads_never_carry_reflections_answers_or_votes(
    app: FastAPI, client: TestClient, session: Session, read_key: str
) -> None:
    complete_course(client, session)
    token = csrf_from(client.get("/modules/first-steps").text)
    note = "Private reflection: my manager talks over Priya"
    client.post("/modules/first-steps/reflection", data={"csrf_token": token, "text": note})
    assign(session, app.state.catalog, ["ana@example.com"])
    stored = " ".join(e.data for e in session.exec(select(Event)))
    served = json.dumps(feed(client, read_key))
    for text in (stored, served):
        assert "Priya" not in text and "reflection" not in text.lower()
        for answer in ("credit", "finish", "wait", "choice", "vote"):
            assert answer not in text
    try:
        record_event(session, "module.completed", "x/1", {"reflection": note})
    except ValueError as refused:
        assert "reflection" in str(refused)
    else:
        raise AssertionError("a payload key outside the allow-list was recorded")


def test_overdue_is_reported_once_per_assignment_and_cycle(app: FastAPI, session: Session) -> None:
    ana = make_user(session)
    assign(session, app.state.catalog, ["ana@example.com"])
    session.execute(update(Assignment).values(due_at=utcnow() - timedelta(days=1)))
    now = utcnow()
    assert overdue.record_overdue(session, now=now) == 2
    session.commit()
    assert overdue.record_overdue(session, now=now) == 0  # a second run reports nothing new
    session.commit()
    assert kinds(session).count("assignment.overdue") == 2
    assert start_cycle(session, user_id=ana.id or 0, seen=1, actor_id=None, due_on=None)
    session.commit()
    assert overdue.record_overdue(session, now=now) == 2  # a new cycle: overdue again, once
    session.commit()
    keys = session.exec(select(Event.once_key).where(col(Event.once_key).is_not(None))).all()
    assert len(keys) == 4 and len(set(keys)) == 4


def test_reminder_run_records_overdue_and_skips_leavers(app: FastAPI, session: Session) -> None:
    hr_client = signed_in_as(app, session, "hr", "Hana HR")
    make_user(session, "ana@example.com")
    make_user(session, "leo@example.com")
    assign(session, app.state.catalog, ["ana@example.com", "leo@example.com"])
    session.execute(update(Assignment).values(due_at=utcnow() - timedelta(days=3)))
    session.execute(update(User).where(col(User.email) == "leo@example.com").values(active=False))
    page = hr_client.get("/hr/reminders")
    hr_client.post("/hr/reminders/send", data={"csrf_token": csrf_from(page.text)})
    events = session.exec(select(Event).where(Event.kind == "assignment.overdue")).all()
    assert {json.loads(e.data)["person"]["email"] for e in events} == {"ana@example.com"}


def test_progress_feed_is_deprecated_in_favour_of_events(client: TestClient, read_key: str) -> None:
    answer = client.get("/api/v1/progress", headers=bearer(read_key))
    assert answer.status_code == 200
    assert answer.headers["deprecation"].startswith("@")
    assert answer.headers["sunset"].endswith("GMT")
    assert 'rel="successor-version"' in answer.headers["link"]
    assert client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/progress"]["get"][
        "deprecated"
    ]


def test_the_unassign_hook_records_a_removed_event(
    app: FastAPI, client: TestClient, session: Session, read_key: str
) -> None:
    ana = make_user(session)
    assign(session, app.state.catalog, ["ana@example.com"])
    row = session.exec(select(Assignment).order_by(col(Assignment.id))).first()
    assert row is not None
    assignments.record_removed(session, [(row.id or 0, ana.id or 0, row.module_id)])
    session.commit()
    last = feed(client, read_key)["events"][-1]
    assert last["type"] == "assignment.removed" and last["subject"] == f"assignment/{row.id}"
    assert last["data"] == {
        "module_id": row.module_id,
        "person": {"email": ana.email, "external_id": None},
    }
