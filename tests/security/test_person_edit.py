"""Adding and editing one person on a form: HR's powers, look-alike and taken e-mails, loops."""

from __future__ import annotations

import json
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models import AuditEvent, Invite, OutboxMessage, User
from tests.conftest import csrf_from
from tests.factories import make_department, make_user
from tests.security.people_helpers import signed_in, still_signed_in, user_by_email


@pytest.fixture
def hr(app: FastAPI, session: Session) -> TestClient:
    return signed_in(app, session, "hana@example.com", "hr")


@pytest.fixture
def admin(app: FastAPI, session: Session) -> TestClient:
    return signed_in(app, session, "root@example.com", "admin")


def _form(page: str) -> dict[str, str]:
    """The edit form's fields as drawn (text inputs, chosen options, hidden fields)."""
    fields = dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', page))
    for name, options in re.findall(r'<select[^>]*name="(\w+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', options)
        fields[name] = chosen.group(1) if chosen else ""
    return fields


def edit(client: TestClient, user: User, **changes: str) -> object:
    page = client.get(f"/hr/people/{user.id}/edit").text
    return client.post(f"/hr/people/{user.id}/edit", data=_form(page) | changes)


def add(client: TestClient, **fields: str) -> object:
    token = csrf_from(client.get("/hr/people/add").text)
    data = {"csrf_token": token, "name": "New Person", "role": "learner"} | fields
    return client.post("/hr/people/add", data=data)


def _refreshed(session: Session, user: User) -> User:
    session.expire_all()
    found = session.get(User, user.id)
    assert found is not None
    return found


def test_hr_adds_one_person_who_gets_an_invitation_and_an_audit_entry(
    hr: TestClient, session: Session
) -> None:
    sales = make_department(session, "Sales")
    make_user(session, "boss@example.com", name="Boss")
    response = add(
        hr, email=" New@Example.com ", department_id=str(sales.id), manager_email="boss@example.com"
    )
    assert response.status_code == 303  # type: ignore[attr-defined]
    new = user_by_email(session, "new@example.com")
    assert new is not None and new.department_id == sales.id and new.role == "learner"
    assert session.exec(select(Invite).where(Invite.user_id == new.id)).first() is not None
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "user.create")).one()
    assert json.loads(event.detail)["after"]["email"] == "new@example.com"


@pytest.mark.parametrize("role", ["hr", "admin"])
def test_hr_cannot_add_an_hr_or_admin_account(hr: TestClient, session: Session, role: str) -> None:
    response = add(hr, email="new@example.com", role=role)
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "only the learner and facilitator" in response.text  # type: ignore[attr-defined]
    assert user_by_email(session, "new@example.com") is None


def test_hr_edits_name_department_manager_and_role_with_before_and_after_audited(
    hr: TestClient, session: Session
) -> None:
    ana = make_user(session, "ana@example.com", name="Ana")
    make_user(session, "boss@example.com", name="Boss")
    sales = make_department(session, "Sales")
    changes = {"name": "Ana B", "department_id": str(sales.id), "role": "facilitator"}
    response = edit(hr, ana, **changes, manager_email="boss@example.com")
    assert response.status_code == 303  # type: ignore[attr-defined]
    ana = _refreshed(session, ana)
    assert (ana.name, ana.department_id, ana.role) == ("Ana B", sales.id, "facilitator")
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "user.update")).one()
    detail = json.loads(event.detail)
    assert detail["before"]["name"] == "Ana" and detail["after"]["name"] == "Ana B"
    assert detail["before"]["role"] == "learner" and detail["after"]["role"] == "facilitator"


@pytest.mark.parametrize("role", ["hr", "admin"])
def test_hr_cannot_promote_anyone_to_hr_or_admin(
    hr: TestClient, session: Session, role: str
) -> None:
    ana = make_user(session, "ana@example.com")
    response = edit(hr, ana, role=role)
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert _refreshed(session, ana).role == "learner"


@pytest.mark.parametrize("target_role", ["hr", "admin"])
def test_hr_cannot_change_the_email_of_an_hr_or_admin_account(
    app: FastAPI, hr: TestClient, session: Session, target_role: str
) -> None:
    """The takeover: re-point a protected account's e-mail, then ask for a password reset."""
    browser = signed_in(app, session, "boss@example.com", target_role)
    boss = user_by_email(session, "boss@example.com")
    assert boss is not None
    response = edit(hr, boss, email="attacker@evil.test")
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "only an admin can change its e-mail" in response.text  # type: ignore[attr-defined]
    assert _refreshed(session, boss).email == "boss@example.com"
    assert still_signed_in(browser)
    assert session.exec(select(OutboxMessage)).first() is None


def test_hr_cannot_demote_an_admin_but_an_admin_can_change_roles(
    hr: TestClient, admin: TestClient, session: Session
) -> None:
    other = make_user(session, "other-admin@example.com", role="admin")
    assert edit(hr, other, role="learner").status_code == 422  # type: ignore[attr-defined]
    assert _refreshed(session, other).role == "admin"
    assert edit(admin, other, role="hr").status_code == 303  # type: ignore[attr-defined]
    assert _refreshed(session, other).role == "hr"


def test_nobody_changes_their_own_role(admin: TestClient, session: Session) -> None:
    me = user_by_email(session, "root@example.com")
    assert me is not None
    assert edit(admin, me, role="learner").status_code == 422  # type: ignore[attr-defined]
    assert _refreshed(session, me).role == "admin"


@pytest.mark.parametrize(
    "lookalike",
    ["ana@ex\uff41mple.com", "ana@example.com.", "ana..x@example.com", "ana@@example.com"],
)
def test_an_email_edit_to_a_look_alike_is_refused(
    hr: TestClient, session: Session, lookalike: str
) -> None:
    ana = make_user(session, "ana@example.com")
    response = edit(hr, ana, email=lookalike)
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert _refreshed(session, ana).email == "ana@example.com"


def test_an_email_edit_to_another_persons_address_is_refused(
    hr: TestClient, session: Session
) -> None:
    ana = make_user(session, "ana@example.com")
    make_user(session, "bo@example.com", name="Bo")
    response = edit(hr, ana, email="BO@example.com")
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "already belongs to another person" in response.text  # type: ignore[attr-defined]
    assert _refreshed(session, ana).email == "ana@example.com"


def test_an_email_edit_signs_the_person_out_and_tells_the_old_address(
    app: FastAPI, hr: TestClient, session: Session
) -> None:
    browser = signed_in(app, session, "ana@example.com")
    ana = user_by_email(session, "ana@example.com")
    assert ana is not None
    assert edit(hr, ana, email="ana.new@example.org").status_code == 303  # type: ignore[attr-defined]
    assert not still_signed_in(browser)
    (notice,) = session.exec(select(OutboxMessage)).all()
    assert (notice.kind, notice.to) == ("email-changed", "ana@example.com")


def test_a_manager_loop_is_refused(hr: TestClient, session: Session) -> None:
    a = make_user(session, "a@example.com", name="A")
    b = make_user(session, "b@example.com", name="B")
    assert edit(hr, b, manager_email="a@example.com").status_code == 303  # type: ignore[attr-defined]
    response = edit(hr, a, manager_email="b@example.com")
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "management loop" in response.text  # type: ignore[attr-defined]
    assert _refreshed(session, a).manager_id is None
    own = edit(hr, a, manager_email="a@example.com")
    assert "own manager" in own.text  # type: ignore[attr-defined]


def test_two_hr_edits_from_the_same_form_the_second_is_refused_not_lost(
    app: FastAPI, hr: TestClient, session: Session
) -> None:
    other_hr = signed_in(app, session, "hugo@example.com", "hr")
    ana = make_user(session, "ana@example.com", name="Ana")
    first_page = hr.get(f"/hr/people/{ana.id}/edit").text
    second_page = other_hr.get(f"/hr/people/{ana.id}/edit").text
    assert (
        hr.post(f"/hr/people/{ana.id}/edit", data=_form(first_page) | {"name": "One"}).status_code
        == 303
    )
    late = other_hr.post(f"/hr/people/{ana.id}/edit", data=_form(second_page) | {"name": "Two"})
    assert late.status_code == 409
    assert "Someone changed this person" in late.text
    assert _refreshed(session, ana).name == "One"
    assert 'value="One"' in late.text  # the form shows what is there now


def test_edit_without_csrf_token_changes_nothing(hr: TestClient, session: Session) -> None:
    ana = make_user(session, "ana@example.com", name="Ana")
    form = _form(hr.get(f"/hr/people/{ana.id}/edit").text)
    form.pop("csrf_token")
    assert hr.post(f"/hr/people/{ana.id}/edit", data=form | {"name": "X"}).status_code == 403
    assert _refreshed(session, ana).name == "Ana"


def test_learner_cannot_open_or_post_the_forms(app: FastAPI, session: Session) -> None:
    browser = signed_in(app, session, "lea@example.com")
    ana = make_user(session, "ana@example.com", name="Ana")
    assert browser.get("/hr/people/add").status_code == 403
    token = csrf_from(browser.get("/").text)
    data = {"csrf_token": token, "name": "X", "email": "ana@example.com", "drawn": "x"}
    assert browser.post(f"/hr/people/{ana.id}/edit", data=data).status_code == 403


@pytest.mark.parametrize("sent", ["abc", "-1", "1.5", "٣"])
def test_a_department_that_is_not_an_id_is_refused_not_read_as_none(
    hr: TestClient, session: Session, sent: str
) -> None:
    """Outside test F2: department_id=abc silently took the person out of their department."""
    sales = make_department(session, "Sales")
    lee = make_user(session, "lee@example.com", name="Lee", department=sales)
    response = edit(hr, lee, department_id=sent)
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "Department: choose one from the list." in response.text  # type: ignore[attr-defined]
    assert _refreshed(session, lee).department_id == sales.id
    added = add(hr, email="new@example.com", department_id=sent)
    assert added.status_code == 422  # type: ignore[attr-defined]
    assert user_by_email(session, "new@example.com") is None
