"""Outside test F17: the edit form never offers what the server then refuses. Fields HR may
not change (an admin's, HR's own) are read-only with the reason beside them, the role list
holds only roles `hr_may_set_role` allows, and the server still refuses a forged change."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.hr.account_changes import hr_may_set_role, roles_offered
from app.models import Role
from tests.factories import make_user
from tests.security.people_helpers import signed_in, user_by_email
from tests.security.test_person_edit import _refreshed, edit

ROLES = list(Role.__members__)


@pytest.fixture
def hr(app: FastAPI, session: Session) -> TestClient:
    return signed_in(app, session, "hana@example.com", "hr")


@pytest.fixture
def admin(app: FastAPI, session: Session) -> TestClient:
    return signed_in(app, session, "root@example.com", "admin")


def _offered(page: str) -> list[str]:
    found = re.search(r'<select id="role"[^>]*>(.*?)</select>', page, re.S)
    return re.findall(r'<option value="(\w+)"', found.group(1)) if found else []


def _email_readonly(page: str) -> bool:
    tag = re.search(r'<input id="email"[^>]*>', page)
    assert tag is not None
    return " readonly" in tag.group(0)


@pytest.mark.parametrize("current", [None, *ROLES])
def test_hr_is_offered_exactly_the_roles_the_one_rule_allows(current: str | None) -> None:
    offered = roles_offered("hr", current)
    assert [r for r in offered if r != current] == [
        r for r in ROLES if r != current and hr_may_set_role(current, r)
    ]
    assert roles_offered("admin", current) == ROLES


@pytest.mark.parametrize("role", ["admin", "hr"])
def test_hr_sees_a_protected_accounts_email_and_role_read_only_with_the_reason(
    hr: TestClient, session: Session, role: str
) -> None:
    other = make_user(session, f"other-{role}@example.com", role=role)
    page = hr.get(f"/hr/people/{other.id}/edit").text
    assert _email_readonly(page)
    assert f"this is an {role} account; only an admin can change its e-mail" in page
    assert _offered(page) == []  # no list to choose from, the role shown as text
    assert f"this is an {role} account; only an admin changes its role" in page
    assert f'<input type="hidden" name="role" value="{role}">' in page


def test_hr_sees_their_own_email_and_role_read_only(hr: TestClient, session: Session) -> None:
    me = user_by_email(session, "hana@example.com")
    assert me is not None
    page = hr.get(f"/hr/people/{me.id}/edit").text
    assert _email_readonly(page) and _offered(page) == []
    assert "you cannot change your own role; ask an admin" in page


def test_hr_editing_a_learner_may_change_email_and_gets_only_learner_and_facilitator(
    hr: TestClient, session: Session
) -> None:
    ana = make_user(session, "ana@example.com")
    page = hr.get(f"/hr/people/{ana.id}/edit").text
    assert not _email_readonly(page) and "You cannot change it here" not in page
    assert _offered(page) == ["learner", "facilitator"]
    assert _offered(hr.get("/hr/people/add").text) == ["learner", "facilitator"]


def test_an_admin_gets_every_role_but_their_own_is_read_only(
    admin: TestClient, session: Session
) -> None:
    boss = make_user(session, "boss@example.com", role="hr")
    page = admin.get(f"/hr/people/{boss.id}/edit").text
    assert not _email_readonly(page) and _offered(page) == ROLES
    me = user_by_email(session, "root@example.com")
    assert me is not None
    own = admin.get(f"/hr/people/{me.id}/edit").text
    assert _offered(own) == [] and "ask another admin" in own and not _email_readonly(own)


@pytest.mark.parametrize("field", [{"role": "learner"}, {"email": "attacker@evil.test"}])
def test_a_forged_change_of_a_read_only_field_is_still_refused(
    hr: TestClient, session: Session, field: dict[str, str]
) -> None:
    boss = make_user(session, "boss@example.com", role="admin")
    response = edit(hr, boss, **field)
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "only an admin" in response.text  # type: ignore[attr-defined]
    found = _refreshed(session, boss)
    assert (found.role, found.email) == ("admin", "boss@example.com")


def test_hr_saves_a_protected_accounts_other_fields_through_the_read_only_form(
    hr: TestClient, session: Session
) -> None:
    """Read-only fields are sent unchanged, so the rest of the form still saves."""
    boss = make_user(session, "boss@example.com", name="Boss", role="admin")
    assert edit(hr, boss, name="Boss Person").status_code == 303  # type: ignore[attr-defined]
    assert _refreshed(session, boss).name == "Boss Person"
