"""Outside test F6: a half-filled period form (empty months, no choice at all, non-ASCII
digits) is refused with a message and leaves the period as it was; saving the period in force
writes no audit entry."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select

from app.models import AuditEvent
from app.recert.policy import validity_months
from tests.conftest import csrf_from
from tests.factories import make_user
from tests.recert.conftest import period


def _changes(session: Session) -> int:
    query = select(func.count()).where(col(AuditEvent.action) == "recert.period_change")
    return session.exec(query).one()


def test_empty_months_or_no_choice_is_refused_and_keeps_the_period(
    admin_client: TestClient, session: Session
) -> None:
    period(session, "12")
    before = _changes(session)
    token = csrf_from(admin_client.get("/admin/recertification").text)
    for data in (
        {"period": "other", "months": ""},
        {"period": "other", "months": "   "},
        {"period": "other"},
        {},
        {"period": "other", "months": "\u0661\u0662"},  # Arabic-Indic 12
    ):
        response = admin_client.post("/admin/recertification", data={"csrf_token": token, **data})
        assert response.status_code == 422, data
        assert "Validity period:" in response.text, data
        assert validity_months(session) == 12, data
    empty = admin_client.post(
        "/admin/recertification", data={"csrf_token": token, "period": "other", "months": ""}
    )
    assert "enter the number of months (1 to 120), or choose none" in empty.text
    assert _changes(session) == before


def test_none_still_switches_off_and_saving_the_same_period_is_not_audited(
    admin_client: TestClient, session: Session
) -> None:
    token = csrf_from(admin_client.get("/admin/recertification").text)

    def save(**data: str) -> None:
        sent = {"csrf_token": token, **data}
        assert admin_client.post("/admin/recertification", data=sent).status_code == 303

    save(period="12")
    first = _changes(session)
    save(period="12")
    save(period="other", months="12")
    assert _changes(session) == first
    save(period="none")
    assert validity_months(session) is None and _changes(session) == first + 1


def test_one_month_and_one_person_are_singular(
    admin_client: TestClient, hr_client: TestClient, session: Session
) -> None:
    """Outside test F14: "valid for 1 months", "Assigned to 1 people"."""
    period(session, "1")
    assert "completions are valid for 1 month." in admin_client.get("/admin/recertification").text
    make_user(session, "solo@example.com")
    token = csrf_from(hr_client.get("/hr/assignments").text)
    data = {"csrf_token": token, "scope": "course", "emails": "solo@example.com"}
    done = hr_client.post("/hr/assignments", data=data)
    assert "Assigned to 1 person:" in hr_client.get(done.headers["location"]).text
