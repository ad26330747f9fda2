"""The outbox sender: background delivery over real SMTP (aiosmtpd, or a server that hangs).

Requests never talk to SMTP: a reset request takes the same time for known and unknown
addresses even while the mail server hangs, failures are retried with backoff and never
marked sent, and two senders never send one message twice.
"""

from __future__ import annotations

import socket
import statistics
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event, text, update
from sqlmodel import Session, select
from typer.testing import CliRunner

from app.auth import invites
from app.auth.link_mail import SIGN_IN_LINKS
from app.cli import app as cli
from app.clock import utcnow
from app.config import Settings
from app.db import make_engine, write_session
from app.mail.mailer import Mailer, Message
from app.mail.outbox import queue_message
from app.mail.outbox_sender import drain
from app.main import create_app
from app.models import Invite, OutboxMessage
from tests.conftest import csrf_from, settings_for
from tests.factories import make_user
from tests.hr.conftest import Inbox, cli_env, hr_client, inbox, smtp_server
from tests.mail import deliver
from tests.servers import free_port

__all__ = ["cli_env", "hr_client", "inbox", "smtp_server"]


@pytest.fixture
def settings(db_url: str, content_dir: Path, smtp_server: tuple[Controller, Inbox]) -> Settings:
    controller, _ = smtp_server
    return settings_for(
        db_url,
        content_dir,
        smtp_host="127.0.0.1",
        smtp_port=controller.port,
        base_url="https://learn.example.com",
        outbox_poll_seconds=0.05,
        outbox_max_attempts=3,
    )


@pytest.fixture
def sending(settings: Settings) -> Iterator[FastAPI]:
    """An app of its own whose background sender runs once its lifespan starts."""
    app = create_app(settings.model_copy(update={"outbox_sender": True}))
    yield app
    app.state.engine.dispose()


class HungServer:
    """An SMTP port that accepts connections and never says a word."""

    def __init__(self) -> None:
        self.port = free_port()
        self.listener = socket.create_server(("127.0.0.1", self.port))
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self) -> None:
        self.listener.close()
        for conn in self.accepted:
            conn.close()


@pytest.fixture
def hung() -> Iterator[HungServer]:
    server = HungServer()
    yield server
    server.close()


def wait_for(condition: object, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.02)
    return False


def ask_reset(client: TestClient, token: str, email: str) -> float:
    started = time.perf_counter()
    response = client.post("/password-reset", data={"csrf_token": token, "email": email})
    took = time.perf_counter() - started
    assert response.status_code == 200
    return took


def note(session: Session, to: str, subject: str) -> None:
    queue_message(session, Message(to=to, subject=subject, body="Hello."), kind="notice")
    session.commit()


def test_background_sender_delivers_a_reset_and_keeps_no_token(
    sending: FastAPI, session: Session, inbox: Inbox
) -> None:
    make_user(session)
    with TestClient(sending, follow_redirects=False) as client:
        token = csrf_from(client.get("/password-reset").text)
        ask_reset(client, token, "ana@example.com")
        assert wait_for(lambda: inbox.to("ana@example.com"))
        session.close()  # hand back its connection before the app's shutdown disposes the pool
    mail = inbox.to("ana@example.com")[0].replace("=\r\n", "")
    link = mail.split("https://learn.example.com/invite/")[1].split()[0]
    dump = " ".join(
        str(v)
        for model in (OutboxMessage, Invite)
        for row in session.exec(select(model))
        for v in row.model_dump().values()
    )
    assert link not in dump
    sent = session.exec(select(OutboxMessage)).one()
    assert sent.sent_at is not None and "link removed" in sent.body
    page = TestClient(sending).get(f"/invite/{link}")
    assert page.status_code == 200 and "Set your password" in page.text


def test_reset_request_time_does_not_tell_who_has_an_account_while_smtp_hangs(
    session: Session, settings: Settings, hung: HungServer
) -> None:
    make_user(session)
    app = create_app(settings.model_copy(update={"smtp_port": hung.port, "outbox_sender": True}))
    with TestClient(app, follow_redirects=False) as client:
        token = csrf_from(client.get("/password-reset").text)
        ask_reset(client, token, "ana@example.com")
        assert wait_for(lambda: hung.accepted), "the sender should be stuck on the hung server"
        known, unknown, pages = [], [], []
        for i in range(120):  # interleaved, so load on a shared machine hits both alike
            pair = ["ana@example.com", f"nobody{i}@example.com"]
            for email in pair if i % 2 else reversed(pair):
                took = ask_reset(client, token, email)
                (known if email == "ana@example.com" else unknown).append(took)
            started = time.perf_counter()
            assert client.get("/login").status_code == 200
            pages.append(time.perf_counter() - started)
        stuck = session.exec(select(OutboxMessage).where(OutboxMessage.claimed_by != "")).all()
        hung.close()  # let the stuck sender fail fast so the app stops at once
    app.state.engine.dispose()
    assert stuck and all(m.sent_at is None for m in stuck)
    gap = abs(statistics.median(known) - statistics.median(unknown))
    print(
        f"median known {statistics.median(known) * 1000:.2f} ms, unknown "
        f"{statistics.median(unknown) * 1000:.2f} ms, gap {gap * 1000:.2f} ms; "
        f"slowest request {max(known + unknown) * 1000:.0f} ms, slowest page {max(pages) * 1000:.0f} ms"
    )
    assert gap < 0.002
    # None waited on the hung server: that would take the SMTP timeout. Half of it, not a
    # tighter bound: on a loaded two-core CI machine one request in 360 took 1.6 s.
    assert max(known + unknown + pages) < settings.smtp_timeout_seconds / 2


def test_reset_request_does_the_same_database_work_for_known_and_unknown(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    make_user(session)
    make_user(session, "gone@example.com", active=False)
    token = csrf_from(client.get("/password-reset").text)
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(app.state.engine, "before_cursor_execute", record)
    work = {}
    for email in ("ana@example.com", "nobody@example.com", "gone@example.com"):
        statements.clear()
        ask_reset(client, token, email)
        work[email] = list(statements)
    event.remove(app.state.engine, "before_cursor_execute", record)
    assert work["ana@example.com"] == work["nobody@example.com"] == work["gone@example.com"]
    assert any("INSERT INTO outboxmessage" in s for s in work["ana@example.com"])


def test_failed_delivery_is_retried_with_backoff_then_given_up_and_shown(
    hr_client: TestClient, session: Session, settings: Settings, inbox: Inbox
) -> None:
    note(session, "ana@example.com", "First notice")
    inbox.refuse = "451 Try again later"
    waits = []
    for attempt in (1, 2, 3):
        before = utcnow()
        assert len(deliver(settings).failed) == 1
        row = session.exec(select(OutboxMessage)).one()
        session.refresh(row)
        assert row.attempts == attempt and row.sent_at is None and "451" in row.last_error
        waits.append(row.next_attempt_at - before)
        assert deliver(settings).failed == []  # not due yet: nothing tried, nothing sent
        session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
    assert [round(w / timedelta(seconds=settings.outbox_retry_seconds)) for w in waits] == [1, 2, 4]
    inbox.refuse = None
    assert deliver(settings).sent == []  # given up after outbox_max_attempts
    assert inbox.messages == []
    page = hr_client.get("/hr/reminders").text
    assert "ana@example.com, notice: the SMTP server" in page and "given up" in page


def test_refused_invitation_token_never_works_and_retry_sends_a_working_one(
    app: FastAPI, session: Session, settings: Settings, inbox: Inbox
) -> None:
    person = make_user(session, "new@example.com")
    invites.queue(session, user_ids=[person.id or 0], actor_id=None)
    session.commit()
    inbox.refuse = "554 No thanks"
    assert len(deliver(settings).failed) == 1
    invite = session.exec(select(Invite)).one()
    assert invite.token_hash is None and invite.sent_at is None
    session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
    inbox.refuse = None
    assert deliver(settings).sent == ["new@example.com"]
    link = inbox.to("new@example.com")[0].replace("=\r\n", "").split("/invite/")[1].split()[0]
    assert TestClient(app).get(f"/invite/{link}").status_code == 200


def test_hung_smtp_server_is_a_failure_not_a_send(
    session: Session, settings: Settings, hung: HungServer
) -> None:
    note(session, "ana@example.com", "Notice")
    quick = settings.model_copy(update={"smtp_port": hung.port, "smtp_timeout_seconds": 0.5})
    report = deliver(quick)
    assert report.sent == [] and "timed out" in report.failed[0][1]
    row = session.exec(select(OutboxMessage)).one()
    assert row.sent_at is None and row.attempts == 1


def test_two_senders_never_send_the_same_message_twice(
    session: Session, settings: Settings, inbox: Inbox
) -> None:
    people = [make_user(session, f"p{i}@example.com") for i in range(10)]
    invites.queue(session, user_ids=[p.id or 0 for p in people], actor_id=None)
    session.commit()
    for i in range(30):
        note(session, f"n{i % 3}@example.com", f"Notice {i}")
    inbox.delay = 0.005
    reports = []
    together = threading.Barrier(2)

    def sender() -> None:
        engine = make_engine(settings.database_url)
        try:
            with write_session(engine) as own, Mailer(settings) as mailer:
                together.wait(10)
                reports.append(drain(own, settings, mailer, links=SIGN_IN_LINKS))
        finally:
            engine.dispose()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    subjects = Counter(
        m.content.decode().split("Subject: ")[1].splitlines()[0] for m in inbox.messages
    )
    recipients = Counter(r for m in inbox.messages for r in m.rcpt_tos)
    assert len(inbox.messages) == 40 and max(subjects.values()) <= 10
    assert all(recipients[p.email] == 1 for p in people)
    assert all(subjects[f"Notice {i}"] == 1 for i in range(30))
    assert sum(len(r.sent) for r in reports) == 40 and all(len(r.sent) for r in reports)
    session.expire_all()
    assert all(m.sent_at for m in session.exec(select(OutboxMessage)))


def test_sender_survives_errors_and_stops_cleanly(
    sending: FastAPI, session: Session, inbox: Inbox
) -> None:
    with TestClient(sending) as client:
        sender = sending.state.outbox_sender
        assert client.get("/healthz").status_code == 200 and sender.alive
        queue_message(
            session,
            Message(to="a@example.com\nBcc: b@example.com", subject="x", body="x"),
            kind="notice",
        )
        note(session, "ana@example.com", "Still delivered")
        assert wait_for(lambda: inbox.to("ana@example.com"))
        session.execute(text("ALTER TABLE outboxmessage RENAME TO outbox_hidden"))
        time.sleep(0.3)  # several passes fail on the missing table
        session.execute(text("ALTER TABLE outbox_hidden RENAME TO outboxmessage"))
        note(session, "ana@example.com", "After the outage")
        assert wait_for(lambda: len(inbox.to("ana@example.com")) == 2) and sender.alive
        bad = session.exec(select(OutboxMessage).where(OutboxMessage.subject == "x")).one()
        assert bad.sent_at is None and "ValueError" in bad.last_error
        session.close()  # hand back its connection before the app's shutdown disposes the pool
        started = time.monotonic()
    assert not sender.alive and time.monotonic() - started < 2
    assert inbox.to("b@example.com") == []


def test_shutdown_while_smtp_hangs_waits_at_most_the_smtp_timeout(
    session: Session, settings: Settings, hung: HungServer
) -> None:
    note(session, "ana@example.com", "Stuck")
    app = create_app(
        settings.model_copy(
            update={"smtp_port": hung.port, "smtp_timeout_seconds": 1.0, "outbox_sender": True}
        )
    )
    with TestClient(app):
        sender = app.state.outbox_sender
        assert wait_for(lambda: hung.accepted)
        started = time.monotonic()
    took = time.monotonic() - started
    app.state.engine.dispose()
    assert not sender.alive and took < 2.5
    row = session.exec(select(OutboxMessage)).one()
    session.refresh(row)
    assert row.sent_at is None and row.attempts == 1 and "timed out" in row.last_error


def test_send_mail_command_drains_the_outbox(
    cli_env: Settings, session: Session, inbox: Inbox
) -> None:
    make_user(session)
    note(session, "ana@example.com", "From cron")
    result = CliRunner().invoke(cli, ["send-mail"])
    assert result.exit_code == 0, result.output
    assert "Sent 1 e-mail(s); 0 failed." in result.output
    assert len(inbox.to("ana@example.com")) == 1
    assert CliRunner().invoke(cli, ["send-mail"]).output.startswith("Sent 0")


def test_invitations_queued_before_the_upgrade_are_delivered_after_it(
    tmp_path: Path, settings: Settings, inbox: Inbox
) -> None:
    from app.db.migrate import upgrade
    from tests.conftest import database_at

    with database_at("0004", tmp_path) as url:
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(
                text(
                    'INSERT INTO "user" (id, email, name, role, active, created_at) VALUES '
                    "(1, 'old@example.com', 'Old Timer', 'learner', true, "
                    "'2026-01-01 00:00:00+00:00')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO invite (user_id, created_at, attempts, last_error) "
                    "VALUES (1, '2026-01-01 00:00:00+00:00', 0, '')"
                )
            )
        engine.dispose()
        upgrade(url)
        report = deliver(settings.model_copy(update={"database_url": url}))
    assert report.sent == ["old@example.com"]
    assert "/invite/" in inbox.to("old@example.com")[0]
