"""The HR overview's getting-started list: a fresh install's steps, each ticked from real data."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.clock import utcnow
from app.config import Settings, named
from app.hr.getting_started import first_run
from app.mail.mailer import Message
from app.mail.outbox import INVITATION, queue_message
from app.models import OutboxMessage
from app.privacy import MIN_GROUP
from tests.conftest import csrf_from
from tests.factories import make_department, make_user
from tests.hr.conftest import Inbox
from tests.hr.factories import make_assignment, make_attempt, make_people
from tests.mail import deliver

STEPS = ("settings", "people", "assign", "email", "remind")


def step(page: str, name: str) -> str:
    """One step's list item, as a screen reader would read it in order."""
    found = re.search(
        rf'<li id="step-{name}"[^>]*>(.*?)</li>\s*(?=<li id="step-|</ol>)', page, re.S
    )
    assert found, name
    return found.group(1)


def state(page: str, name: str) -> str:
    """The step's state in words (not the decorative mark)."""
    found = re.search(r'class="badge [^"]*step-state">([^<]+)<', step(page, name))
    assert found, name
    return found.group(1)


def test_fresh_install_shows_the_list_instead_of_empty_charts(hr_client: TestClient) -> None:
    page = hr_client.get("/hr").text
    assert 'id="getting-started"' in page and "0 of 5 steps done." in page
    assert [state(page, name) for name in STEPS] == ["To do"] * 5
    for chart in ('class="stat-grid"', 'id="by-department"', 'id="overdue"', 'id="over-time"'):
        assert chart not in page
    assert "/hr/scenarios" not in page.split('aria-label="HR"')[1].split("</nav>")[1]


def test_list_is_an_ordered_list_with_each_state_in_text_and_the_mark_hidden(
    hr_client: TestClient,
) -> None:
    page = hr_client.get("/hr").text
    section = page.split('id="getting-started"')[1].split("</section>")[0]
    assert '<ol class="checklist"' in section
    assert section.count('<li id="step-') == 5
    marks = re.findall(r'<span class="step-mark"([^>]*)>', section)
    assert len(marks) == 5 and all('aria-hidden="true"' in m for m in marks)
    assert all("<h3 " in step(page, name) for name in STEPS)


def test_hr_is_told_an_admin_sets_the_settings_and_gets_no_link(hr_client: TestClient) -> None:
    settings_step = step(hr_client.get("/hr").text, "settings")
    assert "An administrator sets" in settings_step
    assert "/admin/settings" not in settings_step


def test_admin_gets_a_link_to_the_settings_page(admin_client: TestClient) -> None:
    settings_step = step(admin_client.get("/hr").text, "settings")
    assert '<a href="/admin/settings">' in settings_step


def test_settings_step_is_done_once_the_organisation_is_named(
    app: FastAPI, hr_client: TestClient
) -> None:
    app.state.settings = app.state.settings.model_copy(update={"organisation_name": "Acme Ltd"})
    page = hr_client.get("/hr").text
    assert state(page, "settings") == "Done"
    assert "Acme Ltd" in step(page, "settings")


def test_default_organisation_name_counts_as_not_set(settings: Settings) -> None:
    assert named(settings.organisation_name) == ""
    assert named("Your organisation") == ""  # what earlier versions saved as if typed
    assert named("  Acme Ltd ") == "Acme Ltd"


def test_people_imported_but_nothing_assigned_is_still_a_fresh_install(
    hr_client: TestClient, session: Session
) -> None:
    make_people(session, 3, make_department(session, "Sales"))
    make_user(session, "gone@example.com", active=False)
    make_user(session, "fac@example.com", role="facilitator")
    page = hr_client.get("/hr").text
    assert state(page, "people") == "Done" and state(page, "assign") == "To do"
    assert "3 learners have accounts" in step(page, "people")  # not leavers or staff
    assert 'class="stat-grid"' not in page


def test_staff_accounts_alone_do_not_tick_import_people(
    hr_client: TestClient, session: Session
) -> None:
    make_user(session, "admin@example.com", role="admin")
    make_user(session, "fac@example.com", role="facilitator")
    assert state(hr_client.get("/hr").text, "people") == "To do"


def test_assignments_bring_the_charts_back_with_the_list_folded(
    hr_client: TestClient, session: Session
) -> None:
    ana = make_user(session, "ana@example.com")
    make_assignment(session, ana)
    page = hr_client.get("/hr").text
    assert 'class="stat-grid"' in page and 'id="by-department"' in page
    assert "<summary>Getting started: 2 of 5 steps done</summary>" in page
    assert state(page, "assign") == "Done"


def test_email_step_shows_the_server_and_ticks_after_a_real_delivery(
    hr_client: TestClient, session: Session, settings: Settings, inbox: Inbox
) -> None:
    page = hr_client.get("/hr").text
    email = step(page, "email")
    assert f"set up (127.0.0.1:{settings.smtp_port})" in email
    assert "Delivered: nothing yet" in email and "Setting up e-mail" in email
    queue_message(session, Message(to="ana@example.com", subject="Hi", body="Hello"), kind="test")
    session.commit()
    assert "Waiting to be sent: 1." in step(hr_client.get("/hr").text, "email")
    deliver(settings)
    assert len(inbox.messages) == 1
    page = hr_client.get("/hr").text
    assert state(page, "email") == "Done"
    assert "Delivered: 1 message, the last on" in step(page, "email")
    assert "Waiting to be sent" not in step(page, "email")


def test_email_step_counts_messages_given_up_and_stays_undone(
    hr_client: TestClient, session: Session, settings: Settings
) -> None:
    row = queue_message(session, Message(to="x@example.com", subject="s", body="b"), kind="test")
    row.attempts = settings.outbox_max_attempts
    session.commit()
    email = step(hr_client.get("/hr").text, "email")
    assert "Given up after repeated failures: 1" in email
    assert "Waiting to be sent" not in email
    assert state(hr_client.get("/hr").text, "email") == "To do"


def test_smtp_counts_as_not_set_up_when_nothing_was_configured(
    session: Session, db_url: str
) -> None:
    bare = Settings(database_url=db_url, _env_file=None)  # type: ignore[call-arg]
    assert not first_run(session, bare, bare.organisation_name).mail.configured
    relay = bare.model_copy(update={"smtp_host": "mail.example.org"})
    assert first_run(session, relay, relay.organisation_name).mail.configured


def test_smtp_user_and_password_are_never_shown(app: FastAPI, hr_client: TestClient) -> None:
    app.state.settings = app.state.settings.model_copy(
        update={"smtp_user": "mailer-account", "smtp_password": "s3cret-Pa55"}
    )
    page = hr_client.get("/hr").text
    assert "mailer-account" not in page and "s3cret-Pa55" not in page


def test_reminder_step_ticks_after_hr_sends_the_first_reminders(
    hr_client: TestClient, session: Session, settings: Settings, inbox: Inbox
) -> None:
    ana = make_user(session, "ana@example.com")
    make_assignment(session, ana, due_at=utcnow() + timedelta(days=6))  # a reminder is due
    assert state(hr_client.get("/hr").text, "remind") == "To do"
    page = hr_client.get("/hr/reminders")
    sent = hr_client.post("/hr/reminders/send", data={"csrf_token": csrf_from(page.text)})
    assert sent.status_code == 303
    assert state(hr_client.get("/hr").text, "remind") == "Done"


def test_other_mail_does_not_tick_the_reminder_step(
    hr_client: TestClient, session: Session
) -> None:
    queue_message(session, Message(to="a@example.com", subject="", body=""), kind=INVITATION)
    session.commit()
    assert state(hr_client.get("/hr").text, "remind") == "To do"


def test_every_step_done_removes_the_list(
    app: FastAPI, hr_client: TestClient, session: Session, settings: Settings, inbox: Inbox
) -> None:
    app.state.settings = app.state.settings.model_copy(update={"organisation_name": "Acme Ltd"})
    ana = make_user(session, "ana@example.com")
    make_assignment(session, ana, due_at=utcnow() + timedelta(days=6))
    page = hr_client.get("/hr/reminders")
    hr_client.post("/hr/reminders/send", data={"csrf_token": csrf_from(page.text)})
    deliver(settings)
    page = hr_client.get("/hr").text
    assert 'id="getting-started"' not in page and 'class="stat-grid"' in page


def test_learner_and_facilitator_never_see_the_list(client: TestClient, session: Session) -> None:
    from tests.conftest import login

    for role in ("learner", "facilitator"):
        make_user(session, f"{role}@example.com", role=role)
        fresh = TestClient(client.app, follow_redirects=False)
        login(fresh, f"{role}@example.com")
        response = fresh.get("/hr")
        assert response.status_code == 403 and "getting-started" not in response.text


def test_hardest_scenarios_stay_hidden_until_a_figure_is_released(
    hr_client: TestClient, session: Session
) -> None:
    sales = make_department(session, "Sales")
    people = make_people(session, MIN_GROUP, sales)
    for person in people:
        make_assignment(session, person)
    for person in people[: MIN_GROUP - 1]:
        make_attempt(session, person)
    more = hr_client.get("/hr").text.split("<h2>More</h2>")[1]
    assert "/hr/scenarios" not in more
    empty = hr_client.get("/hr/scenarios").text
    # Outside test F27: only the one-line explanation, no table of "Hidden" rows.
    assert 'id="scenarios-none"' in empty and "Hidden (fewer than" not in empty
    assert "<table" not in empty.split('id="scenarios"')[1]
    make_attempt(session, people[-1])
    more = hr_client.get("/hr").text.split("<h2>More</h2>")[1]
    assert '<a href="/hr/scenarios">' in more
    shown = hr_client.get("/hr/scenarios").text
    assert 'id="scenarios-none"' not in shown and "<table" in shown.split('id="scenarios"')[1]


def test_first_run_is_one_query(session: Session, settings: Settings, app: FastAPI) -> None:
    from tests.hr.test_dashboard import count_queries

    with count_queries(app) as statements:
        first_run(session, settings, settings.organisation_name)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1


def test_outbox_rows_alone_count_for_the_email_step(session: Session, settings: Settings) -> None:
    assert first_run(session, settings, settings.organisation_name).mail.delivered == 0
    session.add(OutboxMessage(kind="test", to="a@example.com", subject="", body=""))
    session.commit()
    assert first_run(session, settings, settings.organisation_name).mail.delivered == 0
    assert first_run(session, settings, settings.organisation_name).mail.waiting == 1
