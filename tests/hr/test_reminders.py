"""Reminder emails queued in the outbox and delivered by its sender to a real SMTP server on loopback.

Who, what, once, failures, two runs at once. The request only queues: `deliver` is one pass
of the background sender (tests/mail.py).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, select
from typer.testing import CliRunner

from app.cli import app as cli
from app.clock import utcnow
from app.config import PROJECT_ROOT, Settings
from app.models import AuditEvent, OutboxMessage, ReminderSent
from tests.conftest import csrf_from
from tests.factories import make_user
from tests.hr.conftest import Inbox
from tests.hr.factories import make_assignment, make_completion
from tests.mail import deliver


def due_in(days: int) -> object:
    return utcnow() + timedelta(days=days)


def send(client: TestClient) -> object:
    page = client.get("/hr/reminders")
    return client.post("/hr/reminders/send", data={"csrf_token": csrf_from(page.text)})


def test_reminders_go_to_people_with_open_assignments_with_module_links(
    hr_client: TestClient, session: Session, settings: Settings, inbox: Inbox
) -> None:
    ana = make_user(session, "ana@example.com", name="Ana Example")
    make_assignment(session, ana, "first-steps", due_at=due_in(6))  # type: ignore[arg-type]
    make_assignment(session, ana, "second-steps", due_at=due_in(6))  # type: ignore[arg-type]
    done = make_user(session, "done@example.com")
    make_assignment(session, done, "first-steps", due_at=due_in(6))  # type: ignore[arg-type]
    make_completion(session, done, "first-steps")
    later = make_user(session, "later@example.com")
    make_assignment(session, later, "first-steps", due_at=due_in(20))  # type: ignore[arg-type]
    response = send(hr_client)
    assert "queued=1" in response.headers["location"]  # type: ignore[attr-defined]
    assert inbox.messages == []  # the request only queued it
    rows = session.exec(select(ReminderSent)).all()
    assert len(rows) == 2 and all(r.status == "queued" and r.outbox_id for r in rows)
    page = hr_client.get(response.headers["location"]).text  # type: ignore[attr-defined]
    assert "Queued 1 reminder email." in page and "0 sent, 1 waiting" in page
    assert deliver(settings).sent == ["ana@example.com"]
    assert [m.rcpt_tos for m in inbox.messages] == [["ana@example.com"]]
    body = inbox.to("ana@example.com")[0]
    assert "https://learn.example.com/modules/first-steps" in body
    assert "https://learn.example.com/modules/second-steps" in body
    assert "due in 6 days" in body and "Hello Ana Example" in body
    page = hr_client.get("/hr/reminders").text
    assert "1 sent, 0 waiting" in page and ">sent</td>" in page
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "reminders.queued")).one()


def test_reminder_of_a_kind_is_queued_once_per_assignment(
    hr_client: TestClient, session: Session, settings: Settings, inbox: Inbox
) -> None:
    ana = make_user(session, "ana@example.com")
    make_assignment(session, ana, due_at=due_in(-3))  # type: ignore[arg-type]
    send(hr_client)
    assert "queued=0" in send(hr_client).headers["location"]  # type: ignore[attr-defined]
    deliver(settings)
    send(hr_client)  # delivered: still never again
    deliver(settings)
    assert len(inbox.to("ana@example.com")) == 1
    assert "overdue since" in inbox.to("ana@example.com")[0]


def test_leavers_and_completed_modules_get_no_reminder(
    hr_client: TestClient, session: Session
) -> None:
    gone = make_user(session, "gone@example.com", active=False)
    make_assignment(session, gone, due_at=due_in(1))  # type: ignore[arg-type]
    done = make_user(session, "done@example.com")
    make_assignment(session, done, due_at=due_in(1))  # type: ignore[arg-type]
    make_completion(session, done)
    send(hr_client)
    assert session.exec(select(OutboxMessage)).first() is None


def test_refused_reminder_is_shown_retried_by_the_sender_and_never_queued_twice(
    hr_client: TestClient, session: Session, settings: Settings, inbox: Inbox
) -> None:
    ana = make_user(session, "ana@example.com", name="Ana Example")
    make_assignment(session, ana, due_at=due_in(1))  # type: ignore[arg-type]
    inbox.refuse = "451 4.3.0 Mail server temporarily rejected message"
    assert "queued=1" in send(hr_client).headers["location"]  # type: ignore[attr-defined]
    assert len(deliver(settings).failed) == 1
    page = hr_client.get("/hr/reminders").text
    assert "ana@example.com, reminder:" in page and "451" in page and "will be retried" in page
    assert "failed, will retry" in page and "1 not accepted yet" in page
    inbox.refuse = None
    assert "queued=0" in send(hr_client).headers["location"]  # type: ignore[attr-defined]
    session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
    assert deliver(settings).sent == ["ana@example.com"]
    assert len(inbox.to("ana@example.com")) == 1
    page = hr_client.get("/hr/reminders").text
    assert "1 sent, 0 waiting for the mail sender, 0 not accepted yet" in page and "451" not in page


def test_unreachable_smtp_server_fails_cleanly_and_cli_exits_1(
    cli_env: Settings, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.config import get_settings

    ana = make_user(session, "ana@example.com")
    make_assignment(session, ana, due_at=due_in(1))  # type: ignore[arg-type]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    monkeypatch.setenv("ALLYSHIP_SMTP_PORT", str(closed_port))
    get_settings.cache_clear()
    result = CliRunner().invoke(cli, ["remind"])
    assert result.exit_code == 1
    assert "Queued 1 reminder(s)" in result.output
    assert "Not sent to ana@example.com: could not connect to the SMTP server" in result.output
    assert session.exec(select(ReminderSent)).one().status == "queued"
    message = session.exec(select(OutboxMessage)).one()
    assert message.sent_at is None and message.attempts == 1  # the sender retries it


def test_cli_remind_dry_run_lists_and_sends_nothing(
    cli_env: Settings, session: Session, inbox: Inbox
) -> None:
    ana = make_user(session, "ana@example.com")
    make_assignment(session, ana, due_at=due_in(7))  # type: ignore[arg-type]
    result = CliRunner().invoke(cli, ["remind", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Would queue due-soon reminder to ana@example.com" in result.output
    assert inbox.messages == [] and session.exec(select(ReminderSent)).first() is None
    assert session.exec(select(OutboxMessage)).first() is None
    real = CliRunner().invoke(cli, ["remind"])
    assert real.exit_code == 0, real.output
    assert "Queued 1 reminder(s)" in real.output and "Sent 1 e-mail(s)" in real.output
    assert len(inbox.to("ana@example.com")) == 1


def test_manager_digest_lists_overdue_reports_once_a_week(
    cli_env: Settings, session: Session, inbox: Inbox
) -> None:
    boss = make_user(session, "boss@example.com", name="Bea Boss")
    ana = make_user(session, "ana@example.com", name="Ana Example")
    ana.manager_id = boss.id
    session.add(ana)
    session.commit()
    make_assignment(session, ana, due_at=due_in(-10))  # type: ignore[arg-type]
    first = CliRunner().invoke(cli, ["remind", "--manager-digest"])
    assert first.exit_code == 0, first.output
    digest = inbox.to("boss@example.com")
    assert len(digest) == 1 and "Ana Example: First steps" in digest[0]
    assert "ana@example.com" not in digest[0]  # /privacy lists no addresses for managers (F18)
    CliRunner().invoke(cli, ["remind", "--manager-digest"])
    assert len(inbox.to("boss@example.com")) == 1


def test_reminders_preview_shows_who_gets_what_and_when(
    hr_client: TestClient, session: Session
) -> None:
    ana = make_user(session, "ana@example.com", name="Ana Example")
    make_assignment(session, ana, due_at=due_in(9))  # type: ignore[arg-type]
    page = hr_client.get("/hr/reminders").text
    assert "Ana Example" in page
    assert "due soon" in page and "due tomorrow" in page and "scheduled" in page


@pytest.mark.slow
def test_two_remind_processes_at_once_queue_and_send_each_reminder_once(
    settings: Settings, session: Session, inbox: Inbox
) -> None:
    people = [make_user(session, f"p{i}@example.com") for i in range(25)]
    for person in people:
        make_assignment(session, person, due_at=due_in(1))  # type: ignore[arg-type]
    inbox.delay = 0.02  # keep both runs busy at the same time
    env = {
        **os.environ,
        "ALLYSHIP_DATABASE_URL": settings.database_url,
        "ALLYSHIP_CONTENT_DIR": str(settings.content_dir),
        "ALLYSHIP_SMTP_PORT": str(settings.smtp_port),
        "ALLYSHIP_BASE_URL": settings.base_url,
        "ALLYSHIP_SECRET_KEY": settings.secret_key,
    }
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "app.cli", "remind"],
            env=env,
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    recipients = sorted(r for m in inbox.messages for r in m.rcpt_tos)
    assert recipients == sorted(p.email for p in people)
    rows = session.exec(select(ReminderSent)).all()
    assert len(rows) == 25 and {r.status for r in rows} == {"queued"}
    messages = session.exec(select(OutboxMessage)).all()
    assert len(messages) == 25 and all(m.sent_at for m in messages)
