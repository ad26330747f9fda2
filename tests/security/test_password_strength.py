"""New passwords are scored by zxcvbn and may not be the e-mail, the name or the product."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session
from typer.testing import CliRunner

from app.auth.account import change_password
from app.cli import app as cli
from app.config import get_settings
from app.errors import Invalid
from app.security import MAX_PASSWORD, hash_password, password_problem
from tests.conftest import csrf_from, login
from tests.factories import PASSWORD, make_user

EMAIL, NAME = "priya.sharma@example.com", "Priya Sharma"


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("aaaaaaaa", "too easy to guess"),
        ("12345678", "too easy to guess"),
        ("password123", "too easy to guess"),
        ("allyship-demo", "name of this course"),
        ("Allyship2026!", "name of this course"),
        ("allies in practice", "name of this course"),
        (EMAIL, "email address"),
        ("PRIYA.SHARMA@EXAMPLE.COM!", "email address"),
        ("priyasharma1", "name of this course"),
        ("Priya Sharma 99", "name of this course"),
        ("short", "at least 8"),
        ("x" * (MAX_PASSWORD + 1), f"at most {MAX_PASSWORD}"),
        ("qwertyuiop", "too easy to guess"),
    ],
)
def test_weak_or_personal_passwords_are_refused(password: str, why: str) -> None:
    problem = password_problem(password, email=EMAIL, name=NAME)
    assert problem is not None and why in problem


@pytest.mark.parametrize(
    "password",
    [
        "correct-horse-battery",
        "a long enough passphrase",
        "Tr0ub4dor&3-plus-more",
        "priya loves long walks by the river",  # her name inside a real passphrase is fine
        "é ñ 漢字 mixed scripts work too",
        "x7Rk2#mQ" * 16,  # the longest allowed, scored on its first 72 characters
    ],
)
def test_strong_passwords_are_accepted(password: str) -> None:
    assert password_problem(password, email=EMAIL, name=NAME) is None


def test_refusal_explains_in_plain_words() -> None:
    problem = password_problem("aaaaaaaa", email=EMAIL, name=NAME) or ""
    assert problem.startswith("This password is too easy to guess.")
    assert "repeat" in problem.lower()  # zxcvbn's own feedback


def test_password_change_refuses_own_email_and_name(client: TestClient, session: Session) -> None:
    user = make_user(session, EMAIL, name=NAME)
    login(client, EMAIL)
    token = csrf_from(client.get("/account").text)
    for weak in (EMAIL, "priyasharma2026", "allyship-demo"):
        response = client.post(
            "/account/password",
            data={
                "csrf_token": token,
                "current_password": PASSWORD,
                "new_password": weak,
                "confirm_password": weak,
            },
        )
        assert response.status_code == 422
    with pytest.raises(Invalid):
        change_password(session, user=user, current=PASSWORD, new=EMAIL, confirm=EMAIL)


def test_create_user_cli_refuses_a_weak_password(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALLYSHIP_DATABASE_URL", db_url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            cli,
            ["create-user", "sam@example.com", "--name", "Sam Lee", "--password-stdin"],
            input="sam@example.com\n",
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2 and "email address" in result.output


def test_demo_password_still_signs_in_demo_accounts(client: TestClient, session: Session) -> None:
    """Demo accounts are made with a hash, not through the rules (README: demo only)."""
    user = make_user(session, "learner@example.com")
    user.password_hash = hash_password("allyship-demo")
    session.add(user)
    session.commit()
    assert login(client, "learner@example.com", "allyship-demo").status_code == 303  # type: ignore[attr-defined]
