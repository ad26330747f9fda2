"""Point 4: the sender queues each due nudge once, through the outbox, within every rule."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from fastapi import FastAPI
from sqlmodel import Session, select
from typer.testing import CliRunner

from app.cli import app as cli
from app.config import Settings
from app.db import write_session
from app.lasting import stopping
from app.lasting.nudges import NUDGE, queue_nudges
from app.lasting.seam import NoRefreshers, RefresherSource, refresher_source
from app.mail.texts import NUDGE_CHECKIN
from app.models import (
    Commitment,
    Completion,
    MailText,
    NudgeSent,
    OutboxMessage,
    ReminderSchedule,
    User,
)
from tests.concurrency import at_once
from tests.factories import make_user
from tests.hr.conftest import Inbox

TODAY = date(2026, 6, 10)


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=UTC)


def plan(
    session: Session, user: User, *, check_on: date, module: str = "first-steps"
) -> Commitment:
    row = Commitment(
        user_id=user.id,  # type: ignore[arg-type]
        module_id=module,
        situation="a colleague is interrupted",
        action="PRIVATE-ACTION-TEXT",
        check_on=check_on,
    )
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def run(
    app: FastAPI,
    settings: Settings,
    day: date,
    refreshers: RefresherSource | None = None,
) -> list[tuple[str, str, str]]:
    """One sender run with the clock frozen at noon on `day` (no refresher pool by default)."""
    with write_session(app.state.engine) as session:
        report = queue_nudges(
            session,
            settings,
            app.state.catalog,
            refreshers=refreshers or NoRefreshers(),
            now=noon(day),
        )
    return report.queued


def test_a_check_in_nudge_goes_on_its_day_once_with_both_links_and_never_the_plan(
    app: FastAPI, session: Session, settings: Settings
) -> None:
    ana = make_user(session, "ana@example.com")
    plan(session, ana, check_on=TODAY)
    assert run(app, settings, TODAY - timedelta(days=1)) == []  # not before its day
    assert run(app, settings, TODAY) == [("ana@example.com", "checkin", "first-steps")]
    assert run(app, settings, TODAY) == []  # never twice
    assert run(app, settings, TODAY + timedelta(days=1)) == []
    message = session.exec(select(OutboxMessage)).one()
    assert message.kind == NUDGE and message.to == "ana@example.com"
    assert "/modules/first-steps/commitment" in message.body
    assert "/nudges/stop?u=" in message.body
    assert "PRIVATE-ACTION-TEXT" not in message.body + message.subject
    sent = session.exec(select(NudgeSent)).one()
    assert sent.outbox_id == message.id and sent.sent_on == TODAY


def test_nothing_goes_to_a_person_who_stopped_nudges_or_left(
    app: FastAPI, session: Session, settings: Settings
) -> None:
    stopped = make_user(session, "stopped@example.com")
    left = make_user(session, "left@example.com", active=False)
    plan(session, stopped, check_on=TODAY)
    plan(session, left, check_on=TODAY)
    stopping.set_stopped(session, user_id=stopped.id, stopped=True)  # type: ignore[arg-type]
    assert run(app, settings, TODAY) == []
    assert session.exec(select(OutboxMessage)).all() == []


def test_one_nudge_a_day_the_second_plan_waits_for_tomorrow(
    app: FastAPI, session: Session, settings: Settings
) -> None:
    ana = make_user(session, "ana@example.com")
    plan(session, ana, check_on=TODAY)
    plan(session, ana, check_on=TODAY, module="second-steps")
    assert len(run(app, settings, TODAY)) == 1
    assert len(run(app, settings, TODAY)) == 0
    assert len(run(app, settings, TODAY + timedelta(days=1))) == 1
    assert {s.sent_on for s in session.exec(select(NudgeSent))} == {
        TODAY,
        TODAY + timedelta(days=1),
    }


def test_the_organisations_reminder_cap_is_honoured(
    app: FastAPI, session: Session, settings: Settings
) -> None:
    ana = make_user(session, "ana@example.com")
    plan(session, ana, check_on=TODAY)
    session.add(ReminderSchedule(id=1, weekly_cap=0))
    session.commit()
    assert run(app, settings, TODAY) == []
    row = session.get(ReminderSchedule, 1)
    assert row is not None
    row.weekly_cap = 1
    session.add(row)
    session.commit()
    plan(session, ana, check_on=TODAY + timedelta(days=1), module="second-steps")
    assert len(run(app, settings, TODAY)) == 1
    assert run(app, settings, TODAY + timedelta(days=1)) == []  # a week holds one


def test_two_senders_at_once_queue_each_nudge_once(
    app: FastAPI, session: Session, settings: Settings
) -> None:
    for i in range(12):
        plan(session, make_user(session, f"p{i}@example.com"), check_on=TODAY)
    results = at_once(*(lambda: run(app, settings, TODAY) for _ in range(3)))
    assert sum(len(r) for r in results) == 12
    messages = session.exec(select(OutboxMessage)).all()
    assert sorted(m.to for m in messages) == sorted(f"p{i}@example.com" for i in range(12))


def passed_today(session: Session) -> User:
    """Ana, who passed first-steps at noon on TODAY."""
    ana = make_user(session, "ana@example.com")
    session.add(Completion(user_id=ana.id, module_id="first-steps", completed_at=noon(TODAY)))  # type: ignore[arg-type]
    session.commit()
    return ana


def test_no_refresher_nudge_goes_when_the_pool_has_no_link_to_offer(
    app: FastAPI, session: Session, settings: Settings
) -> None:
    passed_today(session)
    assert run(app, settings, TODAY + timedelta(days=2)) == []  # NoRefreshers: no link


def test_the_real_refresher_pool_nudges_on_days_2_7_and_28_with_both_links(
    app: FastAPI, session: Session, settings: Settings
) -> None:
    """The pool as `allyship send-nudges` wires it, one run a day for six weeks after a pass."""
    ana = passed_today(session)
    pool = refresher_source(app.state.catalog)
    days = [n for n in range(43) if run(app, settings, TODAY + timedelta(days=n), pool)]
    assert days == [2, 7, 28]
    bodies = [m.body for m in session.exec(select(OutboxMessage).order_by(OutboxMessage.id))]
    assert len(bodies) == 3
    for number, body in enumerate(bodies, start=1):
        assert f"{settings.public_url}/refreshers/go/{ana.id}.first-steps.{number}." in body
        assert f"{settings.public_url}/nudges/stop?u={ana.id}&v=0&s=" in body


def test_an_edited_nudge_text_is_the_one_sent(
    app: FastAPI, session: Session, settings: Settings
) -> None:
    ana = make_user(session, "ana@example.com")
    plan(session, ana, check_on=TODAY)
    session.add(
        MailText(
            kind=NUDGE_CHECKIN,
            subject="{organisation}: our own words about {module}",
            body="Hi {name}, {link} or stop: {stop_link}",
            custom=True,
            version=1,
        )
    )
    session.commit()
    run(app, settings, TODAY)
    message = session.exec(select(OutboxMessage)).one()
    # The organisation has no name yet, so "{organisation}: " is dropped from the subject.
    assert message.subject == "Our own words about First steps"
    assert message.body.startswith("Hi Ana")


def test_send_nudges_command_queues_and_delivers_over_smtp(
    cli_env: Settings, session: Session, inbox: Inbox
) -> None:
    ana = make_user(session, "ana@example.com")
    plan(session, ana, check_on=datetime.now(UTC).date())
    result = CliRunner().invoke(cli, ["send-nudges"])
    assert result.exit_code == 0, result.output
    assert "Queued 1 nudge(s)" in result.output and "Sent 1 e-mail(s)" in result.output
    assert len(inbox.to("ana@example.com")) == 1
    again = CliRunner().invoke(cli, ["send-nudges"])
    assert "Queued 0 nudge(s)" in again.output and len(inbox.to("ana@example.com")) == 1
