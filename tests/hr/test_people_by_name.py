"""The people table in name order picks its page from the people alone and works out figures
for that page only (app/hr/people.py): the same rows, total and "select all" key as working
out everyone's figures, on every page and filter."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session

from app.clock import utcnow
from app.hr import people as report
from app.hr.people import PAGE_SIZE, PeopleFilter
from app.models import User, row_id
from app.recert.policy import validity_months
from tests.factories import make_department, make_user
from tests.hr.factories import make_assignment, make_completion, make_people, make_read


@pytest.fixture
def crowd(session: Session) -> dict[str, int]:
    """Two departments and no department, names that sort apart from ids, leavers, and every
    kind of progress: nothing, started, one of two done, all done, overdue."""
    sales, ops = make_department(session, "Sales"), make_department(session, "Ops")
    everyone: list[User] = []
    everyone += make_people(session, 60, sales, prefix="s")
    everyone += make_people(session, 45, ops, prefix="o")
    everyone += make_people(session, 7, None, prefix="n")
    everyone.append(make_user(session, "zed@example.com", name="aaron zed", department=ops))
    everyone.append(
        make_user(session, "gone@example.com", name="Gone Person", department=sales, active=False)
    )
    late = utcnow() - timedelta(days=2)
    for i, person in enumerate(everyone):
        if i % 4 == 0:
            continue  # nothing assigned
        make_assignment(session, person, "first-steps", due_at=late if i % 3 == 0 else None)
        make_assignment(session, person, "second-steps")
        if i % 4 >= 2:
            make_read(session, person, "first-steps")
        if i % 4 == 3:
            make_completion(session, person, "first-steps")
            if i % 8 == 7:
                make_completion(session, person, "second-steps")
    return {"sales": row_id(sales), "ops": row_id(ops)}


@pytest.mark.parametrize(
    "choose",
    [
        lambda d: PeopleFilter(),
        lambda d: PeopleFilter(leavers=True),
        lambda d: PeopleFilter(department=str(d["sales"])),
        lambda d: PeopleFilter(department="none"),
        lambda d: PeopleFilter(q="PERSON O0"),
        lambda d: PeopleFilter(q="nobody-matches"),
    ],
    ids=["everyone", "leavers", "department", "no-department", "search", "no-match"],
)
def test_a_page_by_name_matches_everyones_figures(
    session: Session, crowd: dict[str, int], choose: object
) -> None:
    filters = choose(crowd)  # type: ignore[operator]
    assert not report.reads_figures(filters)
    now, months = utcnow(), validity_months(session)
    for page in (1, 2, 3, 9):  # 114 people: three pages, then past the last
        by_name = report._page_by_name(session, filters, page, now, months)
        everyone = report._page_of_everyone(session, filters, page, now, months)
        assert [report.to_row(r, months) for r in by_name[0]] == [
            report.to_row(r, months) for r in everyone[0]
        ]
        assert by_name[1:] == everyone[1:]  # total, "select all" key, the page shown
    if filters == PeopleFilter():
        first = report._page_by_name(session, filters, 1, now, months)
        assert len(first[0]) == PAGE_SIZE and first[1] == 113
        assert report.to_row(first[0][0], months).name == "aaron zed"


def test_figures_filters_and_orders_still_work_out_everyone() -> None:
    for filters in (
        PeopleFilter(status="complete"),
        PeopleFilter(overdue="yes"),
        PeopleFilter(recert="not-done"),
        PeopleFilter(sort="due"),
        PeopleFilter(sort="progress"),
    ):
        assert report.reads_figures(filters), filters
