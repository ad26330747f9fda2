"""Dashboard, people report and drill-down: figures, small-group hiding, privacy, query counts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlmodel import Session

from app.clock import utcnow
from app.hr.reports import shown_percent
from app.models import Reflection, User
from app.privacy import MIN_GROUP
from tests.factories import make_department, make_user
from tests.hr.factories import (
    make_assignment,
    make_attempt,
    make_completion,
    make_people,
    make_read,
    released_sums,
)


@contextmanager
def count_queries(app: FastAPI) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    engine = app.state.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def enrol(session: Session, people: list[User], *, done: int = 0, overdue: bool = False) -> None:
    """Assign both modules; the first `done` people complete the first one."""
    due = utcnow() + (timedelta(days=-3) if overdue else timedelta(days=20))
    for i, person in enumerate(people):
        make_assignment(session, person, "first-steps", due_at=due)
        make_assignment(session, person, "second-steps", due_at=due)
        if i < done:
            make_read(session, person, "first-steps")
            make_attempt(session, person, "first-steps")
            make_completion(session, person, "first-steps")


def test_overview_shows_overall_completion_overdue_and_weeks(
    hr_client: TestClient, session: Session
) -> None:
    sales = make_department(session, "Sales")
    people = make_people(session, 6, sales)
    enrol(session, people[:3], done=3)
    enrol(session, people[3:], overdue=True)
    page = hr_client.get("/hr")
    assert page.status_code == 200
    text = page.text
    assert "25%" in text and "(3 of 12)" in text
    assert re.search(r'stat-value">3</p><p class="stat-label">people overdue \(6 modules', text)
    assert people[3].name in text  # overdue list names people
    assert "Module completions per week" in text
    assert "50% · 0 of 6 people finished" not in text
    assert "25% · 0 of 6 people finished" in text


def test_department_chart_hides_small_groups_and_the_cell_that_would_reveal_them(
    hr_client: TestClient, session: Session
) -> None:
    big = make_department(session, "Big")
    mid = make_department(session, "Middle")
    tiny = make_department(session, "Tiny")
    enrol(session, make_people(session, 8, big, prefix="b"), done=4)
    enrol(session, make_people(session, 6, mid, prefix="m"), done=6)
    enrol(session, make_people(session, 2, tiny, prefix="t"), done=2)
    text = hr_client.get("/hr").text
    chart = text[text.index('id="department-chart"') : text.index("</figure>")]
    # The big department is shown: 4 of its 16 assigned modules done, no one has finished both.
    assert "25% · 0 of 8 people finished" in chart and ">4 of 16</td>" in chart
    assert f"fewer than {MIN_GROUP} people" in chart  # the rule is stated with its number
    assert chart.count("Hidden to protect a small group") >= 2  # Tiny and, with it, Middle
    assert "2 of 2" not in chart and "of 6 people" not in chart


def test_people_table_filters_searches_and_paginates(
    hr_client: TestClient, session: Session
) -> None:
    sales = make_department(session, "Sales")
    people = make_people(session, 55, sales)
    enrol(session, people[:5], done=5)
    page1 = hr_client.get(f"/hr/people?department={sales.id}")
    assert "<strong>55</strong> people match" in page1.text and "Page 1 of 2" in page1.text
    page2 = hr_client.get(f"/hr/people?department={sales.id}&page=2")
    assert len(re.findall(r'href="/hr/people/\d+"', page2.text)) == 5
    searched = hr_client.get("/hr/people?q=PERSON+p007")
    assert "<strong>1</strong> person match" in searched.text
    in_progress = hr_client.get("/hr/people?status=in-progress")
    assert "<strong>5</strong> people match" in in_progress.text
    not_assigned = hr_client.get(f"/hr/people?status=not-assigned&department={sales.id}")
    assert "<strong>50</strong> people match" in not_assigned.text


def test_people_table_htmx_request_gets_only_the_table_fragment(
    hr_client: TestClient, session: Session
) -> None:
    make_people(session, 2)
    response = hr_client.get("/hr/people?q=p1", headers={"HX-Request": "true"})
    assert response.text.lstrip().startswith('<section id="people-table"')
    assert response.headers["vary"] == "HX-Request"


def test_people_filter_with_unknown_status_gets_a_clear_message(hr_client: TestClient) -> None:
    response = hr_client.get("/hr/people?status=done")
    assert response.status_code == 422
    assert (
        "Status “done” is not one of: not-assigned, not-started, in-progress, complete"
        in response.text
    )


def test_person_drilldown_shows_attempts_and_best_scores_but_never_reflections(
    hr_client: TestClient, session: Session
) -> None:
    ana = make_user(session, "ana@example.com", name="Ana Example")
    make_assignment(session, ana, "first-steps")
    make_attempt(session, ana, "first-steps", points={"standup": 1, "review": 0})
    make_attempt(session, ana, "first-steps", points={"standup": 2, "review": 1})
    session.add(Reflection(user_id=ana.id or 0, module_id="first-steps", text="My private thought"))
    session.commit()
    page = hr_client.get(f"/hr/people/{ana.id}")
    assert page.status_code == 200
    assert "25% (1 of 4)" in page.text and "75% (3 of 4)" in page.text
    assert re.search(
        r'<td class="num">2</td>\s*<td class="num">25</td>\s*<td class="num">75</td>', page.text
    )
    assert "My private thought" not in page.text


def test_person_drilldown_unknown_id_is_404(hr_client: TestClient) -> None:
    assert hr_client.get("/hr/people/999999").status_code == 404


def test_hardest_scenarios_use_first_attempts_and_hide_groups_under_five(
    hr_client: TestClient, session: Session
) -> None:
    people = make_people(session, 5)
    for person in people:
        make_attempt(session, person, "first-steps", points={"standup": 0, "review": 2})
        make_attempt(session, person, "first-steps", points={"standup": 2, "review": 2})
    few = make_people(session, 3, prefix="f")
    for person in few:
        make_attempt(session, person, "second-steps", points={"quiet-colleague": 0})
    text = hr_client.get("/hr/scenarios").text
    rows = re.findall(
        r'<th scope="row">([^<]+)</th>\s*<td>[^<]+</td>\s*<td class="num"[^>]*>(.*?)</td>',
        text,
        re.S,
    )
    by_title = {title: cell for title, cell in rows}
    sums = released_sums(session)
    # First attempts only, not the later 100%; the shown figure is the noisy one.
    assert sums[("first-steps", "standup")][:2] == (5, 0)
    assert sums[("first-steps", "review")][:2] == (5, 10)
    for title, scenario in (("The stand-up", "standup"), ("The review", "review")):
        noisy = sums[("first-steps", scenario)][2]
        assert f"> {shown_percent(noisy, 10)}%" in by_title[title]
    assert "Hidden" in by_title["The quiet colleague"]  # 3 people
    assert ("second-steps", "quiet-colleague") not in sums
    shown = [int(p) for p in re.findall(r"</meter> (\d+)%", text)]
    assert shown == sorted(shown)  # hardest first


def test_hardest_scenarios_by_department_count_no_one_outside_a_block_of_five(
    hr_client: TestClient, session: Session
) -> None:
    a = make_department(session, "A")
    b = make_department(session, "B")
    c = make_department(session, "C")
    for dept, count in ((a, 6), (b, 6), (c, 2)):
        for person in make_people(session, count, dept, prefix=dept.name):
            make_attempt(session, person, "first-steps")

    def row(dept_id: int | None = None) -> str:
        query = f"?department={dept_id}" if dept_id else ""
        view = hr_client.get(f"/hr/scenarios{query}").text
        return view.split("The stand-up")[1].split("</tr>")[0]

    assert "Hidden" in row(c.id)  # 2 people: not released anywhere yet
    assert '<td class="num">6</td>' in row(a.id) and '<td class="num">6</td>' in row(b.id)
    # Everyone is A's block plus B's block: minus A minus B leaves no one, so C is safe.
    assert '<td class="num">12</td>' in row()


def test_dashboard_query_count_does_not_grow_with_people(
    app: FastAPI, hr_client: TestClient, session: Session
) -> None:
    sales = make_department(session, "Sales")
    first = make_people(session, 3, sales, prefix="a")
    enrol(session, first, done=2, overdue=True)
    pages = [
        "/hr",
        "/hr/people",
        "/hr/people?status=in-progress&overdue=yes&sort=due",
        f"/hr/people/{first[0].id}",
        "/hr/scenarios",
        f"/hr/scenarios?department={sales.id}",
        "/hr/assignments",
        "/hr/reminders",
    ]

    def counts() -> list[int]:
        out = []
        for url in pages:
            hr_client.get(url)  # releases what is due (bounded by blocks: tests/security)
            with count_queries(app) as statements:
                assert hr_client.get(url).status_code == 200, url
            out.append(len(statements))
        return out

    before = counts()
    more = make_people(session, 40, sales, prefix="z")
    enrol(session, more, done=25, overdue=True)
    assert counts() == before


def test_hardest_scenarios_keep_modules_apart_when_scenario_ids_repeat(
    app: FastAPI, session: Session
) -> None:
    from dataclasses import replace

    from app.content.catalog import Catalog
    from app.hr.reports import hardest_scenarios

    first = app.state.catalog.get("first-steps")
    twin = replace(first, meta=first.meta.model_copy(update={"id": "twin-steps", "order": 99}))
    catalog = Catalog(modules=(first, twin), by_id={"first-steps": first, "twin-steps": twin})
    for person in make_people(session, 5):
        make_attempt(session, person, "first-steps", points={"standup": 0, "review": 0})
        make_attempt(session, person, "twin-steps", points={"standup": 2, "review": 2})
    rows = hardest_scenarios(app.state.engine, catalog)
    scores = {(s.module_id, s.scenario_id): s.percent for s in rows}
    sums = released_sums(session)
    assert sums[("first-steps", "standup")][:2] == (5, 0)
    assert sums[("twin-steps", "standup")][:2] == (5, 10)
    for key in (("first-steps", "standup"), ("twin-steps", "standup")):
        assert scores[key] == shown_percent(sums[key][2], 10)


def test_dashboard_shows_group_sessions_held_with_small_counts(admin_client: TestClient) -> None:
    from tests.live.conftest import join, start_session

    live = start_session(admin_client)
    for _ in range(2):
        join(admin_client.app, live.code)  # type: ignore[arg-type]
    live.go(1)  # out of the lobby: the session counts as held
    page = admin_client.get("/hr").text
    assert "1 session held" in page
    # Counts of people are not secret (docs/privacy.md): two phones show as 2.
    assert re.search(r'<td class="num">2</td><td class="num">0</td>', page)
    assert "First steps" in page
