"""A password sign-in with a second factor: enrol at the first sign-in, then a code, or a recovery code."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, col, select

from app.auth.cookies import PENDING_COOKIE
from app.clock import utcnow
from app.models import (
    AuditEvent,
    LoginFailure,
    LoginSession,
    LoginThrottle,
    PendingSignIn,
    RecoveryCode,
    SecondFactor,
    User,
)
from app.web.deps import SESSION_COOKIE
from tests.auth.second_factor.helpers import (
    PAGE,
    client_for,
    code,
    codes_on,
    enrol,
    password_step,
    secret_on,
    send_code,
    sign_in_with,
)
from tests.factories import make_user


@pytest.mark.parametrize("role, home", [("hr", "/hr"), ("admin", "/admin/settings")])
def test_staff_first_sign_in_enrols_before_any_page(
    app: FastAPI, session: Session, role: str, home: str
) -> None:
    make_user(session, f"{role}@example.com", role=role)
    client = client_for(app)
    answer = password_step(client, f"{role}@example.com")
    assert answer.headers["location"] == PAGE
    assert SESSION_COOKIE not in answer.cookies and PENDING_COOKIE in answer.cookies
    assert client.get(home).headers["location"].startswith("/login")
    page = client.get(PAGE)
    assert "Set up your second factor" in page.text
    assert page.headers["cache-control"] == "no-store"
    done = send_code(client, code(secret_on(page.text)), PAGE + "/enrol")
    assert done.status_code == 200
    assert len(set(codes_on(done.text))) == 10
    assert f'href="{home}"' in done.text
    assert client.get(home).status_code == 200
    assert client.get(PAGE).status_code == 200 and "Sign in again" in client.get(PAGE).text


def test_enrolment_page_has_a_qr_code_inline_and_the_key_as_text(
    app: FastAPI, session: Session
) -> None:
    make_user(session, "hr@example.com", role="hr")
    client = client_for(app)
    password_step(client, "hr@example.com")
    html = client.get(PAGE).text
    assert 'src="data:image/svg+xml' in html  # made here by segno, never an outside service
    assert len(secret_on(html)) == 32
    assert 'autocomplete="one-time-code"' in html and 'inputmode="numeric"' in html
    assert '<label for="code">' in html


def test_learner_without_a_factor_signs_in_with_the_password_alone(
    app: FastAPI, session: Session
) -> None:
    make_user(session, "ana@example.com")
    answer = password_step(client_for(app), "ana@example.com")
    assert answer.headers["location"] == "/" and SESSION_COOKIE in answer.cookies


def test_sign_in_with_a_code_then_with_a_recovery_code_once(app: FastAPI, session: Session) -> None:
    hr = make_user(session, "hr@example.com", role="hr")
    secret, codes = enrol(client_for(app), "hr@example.com")
    with_code = sign_in_with(client_for(app), "hr@example.com", code(secret, 1))
    assert with_code.status_code == 303 and with_code.headers["location"] == "/hr"
    with_recovery = sign_in_with(client_for(app), "hr@example.com", codes[0].lower())
    assert with_recovery.headers["location"] == "/hr"
    again = sign_in_with(client_for(app), "hr@example.com", codes[0])
    assert again.status_code == 422 and "not right" in again.text
    used = session.exec(select(RecoveryCode).where(col(RecoveryCode.used_at).is_not(None))).all()
    assert len(used) == 1 and used[0].user_id == hr.id


def test_a_code_used_once_is_refused_again(app: FastAPI, session: Session) -> None:
    make_user(session, "hr@example.com", role="hr")
    secret, _ = enrol(client_for(app), "hr@example.com")
    assert sign_in_with(client_for(app), "hr@example.com", code(secret, 1)).status_code == 303
    replayed = sign_in_with(client_for(app), "hr@example.com", code(secret, 1))
    assert replayed.status_code == 422
    earlier = sign_in_with(client_for(app), "hr@example.com", code(secret))  # older step
    assert earlier.status_code == 422


def test_a_code_two_steps_away_is_refused(app: FastAPI, session: Session) -> None:
    make_user(session, "hr@example.com", role="hr")
    secret, _ = enrol(client_for(app), "hr@example.com")
    assert sign_in_with(client_for(app), "hr@example.com", code(secret, 2)).status_code == 422
    assert sign_in_with(client_for(app), "hr@example.com", code(secret, -2)).status_code == 422


def test_the_secret_is_stored_encrypted_never_shown_again_and_never_logged(
    app: FastAPI, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    hr = make_user(session, "hr@example.com", role="hr")
    client = client_for(app)
    with caplog.at_level(logging.DEBUG):
        secret, _ = enrol(client, "hr@example.com")
    stored = session.get(SecondFactor, hr.id)
    assert stored is not None and secret not in stored.secret
    assert secret not in caplog.text
    assert secret not in client.get("/account/second-factor").text
    assert "Set up" not in client.get("/account/second-factor").text


def test_five_wrong_codes_end_the_pending_sign_in(app: FastAPI, session: Session) -> None:
    app.state.settings = app.state.settings.model_copy(update={"login_free_tries": 10})
    make_user(session, "hr@example.com", role="hr")
    secret, _ = enrol(client_for(app), "hr@example.com")
    client = client_for(app)
    password_step(client, "hr@example.com")
    for _ in range(4):
        assert send_code(client, "000000").status_code == 422
    fifth = send_code(client, "000000")
    assert fifth.status_code == 409 and "Sign in again" in fifth.text
    assert send_code(client, code(secret, 1)).status_code == 409  # even the right code now
    assert client.get("/hr").status_code == 303


def test_guessing_codes_is_slowed_per_account_and_client(app: FastAPI, session: Session) -> None:
    hr, secret, client = _halfway_signed_in_hr(app, session)
    assert [send_code(client, f"{n:06d}").status_code for n in range(3)] == [422, 422, 422]
    key = f"second-factor:{hr.id}"  # the sign-in throttle's rows, keyed by the account
    failures = session.exec(select(LoginFailure).where(LoginFailure.email == key)).all()
    assert len(failures) == 3 and {f.address for f in failures} == {"testclient"}
    row = session.exec(select(LoginThrottle).where(LoginThrottle.email == key)).one()
    assert row.failures == 3 and row.next_try_at > row.last_failure_at  # three free, then waits
    # As if many more wrong codes had earned a long wait: every try waits, even the right code.
    session.exec(update(LoginThrottle).values(next_try_at=utcnow() + timedelta(minutes=10)))
    session.commit()
    waiting = send_code(client, code(secret, 1))
    assert waiting.status_code == 429 and "Wait" in waiting.text
    fresh = client_for(app)  # a new pending sign-in from the same client: the same wait
    password_step(fresh, "hr@example.com")
    assert send_code(fresh, code(secret, 1)).status_code == 429


def _halfway_signed_in_hr(app: FastAPI, session: Session) -> tuple[User, str, TestClient]:
    """An enrolled HR account, and a client past its password step (a code is next)."""
    hr = make_user(session, "hr@example.com", role="hr")
    secret, _ = enrol(client_for(app), "hr@example.com")
    client = client_for(app)
    password_step(client, "hr@example.com")
    return hr, secret, client


def test_a_code_checked_while_another_is_checked_waits_without_blaming_wrong_codes(
    app: FastAPI, session: Session
) -> None:
    hr, secret, client = _halfway_signed_in_hr(app, session)
    now = utcnow()
    session.add(  # another code of this account is being checked; no wrong code on record
        LoginThrottle(
            email=f"second-factor:{hr.id}",
            address="testclient",
            next_try_at=now,
            held_until=now + timedelta(seconds=10),
        )
    )
    session.commit()
    busy = send_code(client, code(secret, 1))
    assert busy.status_code == 429
    assert "still being checked" in busy.text and "wrong codes" not in busy.text


def test_odd_and_huge_codes_get_a_clear_message(app: FastAPI, session: Session) -> None:
    app.state.settings = app.state.settings.model_copy(update={"login_free_tries": 10})
    make_user(session, "hr@example.com", role="hr")
    enrol(client_for(app), "hr@example.com")
    client = client_for(app)
    password_step(client, "hr@example.com")
    for value in (
        "\uff11\uff12\uff13\uff14\uff15\uff16",
        "12345\u0000",
        "' OR 1=1 --",
        "x" * 5000,
        "",
    ):
        answer = send_code(client, value)
        assert answer.status_code == 422, value
        assert "Code" in answer.text
    assert len(send_code(client, "x" * 5000).text) < 200_000


def test_a_deactivated_account_cannot_finish_its_pending_sign_in(
    app: FastAPI, session: Session
) -> None:
    hr, secret, client = _halfway_signed_in_hr(app, session)
    hr.active = False
    session.add(hr)
    session.commit()
    assert send_code(client, code(secret, 1)).status_code == 409
    assert session.exec(select(LoginSession).where(LoginSession.user_id == hr.id)).all()[-1]


def test_an_expired_pending_sign_in_is_refused(app: FastAPI, session: Session) -> None:
    make_user(session, "hr@example.com", role="hr")
    secret, _ = enrol(client_for(app), "hr@example.com")
    client = client_for(app)
    password_step(client, "hr@example.com")
    session.exec(update(PendingSignIn).values(expires_at=PendingSignIn.created_at))
    session.commit()
    assert send_code(client, code(secret, 1)).status_code == 409


def test_the_audit_log_records_enrolment(app: FastAPI, session: Session) -> None:
    hr = make_user(session, "hr@example.com", role="hr")
    enrol(client_for(app), "hr@example.com")
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "second_factor.on")).all()
    assert [e.actor_id for e in events] == [hr.id]


def test_sso_completes_a_sign_in_without_the_second_factor(app: FastAPI, session: Session) -> None:
    """The seam oidc uses: service.complete_sign_in opens the session directly."""
    from sqlmodel import Session as Plain

    from app.auth import service
    from app.db import writer

    hr = make_user(session, "hr@example.com", role="hr")
    with Plain(writer(app.state.engine)) as write:
        token, first = service.complete_sign_in(
            write,
            app.state.settings,
            user_id=hr.id or 0,
            address="198.51.100.7",
            replace_token=None,
        )
        write.commit()
    client = client_for(app)
    client.cookies.set(SESSION_COOKIE, token)
    assert client.get("/hr").status_code == 200 and first is False
