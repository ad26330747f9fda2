"""The reminder schedule as a setting: checked, audited, two editors at once, and followed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session, select

from app.clock import utcnow
from app.config import Settings
from app.hr import reminder_schedule, schedule
from app.models import AuditEvent, ReminderSchedule, ReminderSent
from tests.concurrency import at_once
from tests.conftest import csrf_from, login
from tests.factories import make_user
from tests.hr.conftest import Inbox, signed_in_as
from tests.hr.factories import make_assignment
from tests.mail import deliver


def save(client: TestClient, before: str, after: str, weekly: str, page: str = "") -> Response:
    page = page or client.get("/hr/reminders/schedule").text
    version = page.split('name="version" value="')[1].split('"')[0]
    data = {"before": before, "after": after, "weekly_cap": weekly, "version": version}
    return client.post("/hr/reminders/schedule", data={"csrf_token": csrf_from(page), **data})


def send(client: TestClient) -> Response:
    page = client.get("/hr/reminders").text
    return client.post("/hr/reminders/send", data={"csrf_token": csrf_from(page)})


@pytest.mark.parametrize(
    ("before", "after", "weekly", "field", "named"),
    [
        ("7, 7", "1", "4", "before", "7 is there twice"),
        ("-1", "1", "4", "before", "“-1” is not a whole number from 0 to 60"),
        ("61", "1", "4", "before", "“61”"),
        ("٣", "1", "4", "before", "“٣”"),
        ("1,2,3,4,5,6,7", "1", "4", "before", "at most 6"),
        ("7", "0", "4", "after", "from 1 to 60"),
        ("7", "two", "4", "after", "“two”"),
        ("7", "1", "13", "weekly_cap", "from 0 to 12"),
        ("7", "1", "", "weekly_cap", "is not a whole number"),
        ("7", "1", "1.5", "weekly_cap", "“1.5”"),
    ],
)
def test_schedule_parse_names_the_field_and_the_bad_value(
    before: str, after: str, weekly: str, field: str, named: str
) -> None:
    with pytest.raises(reminder_schedule.ScheduleProblems) as refused:
        reminder_schedule.parse(before=before, after=after, weekly_cap=weekly)
    assert list(refused.value.problems) == [field] and named in refused.value.problems[field]


def test_schedule_parse_sorts_and_accepts_spaces_and_empty_lists() -> None:
    plan = reminder_schedule.parse(before="1 14; 3", after="", weekly_cap=" 0 ")
    assert plan == schedule.Plan((14, 3, 1), (), 0)


@given(
    before=st.sets(st.integers(0, 60), max_size=6),
    after=st.sets(st.integers(1, 60), max_size=6),
    cap=st.integers(0, 12),
    due=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 1, 1)),
)
def test_any_valid_plan_sends_each_of_its_reminders_once_and_only_those(
    before: set[int], after: set[int], cap: int, due: date
) -> None:
    plan = schedule.Plan(tuple(sorted(before, reverse=True)), tuple(sorted(after)), cap)
    seen: dict[tuple[str, str], date] = {}
    for offset in range(-70, 60 + 7 * cap + 14):
        reminder = schedule.current(due, due + timedelta(days=offset), plan=plan)
        if reminder is not None:
            seen.setdefault((reminder.kind, reminder.period), reminder.day)
            low, high = schedule.window(due + timedelta(days=offset), plan=plan)
            assert low <= due <= high
    assert len(seen) == len(before) + len(after) + cap
    firsts = sorted((d - due).days for d in seen.values())
    base = max(after, default=0)
    assert firsts == sorted(
        [-b for b in before] + list(after) + [base + 7 * w for w in range(1, cap + 1)]
    )


def test_hr_saves_the_schedule_and_it_is_audited(hr_client: TestClient, session: Session) -> None:
    response = save(hr_client, "10, 3", "2", "1")
    assert response.status_code == 303
    row = session.exec(select(ReminderSchedule)).one()
    assert (row.before_days, row.after_days, row.weekly_cap, row.version) == ("10,3", "2", 1, 1)
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "reminders.schedule")).one()
    assert '"before": [10, 3]' in event.detail and '"before": [7, 1]' in event.detail
    page = hr_client.get("/hr/reminders").text
    assert "10 and 3 days before" in page and "at most 1 time)" in page


def test_bad_schedule_is_refused_on_the_page_and_nothing_changes(
    hr_client: TestClient, session: Session
) -> None:
    response = save(hr_client, "7, 7", "x" * 100, "99")
    assert response.status_code == 422
    assert "7 is there twice" in response.text and "from 0 to 12" in response.text
    assert 'value="7, 7"' in response.text
    too_long = save(hr_client, "1" * 500, "1", "4")
    assert too_long.status_code == 422 and "at most 100 characters" in too_long.text
    assert session.exec(select(ReminderSchedule)).all() == []


def test_learner_cannot_change_the_schedule(app: FastAPI, session: Session) -> None:
    learner = signed_in_as(app, session, "learner", "Lee Learner")
    assert learner.get("/hr/reminders/schedule").status_code == 403
    page = learner.get("/").text
    data = {"csrf_token": csrf_from(page), "before": "1", "after": "1", "weekly_cap": "0"}
    assert learner.post("/hr/reminders/schedule", data={**data, "version": "0"}).status_code == 403
    assert session.exec(select(ReminderSchedule)).all() == []


def test_two_people_saving_the_schedule_at_once_one_is_told(
    app: FastAPI, hr_client: TestClient, admin_client: TestClient, session: Session
) -> None:
    first = hr_client.get("/hr/reminders/schedule").text
    second = admin_client.get("/hr/reminders/schedule").text
    codes = at_once(
        lambda: save(hr_client, "5", "1", "2", first).status_code,
        lambda: save(admin_client, "9", "1", "3", second).status_code,
    )
    assert sorted(codes) == [303, 409]
    row = session.exec(select(ReminderSchedule)).one()
    assert row.version == 1 and (row.before_days, row.weekly_cap) in (("5", 2), ("9", 3))
    assert (
        len(session.exec(select(AuditEvent).where(AuditEvent.action == "reminders.schedule")).all())
        == 1
    )


def test_reminders_follow_a_changed_schedule(
    hr_client: TestClient, session: Session, settings: Settings, inbox: Inbox
) -> None:
    ana = make_user(session, "ana@example.com", name="Ana Example")
    make_assignment(session, ana, "first-steps", due_at=utcnow() + timedelta(days=10))
    ben = make_user(session, "ben@example.com", name="Ben Example")
    make_assignment(session, ben, "first-steps", due_at=utcnow() - timedelta(days=3))
    assert send(hr_client).headers["location"].startswith("/hr/reminders?queued=1")  # ben only
    deliver(settings)
    assert [m.rcpt_tos for m in inbox.messages] == [["ben@example.com"]]
    inbox.messages.clear()
    # Ana is 10 days ahead, Ben 3 days late: neither is a day of the shipped schedule; the
    # overdue notice Ben had on day 1 is not repeated, the new day-3 one is sent.
    assert save(hr_client, "10", "1, 3", "0").status_code == 303
    assert "Who gets what" in hr_client.get("/hr/reminders").text
    assert send(hr_client).headers["location"].startswith("/hr/reminders?queued=2")
    deliver(settings)
    assert sorted(m.rcpt_tos[0] for m in inbox.messages) == ["ana@example.com", "ben@example.com"]
    kinds = {r.kind for r in session.exec(select(ReminderSent)).all()}
    assert kinds == {schedule.DUE_SOON, schedule.OVERDUE}
    inbox.messages.clear()
    assert save(hr_client, "", "", "0").status_code == 303  # reminders off
    assert send(hr_client).headers["location"].startswith("/hr/reminders?queued=0")


def test_admin_and_hr_share_the_schedule_page(
    admin_client: TestClient, app: FastAPI, session: Session
) -> None:
    assert save(admin_client, "2", "1", "0").status_code == 303
    hr = TestClient(app, follow_redirects=False)
    make_user(session, "hr2@example.com", role="hr")
    login(hr, "hr2@example.com")
    page = hr.get("/hr/reminders/schedule").text
    assert 'value="2"' in page and "Last changed" in page
