"""The learner's own self-assessment: optional forms, kept as first sent, shown side by side."""

from __future__ import annotations

import json

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select

from app.models import Event, MeasureMember, MeasureResponse
from tests.concurrency import at_once
from tests.conftest import csrf_from
from tests.factories import make_user
from tests.measures.conftest import FIRST, ITEMS, LAST, passed, ratings, send, signed_in


def _rows(session: Session) -> list[MeasureResponse]:
    return list(session.exec(select(MeasureResponse).order_by(col(MeasureResponse.id))).all())


def test_measures_items_are_about_six_and_name_course_modules(app: FastAPI) -> None:
    modules = set(app.state.catalog.module_ids)
    assert 5 <= len(ITEMS) <= 7
    from app.content.measures import check_measures
    from tests.conftest import PROJECT_ROOT

    measures = check_measures(PROJECT_ROOT)[0]
    assert measures is not None
    assert {i.module for i in measures.items} <= modules


def test_measures_before_form_explains_and_can_be_skipped(app: FastAPI, session: Session) -> None:
    make_user(session)
    client = signed_in(app, "ana@example.com")
    page = client.get("/measures/before")
    assert page.status_code == 200
    assert "Why we ask, and who sees what" in page.text
    assert "Only you see your own ratings" in page.text
    assert 'href="/">Skip it' in page.text
    assert "Not at all confident" in page.text and "Completely confident" in page.text
    assert "looking back" not in page.text.lower().split("who sees")[0]  # no retrospective before
    # Skipping blocks nothing: the first lesson opens and the dashboard offers the form.
    assert client.get(f"/modules/{FIRST}").status_code == 200
    dashboard = client.get("/")
    assert 'id="measures-offer"' in dashboard.text


def test_measures_before_then_after_shown_side_by_side(app: FastAPI, session: Session) -> None:
    ana = make_user(session)
    client = signed_in(app, "ana@example.com")
    assert send(client, "before", ratings("before", now=3)).status_code == 303  # type: ignore[attr-defined]
    assert client.get("/measures/after").headers["location"] == "/measures"  # not yet offered
    passed(session, ana, FIRST, LAST)
    assert client.get("/measures/before").status_code == 303  # closed once module 0 is passed
    after = client.get("/measures/after")
    assert after.status_code == 200 and "before you started the course" in after.text
    assert send(client, "after", ratings("after", now=6, back=2)).status_code == 303  # type: ignore[attr-defined]
    page = client.get("/measures")
    table = page.text.split('id="my-measures"')[1].split("</table>")[0]
    for cells in table.split("<tr>")[2:]:
        numbers = [c.split("</td>")[0] for c in cells.split('class="num">')[1:]]
        assert numbers == ["3", "6", "2"]
    assert "<script" not in table


def test_measures_second_submission_is_refused_and_first_kept(
    app: FastAPI, session: Session
) -> None:
    make_user(session)
    client = signed_in(app, "ana@example.com")
    send(client, "before", ratings("before", now=2))
    again = send(client, "before", ratings("before", now=7))
    assert again.status_code == 409  # type: ignore[attr-defined]
    assert "cannot be changed" in again.text  # type: ignore[attr-defined]
    rows = _rows(session)
    assert len(rows) == 1 and set(json.loads(rows[0].ratings)[ITEMS[0]]) == {2, None}


def test_measures_two_submissions_at_once_store_one(app: FastAPI, session: Session) -> None:
    make_user(session)
    first, second = signed_in(app, "ana@example.com"), signed_in(app, "ana@example.com")
    results = at_once(
        lambda: send(first, "before", ratings("before", now=1)),
        lambda: send(second, "before", ratings("before", now=7)),
    )
    assert sorted(r.status_code for r in results) == [303, 409]
    assert len(_rows(session)) == 1


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "choose a whole number from 1 to 7"),
        ("8", "choose a whole number from 1 to 7"),
        ("7.5", "choose a whole number from 1 to 7"),
        ("-1", "choose a whole number from 1 to 7"),
        ("٣", "choose a whole number from 1 to 7"),  # a digit, but not one of ours
        ("", "choose a number from 1 to 7"),
        ("5" * 10_000, "choose a whole number from 1 to 7"),
    ],
)
def test_measures_odd_rating_is_refused_with_a_message(
    app: FastAPI, session: Session, value: str, message: str
) -> None:
    make_user(session)
    client = signed_in(app, "ana@example.com")
    data = ratings("before") | {f"now-{ITEMS[0]}": value}
    response = send(client, "before", data)
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert f"Statement 1: {message}" in response.text  # type: ignore[attr-defined]
    assert 'aria-invalid="true"' in response.text  # type: ignore[attr-defined]
    assert _rows(session) == []


def test_measures_missing_items_store_nothing(app: FastAPI, session: Session) -> None:
    ana = make_user(session)
    passed(session, ana, LAST)
    client = signed_in(app, "ana@example.com")
    data = ratings("after")
    del data[f"back-{ITEMS[-1]}"]
    response = send(client, "after", data)
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert f"Statement {len(ITEMS)}, looking back: choose" in response.text  # type: ignore[attr-defined]
    assert _rows(session) == []


def test_measures_answers_never_enter_events(app: FastAPI, session: Session) -> None:
    ana = make_user(session)
    client = signed_in(app, "ana@example.com")
    events = session.exec(select(func.count()).select_from(Event)).one()
    send(client, "before", ratings("before"))
    passed(session, ana, FIRST, LAST)
    send(client, "after", ratings("after"))
    assert session.exec(select(func.count()).select_from(Event)).one() == events
    assert session.exec(select(func.count()).select_from(MeasureMember)).one() == 1


def test_measures_hr_account_is_never_counted(app: FastAPI, session: Session) -> None:
    hr = make_user(session, "hr@example.com", role="hr")
    client = signed_in(app, "hr@example.com")
    send(client, "before", ratings("before"))
    passed(session, hr, FIRST, LAST)
    send(client, "after", ratings("after"))
    assert len(_rows(session)) == 2
    assert session.exec(select(func.count()).select_from(MeasureMember)).one() == 0


def test_measures_own_page_shows_only_own_answers(app: FastAPI, session: Session) -> None:
    ana = make_user(session)
    make_user(session, "bo@example.com", name="Bo Example", role="admin")
    send(signed_in(app, "ana@example.com"), "before", ratings("before", now=6))
    for as_who in ("bo@example.com",):
        page = signed_in(app, as_who).get(f"/measures?user_id={ana.id}")
        assert page.status_code == 200
        assert 'id="my-measures"' not in page.text


def test_measures_signed_out_cannot_send(client: TestClient, session: Session) -> None:
    make_user(session)
    response = client.post("/measures/before", data=ratings("before"))
    assert response.status_code in (303, 401, 403)
    assert _rows(session) == []


@pytest.mark.parametrize("form", ["after", "before"])
def test_measures_form_not_offered_is_refused_before_its_fields_are_read(
    app: FastAPI, session: Session, form: str
) -> None:
    ana = make_user(session)
    if form == "before":
        passed(session, ana, FIRST)  # the before form closes once module 0 is passed
    client = signed_in(app, "ana@example.com")
    token = csrf_from(client.get("/measures").text)
    empty = client.post(f"/measures/{form}", data={"csrf_token": token})
    assert empty.status_code == 403 and "This form is offered only" in empty.text
    assert "how confident" not in empty.text.lower() and 'name="back-' not in empty.text
    odd = client.post(f"/measures/{form}", data={"csrf_token": token, "x": "9" * 50})
    assert odd.status_code == 403
    assert _rows(session) == []
