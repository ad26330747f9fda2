"""The one nudge schedule (pure): table-driven cases, then properties over any learner's dates.

The clock is frozen by passing `today`: each property walks day by day through a learner's
dates, as the daily sender would, recording what it sends.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.lasting.schedule import (
    CHECKIN,
    REFRESHER,
    WINDOW,
    LearnerDates,
    Nudge,
    Sent,
    due_today,
    scheduled,
)

DAY0 = date(2026, 3, 2)


def day(n: int) -> date:
    return DAY0 + timedelta(days=n)


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (1, None),  # before round 1
        (2, Nudge(day(2), REFRESHER, "m1", 1)),
        (7, Nudge(day(7), REFRESHER, "m1", 2)),
        (28, Nudge(day(28), REFRESHER, "m1", 3)),
        (28 + WINDOW + 1, None),  # round 3's window has passed
    ],
)
def test_refresher_rounds_fall_2_7_and_28_days_after_passing(
    offset: int, expected: Nudge | None
) -> None:
    sent = tuple(Sent(REFRESHER, "m1", day(d), day(d)) for d in (2, 7) if d < offset)
    dates = LearnerDates(passed={"m1": DAY0}, sent=sent)
    assert due_today(dates, today=day(offset), weekly_cap=4) == expected


def test_a_checkin_is_due_on_its_day_and_goes_before_a_refresher_that_day() -> None:
    dates = LearnerDates(passed={"m1": day(-2)}, check_ons={7: DAY0})
    assert due_today(dates, today=DAY0, weekly_cap=4) == Nudge(DAY0, CHECKIN, "7")
    assert due_today(dates, today=day(-1), weekly_cap=4) is None


def test_a_refresher_round_already_taken_is_not_nudged() -> None:
    dates = LearnerDates(passed={"m1": DAY0}, rounds_done=frozenset({("m1", 1)}))
    assert due_today(dates, today=day(2), weekly_cap=4) is None


def test_nothing_after_stopping_or_leaving_and_nothing_with_a_cap_of_zero() -> None:
    base = LearnerDates(passed={"m1": DAY0})
    assert due_today(base, today=day(2), weekly_cap=4) is not None
    stopped = LearnerDates(passed={"m1": DAY0}, stopped_on=day(1))
    left = LearnerDates(passed={"m1": DAY0}, left_on=day(1))
    assert due_today(stopped, today=day(2), weekly_cap=4) is None
    assert due_today(left, today=day(2), weekly_cap=4) is None
    assert due_today(base, today=day(2), weekly_cap=0) is None


def test_a_day_taken_by_one_nudge_moves_the_other_to_the_next_day() -> None:
    dates = LearnerDates(passed={"a": DAY0, "b": DAY0})
    first = due_today(dates, today=day(2), weekly_cap=4)
    assert first is not None and first.subject == "a"
    sent = (Sent(first.kind, first.subject, first.due_on, day(2)),)
    again = LearnerDates(passed={"a": DAY0, "b": DAY0}, sent=sent)
    assert due_today(again, today=day(2), weekly_cap=4) is None  # one a day
    second = due_today(again, today=day(3), weekly_cap=4)
    assert second is not None and second.subject == "b" and second.due_on == day(2)


modules = st.dictionaries(
    st.sampled_from(["m0", "m1", "m2", "m3"]), st.integers(0, 40).map(day), max_size=4
)
check_ons = st.dictionaries(st.integers(1, 6), st.integers(0, 70).map(day), max_size=4)
done = st.frozensets(st.tuples(st.sampled_from(["m0", "m1", "m2", "m3"]), st.integers(1, 3)))


def walk(
    dates: LearnerDates, *, cap: int, days: int = 90, stop_at: int | None = None
) -> list[tuple[date, Nudge]]:
    """Run the schedule every day for `days` days, as the sender would; what it sent, when."""
    sent: list[Sent] = []
    out = []
    for n in range(days):
        today = day(n)
        stopped = day(stop_at) if stop_at is not None and n >= stop_at else None
        current = LearnerDates(
            passed=dates.passed,
            check_ons=dates.check_ons,
            sent=tuple(sent),
            rounds_done=dates.rounds_done,
            stopped_on=stopped,
        )
        nudge = due_today(current, today=today, weekly_cap=cap)
        if nudge is not None:
            sent.append(Sent(nudge.kind, nudge.subject, nudge.due_on, today))
            out.append((today, nudge))
    return out


@settings(max_examples=150, deadline=None)
@given(modules, check_ons, done, st.integers(0, 7))
def test_nothing_before_its_day_never_twice_one_a_day_and_within_the_cap(
    passed: dict[str, date], checks: dict[int, date], rounds: frozenset, cap: int
) -> None:
    dates = LearnerDates(passed=passed, check_ons=checks, rounds_done=rounds)
    sent = walk(dates, cap=cap)
    planned = {n.key for n in scheduled(dates)}
    keys = [n.key for _, n in sent]
    assert len(keys) == len(set(keys))  # never twice
    assert len({d for d, _ in sent}) == len(sent)  # at most one a day
    for today, nudge in sent:
        assert nudge.due_on <= today <= nudge.due_on + timedelta(days=WINDOW)
        assert nudge.key in planned  # only what the dates call for
        assert nudge.kind != REFRESHER or (nudge.subject, nudge.round) not in rounds
        week = [d for d, _ in sent if today - timedelta(days=6) <= d <= today]
        assert len(week) <= cap


@settings(max_examples=100, deadline=None)
@given(modules, check_ons, st.integers(0, 80))
def test_nothing_is_sent_once_the_learner_stops(
    passed: dict[str, date], checks: dict[int, date], stop_at: int
) -> None:
    sent = walk(LearnerDates(passed=passed, check_ons=checks), cap=7, stop_at=stop_at)
    assert all(today < day(stop_at) for today, _ in sent)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 40), st.integers(2, 7))
def test_one_module_gets_each_round_on_its_own_day(passed_on: int, cap: int) -> None:
    sent = walk(LearnerDates(passed={"m1": day(passed_on)}), cap=cap)
    assert [(today - day(passed_on)).days for today, _ in sent] == [2, 7, 28]
    assert [n.round for _, n in sent] == [1, 2, 3]


def test_a_cap_of_one_a_week_holds_round_2_until_7_days_after_round_1() -> None:
    sent = walk(LearnerDates(passed={"m1": DAY0}), cap=1)
    assert [(today - DAY0).days for today, _ in sent] == [2, 9, 28]
