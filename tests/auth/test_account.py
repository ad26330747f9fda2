"""Changing a password ends every other sign-in; weak or mistyped passwords are refused."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.conftest import csrf_from, login
from tests.factories import PASSWORD, make_user


def change(client: TestClient, current: str, new: str, confirm: str | None = None) -> object:
    token = csrf_from(client.get("/account").text)
    return client.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current_password": current,
            "new_password": new,
            "confirm_password": confirm if confirm is not None else new,
        },
    )


def test_password_change_signs_out_other_devices_but_not_this_one(
    client: TestClient, session: Session, app: FastAPI
) -> None:
    make_user(session)
    other_device = TestClient(app, follow_redirects=False)
    login(other_device, "ana@example.com")
    login(client, "ana@example.com")
    response = change(client, PASSWORD, "a much longer pass phrase")
    assert response.status_code == 303
    assert client.get("/").status_code == 200
    assert other_device.get("/").status_code == 303
    fresh = TestClient(app, follow_redirects=False)
    assert login(fresh, "ana@example.com", "a much longer pass phrase").status_code == 303


def test_password_change_refuses_wrong_current_common_and_mismatched(
    client: TestClient, session: Session
) -> None:
    make_user(session)
    login(client, "ana@example.com")
    assert change(client, "not-my-password", "a much longer pass phrase").status_code == 422
    assert "too easy to guess" in change(client, PASSWORD, "password123").text
    assert (
        "two new passwords are different"
        in change(client, PASSWORD, "one long phrase", "another").text
    )
    assert "at least 8" in change(client, PASSWORD, "short").text
