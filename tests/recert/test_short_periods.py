"""Outside test F16: a period of 1 or 2 months must not make a completion "expiring" (and the
reminder run reopen the course) on the day it is made: the window is at most a third of the
period (docs/hr.md "Statuses"), in Python and in SQL alike."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import FastAPI
from sqlmodel import Session, select

from app.clock import utcnow
from app.config import Settings
from app.hr import recert
from app.models import RecertCycle, User
from app.recert.status import RecertStatus, add_months, expiring_days, status_on
from tests.factories import make_user
from tests.hr.conftest import Inbox
from tests.recert.conftest import finished, period
from tests.recert.test_reminders import run


@pytest.mark.parametrize(("months", "window"), [(1, 10), (2, 20), (3, 30), (6, 60), (12, 60)])
def test_the_window_is_at_most_a_third_of_the_period(months: int, window: int) -> None:
    assert expiring_days(months) == window
    day = utcnow()
    expires = add_months(day.date(), months)
    assert status_on(day, months, day.date()) == RecertStatus.current
    last_current = expires - timedelta(days=window + 1)
    assert status_on(day, months, last_current) == RecertStatus.current
    assert status_on(day, months, expires - timedelta(days=window)) == RecertStatus.expiring
    assert status_on(day, months, expires) == RecertStatus.expired


@pytest.mark.parametrize("months", ["1", "2"])
def test_finishing_today_with_a_short_period_is_current_and_reopens_nothing(
    app: FastAPI, session: Session, settings: Settings, inbox: Inbox, months: str
) -> None:
    period(session, months)
    jonas = make_user(session, "jonas@example.com")
    finished(session, jonas, at=utcnow())
    now = utcnow()
    assert recert.overview(session, now=now).totals.get("expiring", 0) == 0
    assert run(session, app, settings, now) == []
    session.expire_all()
    assert session.get(User, jonas.id).cycle == 1  # type: ignore[union-attr]
    assert session.exec(select(RecertCycle)).all() == []


def test_a_one_month_period_reminds_ten_days_before_expiry(
    app: FastAPI, session: Session, settings: Settings, inbox: Inbox
) -> None:
    period(session, "1")
    ana = make_user(session, "ana@example.com")
    done = utcnow() - timedelta(days=25)  # expires in 3 to 6 days
    finished(session, ana, at=done)
    assert run(session, app, settings, utcnow()) == [("ana@example.com", "recert-expiring", 1)]
