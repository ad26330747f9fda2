"""Imports and API keys cannot adopt or change hr and admin accounts; e-mail changes are safe."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from app.cli import app as cli
from app.models import Invite, OutboxMessage, User
from tests.factories import make_user
from tests.security.people_helpers import (
    HEADER,
    assert_problem,
    import_file,
    set_external_id,
    signed_in,
    still_signed_in,
    upload,
    user_by_email,
)


def snapshot(session: Session, email: str) -> tuple[object, ...]:
    user = user_by_email(session, email)
    assert user is not None
    session.refresh(user)
    return (user.email, user.external_id, user.role, user.active)


@pytest.mark.parametrize("role", ["admin", "hr"])
def test_import_row_with_a_protected_email_and_new_external_id_is_refused_per_line(
    hr: TestClient, session: Session, role: str
) -> None:
    make_user(session, "boss@example.com", role=role)
    before = snapshot(session, "boss@example.com")
    csv = HEADER + "\nnew@example.com,New,,,,N1\nboss@example.com,Boss,,,,EVIL-1\n"
    preview = upload(hr, csv)
    assert "Line 3, external id:" in preview.text and f"{role} account" in preview.text
    assert 'id="apply"' not in preview.text
    assert snapshot(session, "boss@example.com") == before


def test_import_cannot_change_the_email_of_an_admin_found_by_external_id(
    hr: TestClient, session: Session
) -> None:
    make_user(session, "root@example.com", role="admin")
    set_external_id(session, "root@example.com", "A-1")
    preview = upload(hr, HEADER + "\nattacker@evil.test,Root,,,,A-1\n")
    assert "Line 2, email:" in preview.text and "root@example.com" in preview.text
    assert user_by_email(session, "attacker@evil.test") is None
    assert snapshot(session, "root@example.com")[0] == "root@example.com"


def test_import_cannot_change_the_role_of_an_hr_account(hr: TestClient, session: Session) -> None:
    make_user(session, "colleague@example.com", role="hr")
    preview = upload(hr, HEADER + "\ncolleague@example.com,Col,,,learner,\n")
    assert "Line 2, role:" in preview.text
    assert snapshot(session, "colleague@example.com")[2] == "hr"


def test_import_cannot_reactivate_a_deactivated_admin(hr: TestClient, session: Session) -> None:
    make_user(session, "old-admin@example.com", role="admin", active=False)
    preview = upload(hr, HEADER + "\nold-admin@example.com,Old,,,,\n")
    assert "Line 2," in preview.text and "reactivate" in preview.text
    assert snapshot(session, "old-admin@example.com")[3] is False


def test_import_leavers_mode_keeps_hr_accounts_active(hr: TestClient, session: Session) -> None:
    make_user(session, "colleague@example.com", role="hr")
    make_user(session, "leaver@example.com")
    import_file(hr, HEADER + "\nstays@example.com,Stays,,,,\n", leavers=True)
    assert snapshot(session, "colleague@example.com")[3] is True
    assert snapshot(session, "leaver@example.com")[3] is False


def test_import_may_still_rename_an_hr_account_and_move_its_department(
    hr: TestClient, session: Session
) -> None:
    make_user(session, "colleague@example.com", role="hr")
    import_file(hr, HEADER + "\ncolleague@example.com,New Name,Sales,,hr,\n")
    user = user_by_email(session, "colleague@example.com")
    assert user is not None
    session.refresh(user)
    assert (user.name, user.role, user.active) == ("New Name", "hr", True)


def test_cli_import_cannot_adopt_an_admin(
    cli_env: object, session: Session, tmp_path: Path
) -> None:
    make_user(session, "root@example.com", role="admin")
    file = tmp_path / "people.csv"
    file.write_text(HEADER + "\nroot@example.com,Root,,,,EVIL-1\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["import-users", str(file)])
    assert result.exit_code == 1
    assert f"{file}:2: external id:" in result.output
    assert snapshot(session, "root@example.com")[1] is None


def test_admin_web_import_cannot_adopt_another_admin_either(
    admin: TestClient, session: Session
) -> None:
    make_user(session, "root@example.com", role="admin")
    preview = upload(admin, HEADER + "\nROOT@Example.com,Root,,,,EVIL-1\n")
    assert "Line 2, external id:" in preview.text and 'id="apply"' not in preview.text
    assert snapshot(session, "root@example.com")[1] is None


@pytest.mark.parametrize(
    ("role", "sent"), [("admin", "boss@example.com"), ("hr", "  BOSS@Example.COM ")]
)
def test_api_put_cannot_adopt_a_protected_account_by_email(
    client: TestClient, session: Session, key: dict[str, str], role: str, sent: str
) -> None:
    make_user(session, "boss@example.com", role=role)
    response = client.put("/api/v1/people/EVIL-1", json={"email": sent, "name": "B"}, headers=key)
    body = assert_problem(response, 403)
    assert "EVIL-1" not in str(snapshot(session, "boss@example.com"))
    assert "hr or admin account" in body["detail"]


@pytest.mark.parametrize(
    "change",
    [
        {"email": "attacker@evil.test"},
        {"active": False},
        {"role": "learner"},
    ],
)
def test_api_put_cannot_change_email_active_or_role_of_an_hr_account(
    client: TestClient, session: Session, key: dict[str, str], change: dict[str, object]
) -> None:
    make_user(session, "colleague@example.com", role="hr")
    set_external_id(session, "colleague@example.com", "H-1")
    before = snapshot(session, "colleague@example.com")
    body = {"email": "colleague@example.com", "name": "Col", **change}
    assert_problem(client.put("/api/v1/people/H-1", json=body, headers=key), 403)
    assert snapshot(session, "colleague@example.com") == before
    assert session.exec(select(OutboxMessage)).first() is None


def test_api_put_may_rename_an_hr_account(
    client: TestClient, session: Session, key: dict[str, str]
) -> None:
    make_user(session, "colleague@example.com", role="hr")
    set_external_id(session, "colleague@example.com", "H-1")
    body = {"email": "colleague@example.com", "name": "New Name", "role": "hr", "active": True}
    response = client.put("/api/v1/people/H-1", json=body, headers=key)
    assert response.status_code == 200 and response.json()["name"] == "New Name"


def test_api_problem_bodies_are_rfc_9457(client: TestClient, key: dict[str, str]) -> None:
    assert_problem(client.get("/api/v1/people/NOPE", headers=key), 404)
    assert_problem(client.get("/api/v1/modules"), 401)


def _learner_with_open_links(app: FastAPI, session: Session) -> tuple[TestClient, User]:
    browser = signed_in(app, session, "ana@example.com")
    ana = set_external_id(session, "ana@example.com", "E-ANA")
    session.add(Invite(user_id=ana.id or 0, token_hash="a" * 64))
    session.commit()
    return browser, ana


def _assert_email_change_was_handled(
    session: Session, browser: TestClient, ana: User, new_email: str
) -> None:
    session.refresh(ana)
    assert ana.email == new_email
    assert not still_signed_in(browser)
    open_links = session.exec(
        select(Invite).where(
            Invite.user_id == ana.id,
            col(Invite.token_hash).is_not(None),
            col(Invite.revoked_at).is_(None),
        )
    ).all()
    assert open_links == []
    (notice,) = session.exec(select(OutboxMessage)).all()
    assert (notice.kind, notice.to) == ("email-changed", "ana@example.com")
    assert new_email not in notice.body and new_email not in notice.subject
    assert new_email.split("@")[0] not in notice.body


def test_api_email_change_ends_sessions_revokes_links_and_tells_the_old_address(
    app: FastAPI, client: TestClient, session: Session, key: dict[str, str]
) -> None:
    browser, ana = _learner_with_open_links(app, session)
    body = {"email": "ana.new@example.org", "name": "Ana"}
    assert client.put("/api/v1/people/E-ANA", json=body, headers=key).status_code == 200
    _assert_email_change_was_handled(session, browser, ana, "ana.new@example.org")


def test_import_email_change_ends_sessions_revokes_links_and_tells_the_old_address(
    app: FastAPI, hr: TestClient, session: Session
) -> None:
    browser, ana = _learner_with_open_links(app, session)
    import_file(hr, HEADER + "\nana.new@example.org,Ana,,,,E-ANA\n")
    _assert_email_change_was_handled(session, browser, ana, "ana.new@example.org")
    assert still_signed_in(hr)


def test_api_update_without_email_change_keeps_sessions_and_sends_nothing(
    app: FastAPI, client: TestClient, session: Session, key: dict[str, str]
) -> None:
    browser, _ana = _learner_with_open_links(app, session)
    body = {"email": "ANA@example.com", "name": "Ana Renamed"}
    assert client.put("/api/v1/people/E-ANA", json=body, headers=key).status_code == 200
    assert still_signed_in(browser)
    assert session.exec(select(OutboxMessage)).first() is None


def test_refused_api_change_queues_no_notice_and_keeps_sessions(
    app: FastAPI, client: TestClient, session: Session, key: dict[str, str]
) -> None:
    browser = signed_in(app, session, "boss@example.com", "admin")
    body = {"email": "boss@example.com", "name": "B", "role": "learner"}
    assert_problem(client.put("/api/v1/people/EVIL-2", json=body, headers=key), 403)
    assert still_signed_in(browser)
    assert session.exec(select(OutboxMessage)).first() is None
