"""Each status on a moved clock: the HR overview, the people table (filter), the person page,
the exports and the API; the small-group rule on departments; the period and its changes."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.api.keys import create_key
from app.clock import utcnow
from app.hr import recert
from app.models import AuditEvent
from app.recert.status import RecertStatus, add_months, expired_before, status_on
from tests.factories import make_department, make_user
from tests.hr.factories import make_assignment
from tests.recert.conftest import finished, months_ago, period


def four_people(session: Session) -> dict[str, int]:
    """One person per status with a 12-month period."""
    cur = make_user(session, "cur@example.com", name="Cara Current")
    finished(session, cur, at=months_ago(2))
    soon = make_user(session, "soon@example.com", name="Sam Soon")
    finished(session, soon, at=months_ago(11))  # expires in about a month
    old = make_user(session, "old@example.com", name="Olly Old")
    finished(session, old, at=months_ago(13))
    none = make_user(session, "none@example.com", name="Nina None")
    make_assignment(session, none, "first-steps")
    return {
        "current": cur.id or 0,
        "expiring": soon.id or 0,
        "expired": old.id or 0,
        "not-done": none.id or 0,
    }


def test_each_status_shows_on_overview_people_filter_and_person_page(
    hr_client: TestClient, session: Session
) -> None:
    period(session, "12")
    ids = four_people(session)
    page = hr_client.get("/hr").text
    for key in ids:
        assert f'id="recert-{key}"><p class="stat-value">1</p>' in page
    for key, uid in ids.items():
        table = hr_client.get(f"/hr/people?recert={key}").text
        assert f"/hr/people/{uid}" in table
        others = [u for k, u in ids.items() if k != key]
        assert not any(f'href="/hr/people/{u}"' in table for u in others)
    person = hr_client.get(f"/hr/people/{ids['expired']}").text
    assert 'badge-recert-expired">Expired' in person
    expires = add_months(months_ago(13).date(), 12)
    assert f"{expires.day} " in person.split('id="person-recert"')[1].split("</dl>")[0]


def test_period_none_makes_every_finished_person_current(
    hr_client: TestClient, session: Session
) -> None:
    four_people(session)
    o = recert.overview(session, now=utcnow())
    assert o.months is None
    assert o.totals == {"current": 3, "expiring": 0, "expired": 0, "not-done": 1}


def test_bad_recert_filter_gets_a_message_not_a_500(hr_client: TestClient) -> None:
    response = hr_client.get("/hr/people?recert=someday")
    assert response.status_code == 422 and "is not one of" in response.text


def test_period_change_moves_existing_expiries_and_is_audited(
    admin_client: TestClient, session: Session
) -> None:
    ids = four_people(session)
    from tests.conftest import csrf_from

    page = admin_client.get("/admin/recertification")
    token = csrf_from(page.text)
    assert (
        admin_client.post(
            "/admin/recertification", data={"csrf_token": token, "period": "12"}
        ).status_code
        == 303
    )
    assert recert.overview(session, now=utcnow()).totals["expired"] == 1
    response = admin_client.post(
        "/admin/recertification", data={"csrf_token": token, "period": "other", "months": "24"}
    )
    assert response.status_code == 303
    totals = recert.overview(session, now=utcnow()).totals
    assert totals["expired"] == 0 and totals["current"] == 3  # the 13-month-old one moved
    events = session.exec(
        select(AuditEvent).where(AuditEvent.action == "recert.period_change")
    ).all()
    assert [e.detail for e in events][-1] == '{"after": 24, "before": 12}'
    assert ids


def test_admin_page_refuses_odd_periods_and_other_roles(
    admin_client: TestClient, hr_client: TestClient, session: Session
) -> None:
    from tests.conftest import csrf_from

    token = csrf_from(admin_client.get("/admin/recertification").text)
    for data in (
        {"period": "other", "months": "0"},
        {"period": "other", "months": "999999"},
        {"period": "other", "months": "twelve"},
        {"period": "forever"},
        {"period": "other", "months": "9" * 11},
    ):
        response = admin_client.post("/admin/recertification", data={"csrf_token": token, **data})
        assert response.status_code == 422, data
        assert 'class="error-summary' in response.text or "Validity period" in response.text
    assert recert.overview(session, now=utcnow()).months is None
    assert hr_client.get("/admin/recertification").status_code == 403


def test_departments_under_five_are_hidden_in_recert_counts(
    hr_client: TestClient, session: Session
) -> None:
    period(session, "12")
    big, small = make_department(session, "Sales"), make_department(session, "Legal")
    other = make_department(session, "Ops")
    for i in range(6):
        u = make_user(session, f"s{i}@example.com", department=big)
        finished(session, u, at=months_ago(13 if i == 0 else 1))
        u = make_user(session, f"o{i}@example.com", department=other)
        finished(session, u, at=months_ago(1))
    for i in range(2):
        u = make_user(session, f"l{i}@example.com", department=small)
        finished(session, u, at=months_ago(13))
    o = recert.overview(session, now=utcnow())
    rows = {r.name: r for r in o.departments}
    # Legal (2) is hidden, and one more department so Legal cannot be found by subtraction.
    assert rows["Legal"].hidden and rows["Ops"].hidden and not rows["Sales"].hidden
    assert rows["Sales"].counts == {"current": 5, "expired": 1}
    assert o.totals["expired"] == 3
    page = hr_client.get("/hr").text
    section = page.split('id="recert-departments"')[1].split("</table>")[0]
    assert "Legal</th><td colspan" in section and "Hidden" in section


def test_exports_and_api_show_status(hr_client: TestClient, session: Session) -> None:
    period(session, "12")
    ids = four_people(session)
    text = hr_client.get("/hr/people/export.csv?kind=pivot").content.decode("utf-8-sig")
    rows = {r["email"]: r for r in csv.DictReader(io.StringIO(text))}
    assert rows["old@example.com"]["recert_status"] == "expired"
    assert rows["soon@example.com"]["recert_status"] == "expiring"
    assert rows["cur@example.com"]["recert_status"] == "current"
    assert rows["none@example.com"]["recert_status"] == "not-done"
    assert rows["none@example.com"]["valid_until"] == ""
    long = hr_client.get("/hr/people/export.csv?kind=long").content.decode("utf-8-sig")
    statuses = {(r["email"], r["recert_status"]) for r in csv.DictReader(io.StringIO(long))}
    assert ("old@example.com", "expired") in statuses and ("hr@example.com", "") in statuses
    secret = create_key(session, name="hris", scopes=["read", "write"], actor_id=None)[1]
    from app.models import User

    old = session.get(User, ids["expired"])
    assert old is not None
    old.external_id = "E-OLD"
    session.add(old)
    session.commit()
    body = hr_client.get(
        "/api/v1/people/E-OLD", headers={"Authorization": f"Bearer {secret}"}
    ).json()
    assert body["recertification"]["status"] == "expired"
    assert (
        body["recertification"]["validity_months"] == 12 and body["recertification"]["cycle"] == 1
    )
    page = hr_client.get(
        "/api/v1/progress?since=2000-01-01T00:00:00Z", headers={"Authorization": f"Bearer {secret}"}
    ).json()
    assert {i["cycle"] for i in page["items"]} == {1} and all(
        i["valid_until"] for i in page["items"]
    )


def test_status_edges_are_exact_days() -> None:
    done = months_ago(0).replace(year=2025, month=1, day=31)
    assert status_on(done, 1, add_months(done.date(), 1)) is RecertStatus.expired  # 28 Feb
    assert status_on(done, 1, done.date()) is RecertStatus.current  # window: 10 days (F16)
    assert status_on(done, 12, done.date()) is RecertStatus.current
    assert status_on(None, 12, done.date()) is RecertStatus.not_done
    cut = expired_before(done.date().replace(year=2026, month=2, day=28), 1)
    assert cut.date().isoformat() == "2026-02-01"  # completions up to 31 Jan have expired
