"""Reminders follow expiry: expiring (which opens the next cycle), expired, weekly up to the
cap; once per person, cycle and stage; through the outbox to a real SMTP server."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.clock import utcnow
from app.config import Settings
from app.hr import email_texts, reminders
from app.mail import texts
from app.models import Assignment, OutboxMessage, RecertReminder, User
from app.recert.status import add_months
from tests.factories import make_user
from tests.hr.conftest import Inbox
from tests.mail import deliver
from tests.recert.conftest import finished, months_ago, period


def run(
    session: Session, app: FastAPI, settings: Settings, now: object
) -> list[tuple[str, str, int]]:
    report = reminders.queue_due(
        session,
        settings,
        app.state.catalog,
        actor_id=None,
        manager_digest=False,
        now=now,  # type: ignore[arg-type]
    )
    return [q for q in report.queued if q[1].startswith("recert")]


def test_expiring_opens_the_next_cycle_and_reminds_once(
    app: FastAPI, session: Session, settings: Settings, inbox: Inbox
) -> None:
    period(session, "12")
    ana = make_user(session, "ana@example.com", name="Ana Example")
    finished(session, ana, at=months_ago(11))  # expires in about a month
    fresh = make_user(session, "fresh@example.com")
    finished(session, fresh, at=months_ago(1))
    now = utcnow()
    assert run(session, app, settings, now) == [("ana@example.com", "recert-expiring", 1)]
    assert run(session, app, settings, now) == []  # once per person, cycle and stage
    session.expire_all()
    assert session.get(User, ana.id).cycle == 2  # type: ignore[union-attr]
    expires = add_months(months_ago(11).date(), 12)
    due = {
        a.due_at.date()
        for a in session.exec(select(Assignment).where(Assignment.user_id == ana.id))
    }
    assert due == {expires - timedelta(days=1)}
    assert deliver(settings).sent == ["ana@example.com"]
    body = " ".join(inbox.to("ana@example.com")[0].split())
    assert "valid until" in body and "open again" in body
    assert "Subject: Time for your Allies in Practice refresher" in body
    assert "earlier completions and certificates stay in your record" in body
    assert "/modules/first-steps" in body and "/modules/second-steps" in body
    claim = session.exec(select(RecertReminder)).one()
    assert (claim.kind, claim.period, claim.status) == ("recert-expiring", "c2", "queued")


def test_expired_then_weekly_up_to_the_cap_then_silence(
    app: FastAPI, session: Session, settings: Settings
) -> None:
    period(session, "12")
    admin = make_user(session, "admin@example.com", role="admin")
    expired_text = texts.KINDS[texts.RECERT_EXPIRED]
    email_texts.save(
        session,
        expired_text,
        subject="{organisation}: {course} round two",
        body="{modules}\n{link}",
        version=0,
        actor_id=admin.id or 0,
    )
    ana = make_user(session, "ana@example.com")
    done_at = months_ago(12, days=1)  # expired yesterday
    finished(session, ana, at=done_at)
    expires = add_months(done_at.date(), 12)
    start = utcnow()
    assert [q[1] for q in run(session, app, settings, start)] == ["recert-expired"]
    assert run(session, app, settings, start + timedelta(days=3)) == []
    kinds = []
    for week in range(1, settings.reminder_weekly_cap + 3):
        day = start + timedelta(days=7 * week)
        kinds += [q[1] for q in run(session, app, settings, day)]
        kinds += [q[1] for q in run(session, app, settings, day)]  # a second run the same day
    assert kinds == ["recert-weekly"] * settings.reminder_weekly_cap
    sent = {r.outbox_id for r in session.exec(select(RecertReminder))}
    subjects = {m.subject for m in session.exec(select(OutboxMessage)) if m.id in sent}
    assert subjects == {"Allies in Practice round two"}  # the edited text
    periods = sorted(r.period for r in session.exec(select(RecertReminder)))
    # The expired stage opened cycle 2 (Ana had finished cycle 1), due in the default days.
    assert periods == ["c2", *(f"c2/w{w}" for w in range(1, settings.reminder_weekly_cap + 1))]
    assert expires < start.date()
    session.expire_all()
    assert session.get(User, ana.id).cycle == 2  # type: ignore[union-attr]
    due = {a.due_at.date() for a in session.exec(select(Assignment))}
    assert due == {(start + timedelta(days=settings.default_due_days)).date()}


def _recert_rows(hr_client: TestClient) -> list[str]:
    """The rows of the reminders page's recertification table, as text."""
    page = hr_client.get("/hr/reminders").text
    section = page.split('id="recert-reminders"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr><td>(.*?)</tr>", section, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]


def test_hr_sees_each_stage_once_on_the_reminders_page_and_whether_it_was_sent(
    app: FastAPI, session: Session, settings: Settings, inbox: Inbox, hr_client: TestClient
) -> None:
    period(session, "12")
    finished(session, make_user(session, "ana@example.com", name="Ana A"), at=months_ago(11))
    ben = make_user(session, "ben@example.com", name="Ben B")
    finished(session, ben, at=months_ago(12, days=1))  # expired yesterday
    assert _recert_rows(hr_client) == []
    now = utcnow()
    assert len(run(session, app, settings, now)) == 2
    rows = _recert_rows(hr_client)
    assert [r.split(" ", 3)[3] for r in rows] == [
        "Ana A ana@example.com expiring soon cycle 2 queued",
        "Ben B ben@example.com expired, new cycle cycle 2 queued",
    ]
    deliver(settings)
    assert run(session, app, settings, now) == []
    assert [r.rsplit(" ", 1)[1] for r in _recert_rows(hr_client)] == ["sent", "sent"]
    assert len(inbox.messages) == 2


def test_no_reminders_without_a_period_or_after_renewal(
    app: FastAPI, session: Session, settings: Settings
) -> None:
    ana = make_user(session, "ana@example.com")
    finished(session, ana, at=months_ago(30))
    assert run(session, app, settings, utcnow()) == []  # period none: never expires
    period(session, "24")
    finished(session, ana, at=months_ago(0, days=2), cycle=2)  # renewed in a later cycle
    ana.cycle = 2
    session.add(ana)
    session.commit()
    assert run(session, app, settings, utcnow()) == []
    assert session.exec(select(OutboxMessage)).all() == []


def test_dry_run_neither_queues_nor_opens_a_cycle(
    app: FastAPI, session: Session, settings: Settings
) -> None:
    period(session, "12")
    ana = make_user(session, "ana@example.com")
    finished(session, ana, at=months_ago(11))
    report = reminders.queue_due(
        session, settings, app.state.catalog, actor_id=None, dry_run=True, manager_digest=False
    )
    assert ("ana@example.com", "recert-expiring", 1) in report.queued
    session.expire_all()
    assert session.get(User, ana.id).cycle == 1  # type: ignore[union-attr]
    assert session.exec(select(RecertReminder)).all() == []
