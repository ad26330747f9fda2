"""/admin/sso: admins only, the secret write-only, audited, SSO-only guarded, connection test."""

from __future__ import annotations

import re
from html import unescape

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models import AuditEvent, OrgSetting
from tests.conftest import csrf_from, login
from tests.factories import make_user
from tests.oidc_fixtures import CLIENT_SECRET, TestProvider
from tests.servers import free_port

PAGE = "/admin/sso"


def _admin(client: TestClient, session: Session, email: str = "root@example.com") -> None:
    make_user(session, email, role="admin")
    assert login(client, email).status_code == 303  # type: ignore[attr-defined]


def _form(page: str) -> dict[str, str]:
    """The form's fields as a browser would send them (ticked boxes only)."""
    fields = {}
    for tag in re.findall(r"<input [^>]*>", page):
        name = re.search(r'name="([a-z_]+)"', tag)
        if not name or name.group(1) == "csrf_token":
            continue
        if 'type="checkbox"' in tag:
            if " checked" in tag:
                fields[name.group(1)] = "1"
            continue
        value = re.search(r'value="([^"]*)"', tag)
        fields[name.group(1)] = unescape(value.group(1)) if value else ""
    return fields


def _save(client: TestClient, **changes: str) -> httpx.Response:
    page = client.get(PAGE).text
    form = {k: v for k, v in {**_form(page), **changes}.items() if v}
    return client.post(PAGE, data={**form, "csrf_token": csrf_from(page)})


def test_sso_admin_page_for_admins_only(client: TestClient, session: Session) -> None:
    make_user(session, "hr@example.com", role="hr")
    login(client, "hr@example.com")
    assert client.get(PAGE).status_code == 403
    page = client.get("/admin/settings")
    assert page.status_code == 403


def test_sso_settings_page_links_to_sso_page(client: TestClient, session: Session) -> None:
    _admin(client, session)
    assert 'href="/admin/sso"' in client.get("/admin/settings").text
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "http://testserver/sso/callback" in page.text


def test_sso_client_secret_write_only_and_not_audited_by_value(
    client: TestClient, session: Session
) -> None:
    _admin(client, session)
    assert CLIENT_SECRET not in client.get(PAGE).text
    new_secret = "a-brand-new-secret-value-987654321"
    assert _save(client, client_secret=new_secret, scopes="openid email").status_code == 303
    page = client.get(PAGE).text
    assert new_secret not in page
    assert "A secret is stored" in page
    assert _save(client, scopes="openid email profile").status_code == 303  # blank keeps it
    details = " ".join(session.exec(select(AuditEvent.detail)).all())
    targets = session.exec(
        select(AuditEvent.target).where(AuditEvent.action == "sso.setting")
    ).all()
    assert new_secret not in details
    assert sorted(targets) == ["client_secret", "scopes", "scopes"]


def test_sso_only_refused_without_a_valid_break_glass_admin(
    client: TestClient, session: Session
) -> None:
    _admin(client, session)
    make_user(session, "lee@example.com")
    for email, message in (
        ("", "Name the break-glass admin"),
        ("nobody@example.com", "No account has"),
        ("lee@example.com", "is not an active admin"),
    ):
        response = _save(client, only="1", break_glass_email=email)
        assert response.status_code == 422
        assert message in unescape(response.text)
    assert session.exec(select(AuditEvent).where(AuditEvent.target == "only")).first() is None


def test_sso_only_refused_when_break_glass_admin_has_no_password(
    client: TestClient, session: Session
) -> None:
    _admin(client, session)
    nopass = make_user(session, "nopass@example.com", role="admin")
    nopass.password_hash = None
    session.add(nopass)
    session.commit()
    response = _save(client, only="1", break_glass_email="nopass@example.com")
    assert response.status_code == 422
    assert "no password" in response.text


def test_sso_only_turns_passwords_off_except_break_glass_admin(
    app: object, client: TestClient, session: Session
) -> None:
    _admin(client, session)
    assert _save(client, only="1", break_glass_email="root@example.com").status_code == 303
    make_user(session, "lee@example.com")
    learner = TestClient(app, follow_redirects=False)  # type: ignore[arg-type]
    response = login(learner, "lee@example.com")
    assert response.status_code == 403  # type: ignore[attr-defined]
    assert "Passwords are turned off" in response.text  # type: ignore[attr-defined]
    assert "sso-only-note" in learner.get("/login").text
    admin = TestClient(app, follow_redirects=False)  # type: ignore[arg-type]
    assert login(admin, "root@example.com").status_code == 303  # type: ignore[attr-defined]


def test_sso_bad_settings_named_by_field(client: TestClient, session: Session) -> None:
    _admin(client, session)
    response = _save(client, issuer="ftp://login.example.org", scopes="x" * 600)
    assert response.status_code == 422
    assert "https://" in response.text
    assert "at most 500" in response.text
    off = _save(client, enabled="", only="1", break_glass_email="root@example.com")
    assert off.status_code == 422
    assert "Turn single sign-on on" in off.text


def test_sso_connection_test_reports_success(
    client: TestClient, session: Session, provider: TestProvider
) -> None:
    _admin(client, session)
    page = client.get(PAGE).text
    response = client.post(f"{PAGE}/test", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 200
    assert f"Connected: {provider.issuer}" in response.text


@pytest.mark.parametrize(
    ("issuer", "message"),
    [
        ("http://127.0.0.1:{port}", "Could not reach"),
        ("{issuer}/tenant", "HTTP 404"),
    ],
)
def test_sso_connection_test_says_what_is_wrong(
    client: TestClient, session: Session, provider: TestProvider, issuer: str, message: str
) -> None:
    _admin(client, session)
    wrong = issuer.format(port=free_port(), issuer=provider.issuer)
    assert _save(client, issuer=wrong).status_code == 303
    page = client.get(PAGE).text
    response = client.post(f"{PAGE}/test", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 422
    assert message in response.text


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        (
            {"issuer": "https://accounts.google.com", "create_accounts": "1"},
            "allowed_domains",
            "anyone with a Google account",
        ),
        ({"issuer": "https://accounts.google.com", "scopes": "email"}, "scopes", "openid"),
        ({"issuer": "https://user:pw@accounts.google.com"}, "issuer", "user name or password"),
        ({"issuer": "https://accounts.google.com?x=1#f"}, "issuer", "no query or fragment"),
        ({"issuer": "https://accounts.google.com#f"}, "issuer", "no query or fragment"),
    ],
)
def test_sso_dangerous_or_broken_settings_are_refused_with_the_reason(
    client: TestClient, session: Session, changes: dict[str, str], field: str, says: str
) -> None:
    """R3: open account creation, no openid scope, credentials or a query in the issuer."""
    _admin(client, session)
    response = _save(client, client_id="allyship", allowed_domains="", **changes)
    assert response.status_code == 422
    assert says in unescape(response.text)
    assert f'id="{field}-error"' in response.text
    assert session.exec(select(OrgSetting).where(OrgSetting.key == "sso.issuer")).first() is None


def test_sso_create_accounts_with_allowed_domains_is_saved(
    client: TestClient, session: Session
) -> None:
    _admin(client, session)
    saved = _save(
        client,
        issuer="https://accounts.google.com",
        client_id="allyship",
        create_accounts="1",
        allowed_domains="example.org",
    )
    assert saved.status_code == 303
