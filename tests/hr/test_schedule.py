"""The reminder schedule from a person's own due date: table-driven and property-based."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.hr import schedule

DUE = date(2026, 6, 15)


@pytest.mark.parametrize(
    ("days_from_due", "kind", "period"),
    [
        (-10, None, None),
        (-8, None, None),
        (-7, schedule.DUE_SOON, "2026-06-15"),
        (-2, schedule.DUE_SOON, "2026-06-15"),
        (-1, schedule.DUE_TOMORROW, "2026-06-15"),
        (0, schedule.DUE_TOMORROW, "2026-06-15"),
        (1, schedule.OVERDUE, "2026-06-15"),
        (7, schedule.OVERDUE, "2026-06-15"),
        (8, schedule.OVERDUE_WEEKLY, "2026-06-15/w1"),
        (14, schedule.OVERDUE_WEEKLY, "2026-06-15/w1"),
        (15, schedule.OVERDUE_WEEKLY, "2026-06-15/w2"),
        (7 * 4 + 7, schedule.OVERDUE_WEEKLY, "2026-06-15/w4"),
        (7 * 4 + 8, None, None),
    ],
)
def test_schedule_current_reminder_for_day_relative_to_due(
    days_from_due: int, kind: str | None, period: str | None
) -> None:
    reminder = schedule.current(
        DUE, DUE + timedelta(days=days_from_due), plan=schedule.Plan(weekly_cap=4)
    )
    found = (reminder.kind, reminder.period) if reminder else (None, None)
    assert found == (kind, period)


def test_schedule_upcoming_lists_each_reminder_once_on_its_first_day() -> None:
    upcoming = schedule.upcoming(
        DUE, DUE - timedelta(days=10), plan=schedule.Plan(weekly_cap=1), days=30
    )
    assert [(r.day - DUE).days for r in upcoming] == [-7, -1, 1, 8]
    assert [r.kind for r in upcoming] == [
        schedule.DUE_SOON,
        schedule.DUE_TOMORROW,
        schedule.OVERDUE,
        schedule.OVERDUE_WEEKLY,
    ]


@given(
    due=st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 1, 1)),
    cap=st.integers(min_value=0, max_value=10),
)
def test_schedule_sends_at_most_the_cap_plus_three_distinct_reminders(due: date, cap: int) -> None:
    seen = {
        (r.kind, r.period)
        for offset in range(-30, 7 * cap + 60)
        if (
            r := schedule.current(
                due, due + timedelta(days=offset), plan=schedule.Plan(weekly_cap=cap)
            )
        )
    }
    assert len(seen) == 3 + cap
    assert all(r[0] in schedule.KINDS for r in seen)


@given(
    due=st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 1, 1)),
    offset=st.integers(min_value=-60, max_value=120),
)
def test_schedule_window_contains_every_due_date_that_can_remind_today(
    due: date, offset: int
) -> None:
    today = due + timedelta(days=offset)
    low, high = schedule.window(today, plan=schedule.Plan(weekly_cap=4))
    if schedule.current(due, today, plan=schedule.Plan(weekly_cap=4)) is not None:
        assert low <= due <= high


@given(offset=st.integers(min_value=-7, max_value=60))
def test_schedule_describe_says_due_or_overdue(offset: int) -> None:
    text = schedule.describe(schedule.OVERDUE, DUE, DUE + timedelta(days=offset))
    assert ("overdue" in text) == (offset > 0)
