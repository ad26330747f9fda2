"""One's own second factor on the account page, and an admin's reset of someone else's."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.models import AuditEvent, LoginSession, RecoveryCode, SecondFactor
from tests.auth.second_factor.helpers import (
    PAGE,
    client_for,
    code,
    codes_on,
    enrol,
    password_step,
    secret_on,
    sign_in_with,
)
from tests.conftest import csrf_from, login, post_form
from tests.factories import PASSWORD, make_user

ACCOUNT = "/account/second-factor"


def signed_in(app: FastAPI, email: str) -> TestClient:
    client = client_for(app)
    assert login(client, email).status_code == 303  # type: ignore[attr-defined]
    return client


def turn_on(client: TestClient) -> tuple[str, list[str]]:
    post_form(client, ACCOUNT + "/start", {}, page=ACCOUNT)
    secret = secret_on(client.get(ACCOUNT).text)
    done = post_form(client, ACCOUNT + "/confirm", {"code": code(secret)}, page=ACCOUNT)
    assert done.status_code == 200  # type: ignore[attr-defined]
    return secret, codes_on(done.text)  # type: ignore[attr-defined]


def test_a_learner_turns_the_factor_on_and_then_needs_it_to_sign_in(
    app: FastAPI, session: Session
) -> None:
    make_user(session, "ana@example.com")
    client = signed_in(app, "ana@example.com")
    assert "is <strong>off</strong>" in client.get(ACCOUNT).text
    post_form(client, ACCOUNT + "/start", {}, page=ACCOUNT)
    page = client.get(ACCOUNT).text
    secret = secret_on(page)
    # Retest R6: a tappable link into the authenticator app, carrying the same key.
    link = page.split('id="second-factor-link"')[0].rsplit('href="', 1)[1].split('"')[0]
    assert link.startswith("otpauth://totp/") and f"secret={secret}" in link
    done = post_form(client, ACCOUNT + "/confirm", {"code": code(secret)}, page=ACCOUNT)
    codes = codes_on(done.text)  # type: ignore[attr-defined]
    assert len(codes) == 10
    # Retest R7: a first factor replaces nothing, so it does not speak of old codes.
    assert "The old ones no longer work" not in done.text  # type: ignore[attr-defined]
    assert "Your second factor is on." in done.text  # type: ignore[attr-defined]
    assert "is <strong>on</strong>" in client.get(ACCOUNT).text
    assert password_step(client_for(app), "ana@example.com").headers["location"] == PAGE
    assert sign_in_with(client_for(app), "ana@example.com", code(secret, 1)).status_code == 303


def test_an_unconfirmed_factor_does_not_count(app: FastAPI, session: Session) -> None:
    make_user(session, "ana@example.com")
    client = signed_in(app, "ana@example.com")
    post_form(client, ACCOUNT + "/start", {}, page=ACCOUNT)
    wrong = post_form(client, ACCOUNT + "/confirm", {"code": "000000"}, page=ACCOUNT)
    assert wrong.status_code == 422  # type: ignore[attr-defined]
    assert password_step(client_for(app), "ana@example.com").headers["location"] == "/"


def test_turning_off_needs_a_current_code_or_the_password(app: FastAPI, session: Session) -> None:
    ana = make_user(session, "ana@example.com")
    client = signed_in(app, "ana@example.com")
    turn_on(client)
    refused = post_form(client, ACCOUNT + "/off", {"answer": "guess"}, page=ACCOUNT)
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert session.get(SecondFactor, ana.id) is not None
    done = post_form(client, ACCOUNT + "/off", {"answer": PASSWORD}, page=ACCOUNT)
    assert done.headers["location"] == ACCOUNT + "?done=off"  # type: ignore[attr-defined]
    session.expire_all()
    assert session.get(SecondFactor, ana.id) is None
    assert not session.exec(select(RecoveryCode).where(RecoveryCode.user_id == ana.id)).all()
    assert password_step(client_for(app), "ana@example.com").headers["location"] == "/"


def test_hr_cannot_turn_the_factor_off(app: FastAPI, session: Session) -> None:
    make_user(session, "hr@example.com", role="hr")
    client = client_for(app)
    enrol(client, "hr@example.com")
    assert "stays on" in client.get(ACCOUNT).text
    refused = post_form(client, ACCOUNT + "/off", {"answer": PASSWORD}, page=ACCOUNT)
    assert refused.status_code == 403  # type: ignore[attr-defined]


def test_new_recovery_codes_replace_the_old_ones(app: FastAPI, session: Session) -> None:
    make_user(session, "hr@example.com", role="hr")
    client = client_for(app)
    _, old = enrol(client, "hr@example.com")
    fresh = post_form(client, ACCOUNT + "/codes", {"answer": PASSWORD}, page=ACCOUNT)
    new = codes_on(fresh.text)  # type: ignore[attr-defined]
    assert len(new) == 10 and not set(new) & set(old)
    assert "The old ones no longer work." in fresh.text  # type: ignore[attr-defined]
    assert sign_in_with(client_for(app), "hr@example.com", old[0]).status_code == 422
    assert sign_in_with(client_for(app), "hr@example.com", new[0]).status_code == 303


def test_an_admin_resets_someones_factor_audited_and_their_sessions_end(
    app: FastAPI, session: Session
) -> None:
    hr = make_user(session, "hr@example.com", role="hr")
    admin = make_user(session, "admin@example.com", role="admin", name="Ada Admin")
    hr_client = client_for(app)
    enrol(hr_client, "hr@example.com")
    admin_client = client_for(app)
    enrol(admin_client, "admin@example.com")
    page = f"/admin/people/{hr.id}/second-factor"
    assert "recovery codes left" in admin_client.get(page).text
    done = post_form(admin_client, page + "/reset", {}, page=page)
    assert done.headers["location"] == page + "?done=reset"  # type: ignore[attr-defined]
    assert hr_client.get("/hr").headers["location"].startswith("/login")
    live = session.exec(
        select(LoginSession).where(
            LoginSession.user_id == hr.id, col(LoginSession.revoked_at).is_(None)
        )
    ).all()
    assert live == []
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "second_factor.reset")).one()
    assert (event.actor_id, event.target) == (admin.id, "hr@example.com")
    again = password_step(client_for(app), "hr@example.com")  # enrols anew
    assert again.headers["location"] == PAGE
    assert "Set up your second factor" in client_for_cookies(app, again).get(PAGE).text


def client_for_cookies(app: FastAPI, response: object) -> TestClient:
    client = client_for(app)
    client.cookies.update(response.cookies)  # type: ignore[attr-defined]
    return client


def test_hr_cannot_reset_an_admins_factor(app: FastAPI, session: Session) -> None:
    make_user(session, "hr@example.com", role="hr")
    admin = make_user(session, "admin@example.com", role="admin")
    hr_client = client_for(app)
    enrol(hr_client, "hr@example.com")
    enrol(client_for(app), "admin@example.com")
    page = f"/admin/people/{admin.id}/second-factor"
    assert hr_client.get(page).status_code == 403
    token = csrf_from(hr_client.get(ACCOUNT).text)
    refused = hr_client.post(page + "/reset", data={"csrf_token": token})
    assert refused.status_code == 403
    assert session.get(SecondFactor, admin.id) is not None


def test_an_admin_resetting_their_own_factor_needs_their_code(
    app: FastAPI, session: Session
) -> None:
    admin = make_user(session, "admin@example.com", role="admin")
    client = client_for(app)
    secret, _ = enrol(client, "admin@example.com")
    page = f"/admin/people/{admin.id}/second-factor"
    assert 'id="code"' in client.get(page).text
    refused = post_form(client, page + "/reset", {"code": ""}, page=page)
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert session.get(SecondFactor, admin.id) is not None
    done = post_form(client, page + "/reset", {"code": code(secret, 1)}, page=page)
    assert done.headers["location"] == "/login"  # type: ignore[attr-defined]
    session.expire_all()
    assert session.get(SecondFactor, admin.id) is None


def test_an_admin_reset_ends_a_pending_sign_in_too(app: FastAPI, session: Session) -> None:
    hr = make_user(session, "hr@example.com", role="hr")
    make_user(session, "admin@example.com", role="admin")
    secret, _ = enrol(client_for(app), "hr@example.com")
    admin = client_for(app)
    enrol(admin, "admin@example.com")
    waiting = client_for(app)
    password_step(waiting, "hr@example.com")
    page = f"/admin/people/{hr.id}/second-factor"
    post_form(admin, page + "/reset", {}, page=page)
    token = csrf_from(waiting.get("/login").text)
    late = waiting.post(PAGE, data={"code": code(secret, 1), "csrf_token": token})
    assert late.status_code == 409


def test_the_server_command_resets_a_factor_for_the_last_admin(
    app: FastAPI, session: Session, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from app.cli import app as cli
    from app.config import get_settings

    admin = make_user(session, "admin@example.com", role="admin")
    client = client_for(app)
    enrol(client, "admin@example.com")
    monkeypatch.setenv("ALLYSHIP_DATABASE_URL", db_url)
    get_settings.cache_clear()
    try:
        unknown = CliRunner().invoke(cli, ["reset-second-factor", "nobody@example.com"])
        done = CliRunner().invoke(cli, ["reset-second-factor", "Admin@Example.com"])
    finally:
        get_settings.cache_clear()
    assert unknown.exit_code == 2 and "no account" in unknown.output
    assert done.exit_code == 0, done.output
    session.expire_all()
    assert session.get(SecondFactor, admin.id) is None
    assert client.get("/admin/settings").headers["location"].startswith("/login")
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "second_factor.reset")).one()
    assert event.actor_id is None and event.target == "admin@example.com"


def test_the_test_exemption_is_refused_outside_the_test_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pydantic import ValidationError

    from app.config import Settings

    with pytest.raises(ValidationError, match="test suite only"):
        Settings(second_factor_exempt_for_tests=True)
    monkeypatch.setenv("ALLYSHIP_ENVIRONMENT", "production")
    monkeypatch.setenv("ALLYSHIP_SECRET_KEY", "s" * 48)
    monkeypatch.setenv("ALLYSHIP_BASE_URL", "https://learn.example.org")
    monkeypatch.setenv("ALLYSHIP_SECOND_FACTOR_EXEMPT_FOR_TESTS", "true")
    with pytest.raises(ValidationError, match="test suite only"):
        Settings()
    monkeypatch.setenv("ALLYSHIP_SECOND_FACTOR_EXEMPT_FOR_TESTS", "false")
    assert Settings().second_factor_exempt_for_tests is False
