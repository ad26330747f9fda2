"""The "Send today's reminders now" button only queues: no request talks to SMTP, nothing goes twice.

Issue 13 left this open: the button opened an SMTP connection inside the HR request. Now it
claims each reminder and queues its message in the outbox in the request's own transaction;
the outbox sender delivers. Two clicks at once, or a click and the nightly run, queue each
reminder exactly once; with the mail server hung, the button still answers at once and the
reminder is delivered when the server is back.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.clock import utcnow
from app.config import Settings
from app.db import write_session
from app.hr import reminders
from app.main import create_app
from app.models import DigestSent, OutboxMessage, ReminderSent, User
from tests.concurrency import at_once
from tests.conftest import csrf_from
from tests.factories import make_user
from tests.hr.conftest import Inbox, inbox, settings, smtp_server
from tests.hr.factories import make_assignment
from tests.mail import deliver
from tests.security.people_helpers import signed_in
from tests.security.test_outbox_sender import HungServer, hung

__all__ = ["hung", "inbox", "settings", "smtp_server"]  # fixtures


@pytest.fixture
def mail_settings(settings: Settings) -> Settings:
    """The HR tests' settings (real SMTP on loopback), with manager digests on."""
    return settings.model_copy(update={"reminder_manager_digest": True, "smtp_timeout_seconds": 5})


@pytest.fixture
def app(mail_settings: Settings) -> Iterator[FastAPI]:
    application = create_app(mail_settings)
    yield application
    application.state.engine.dispose()


def overdue_team(session: Session, size: int) -> User:
    """A manager and `size` reports, each with an overdue assignment (a reminder and a digest)."""
    boss = make_user(session, "boss@example.com", name="Bea Boss")
    for i in range(size):
        person = make_user(session, f"p{i}@example.com")
        person.manager_id = boss.id
        session.add(person)
        session.commit()
        make_assignment(session, person, due_at=utcnow() - timedelta(days=3))
    return boss


def click(client: TestClient) -> int:
    """Press "Send today's reminders now"; the number the page says it queued."""
    token = csrf_from(client.get("/hr/reminders").text)
    response = client.post("/hr/reminders/send", data={"csrf_token": token})
    assert response.status_code == 303
    return int(response.headers["location"].split("queued=")[1].split("&")[0])


def test_two_clicks_and_the_nightly_run_at_once_queue_each_reminder_once(
    app: FastAPI, session: Session, mail_settings: Settings, inbox: Inbox
) -> None:
    overdue_team(session, 30)
    first = signed_in(app, session, "hr1@example.com", "hr")
    second = signed_in(app, session, "hr2@example.com", "hr")

    def nightly() -> int:
        with write_session(app.state.engine) as writer:
            report = reminders.queue_due(writer, mail_settings, app.state.catalog, actor_id=None)
        return len(report.queued)

    queued = at_once(lambda: click(first), lambda: click(second), nightly)
    assert sum(queued) == 30  # shared out however the race went, never more
    messages = session.exec(select(OutboxMessage)).all()
    assert Counter(m.to for m in messages) == Counter(
        [f"p{i}@example.com" for i in range(30)] + ["boss@example.com"]
    )
    claims = session.exec(select(ReminderSent)).all()
    assert len(claims) == 30 and {c.status for c in claims} == {"queued"}
    assert len({c.outbox_id for c in claims}) == 30
    assert len(session.exec(select(DigestSent)).all()) == 1
    assert inbox.messages == []  # requests queue; they never send
    assert len(deliver(mail_settings).sent) == 31
    assert at_once(lambda: click(first), nightly) == [0, 0]
    deliver(mail_settings)
    assert sorted(r for m in inbox.messages for r in m.rcpt_tos) == sorted(
        [f"p{i}@example.com" for i in range(30)] + ["boss@example.com"]
    )


@pytest.fixture
def hung_app(mail_settings: Settings, hung: HungServer) -> Iterator[FastAPI]:
    """The app while its mail server accepts connections and never answers."""
    application = create_app(mail_settings.model_copy(update={"smtp_port": hung.port}))
    yield application
    application.state.engine.dispose()


def test_button_answers_at_once_while_smtp_hangs_and_the_reminder_goes_later(
    hung_app: FastAPI, session: Session, settings: Settings, inbox: Inbox, hung: HungServer
) -> None:
    overdue_team(session, 3)
    client = signed_in(hung_app, session, "hr@example.com", "hr")
    started = time.perf_counter()
    assert click(client) == 3
    took = time.perf_counter() - started
    assert took < 2.0, f"the button took {took:.1f} s"  # the SMTP timeout is 5 s
    assert hung.accepted == []  # the request never even connected to the mail server
    page = client.get("/hr/reminders").text
    assert "0 sent, 4 waiting for the mail sender" in page
    assert inbox.messages == []

    assert len(deliver(settings).sent) == 4  # the server is back: the sender delivers
    assert sorted(r for m in inbox.messages for r in m.rcpt_tos) == [
        "boss@example.com",
        "p0@example.com",
        "p1@example.com",
        "p2@example.com",
    ]
    assert deliver(settings).sent == []  # and only once
    assert "4 sent, 0 waiting" in client.get("/hr/reminders").text


def test_a_learner_or_facilitator_cannot_queue_reminders(app: FastAPI, session: Session) -> None:
    overdue_team(session, 2)
    for role in ("learner", "facilitator"):
        client = signed_in(app, session, f"{role}-x@example.com", role)
        token = csrf_from(client.get("/").text)
        response = client.post("/hr/reminders/send", data={"csrf_token": token})
        assert response.status_code in (403, 404)
    assert session.exec(select(OutboxMessage)).first() is None
