"""The weekly digest: a manager opts in on their account page; it lists the whole team's overdue work."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.clock import utcnow
from app.hr import reminders
from app.mail.outbox import DIGEST
from app.models import AuditEvent, ManagerDigest, OutboxMessage
from tests.conftest import csrf_from
from tests.factories import make_user
from tests.hr.factories import make_assignment, make_attempt
from tests.team.helpers import report, signed_in


def _choose(client: TestClient, choice: str) -> int:
    token = csrf_from(client.get("/account").text)
    response = client.post("/account/digest", data={"digest": choice, "csrf_token": token})
    return response.status_code


def _digests(app: FastAPI, session: Session, **options: object) -> dict[str, str]:
    reminders.queue_due(session, app.state.settings, app.state.catalog, actor_id=None, **options)  # type: ignore[arg-type]
    rows = session.exec(select(OutboxMessage).where(OutboxMessage.kind == DIGEST)).all()
    return {m.to: m.body for m in rows}


def _team(session: Session) -> None:
    boss = make_user(session, "boss@example.com", name="Bea Boss")
    ana = report(session, "ana@example.com", boss, name="Ana Direct")
    bo = report(session, "bo@example.com", ana, name="Bo Indirect")
    make_assignment(session, bo, due_at=utcnow() - timedelta(days=3))
    make_attempt(session, bo, points={"standup": 1, "review": 0})
    other = make_user(session, "other@example.com", name="Olga Other")
    make_assignment(
        session, report(session, "theo@example.com", other), due_at=utcnow() - timedelta(days=3)
    )


def test_only_managers_who_opted_in_get_the_digest_and_it_lists_indirect_reports(
    app: FastAPI, session: Session
) -> None:
    _team(session)
    client = signed_in(app, "boss@example.com")
    assert "Send me the weekly digest" in client.get("/account").text
    assert _choose(client, "on") == 303
    assert "Stop the weekly digest" in client.get("/account").text
    sent = _digests(app, session)
    assert set(sent) == {"boss@example.com"}
    assert "Bo Indirect: First steps" in sent["boss@example.com"]
    assert "%" not in sent["boss@example.com"] and "theo" not in sent["boss@example.com"]
    assert _digests(app, session) == sent  # once a week, however often the run goes
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "account.digest")).all()
    assert len(events) == 1


def test_opting_out_stops_it_and_choosing_twice_keeps_one_choice(
    app: FastAPI, session: Session
) -> None:
    _team(session)
    client = signed_in(app, "boss@example.com")
    assert _choose(client, "on") == 303 and _choose(client, "on") == 303
    assert len(session.exec(select(ManagerDigest)).all()) == 1
    assert _choose(client, "off") == 303
    assert _digests(app, session) == {}


def test_people_without_reports_have_no_digest_setting(app: FastAPI, session: Session) -> None:
    make_user(session, "ana@example.com")
    client = signed_in(app, "ana@example.com")
    assert "weekly digest" not in client.get("/account").text.lower()
    assert _choose(client, "on") == 404
    assert session.exec(select(ManagerDigest)).first() is None


def test_a_bad_digest_choice_gets_a_clear_message(app: FastAPI, session: Session) -> None:
    _team(session)
    client = signed_in(app, "boss@example.com")
    assert _choose(client, "yes please") == 422
    assert session.exec(select(ManagerDigest)).first() is None


def test_the_organisation_wide_switch_still_sends_every_manager_a_digest(
    app: FastAPI, session: Session
) -> None:
    _team(session)
    sent = _digests(app, session, manager_digest=True)
    assert set(sent) == {"boss@example.com", "ana@example.com", "other@example.com"}
    assert _digests(app, session, manager_digest=False) == sent
