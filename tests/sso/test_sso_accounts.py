"""Who an SSO sign-in becomes: linked, imported, created, closed, and roles from groups."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.config import Settings
from app.models import AuditEvent, SsoIdentity, User
from tests.factories import make_department, make_user
from tests.oidc_fixtures import TestProvider
from tests.sso.conftest import counts, sso_sign_in, start

VERIFIED = {"email_verified": True}


def _user(session: Session, email: str) -> User:
    session.expire_all()
    return session.exec(select(User).where(col(User.email) == email)).one()


def test_sso_links_by_external_id_claim_without_email_match(
    client: TestClient, session: Session, provider: TestProvider
) -> None:
    ana = make_user(session, "ana@example.com")
    ana.external_id = "E-1001"
    session.add(ana)
    session.commit()
    provider.account(
        "sub-x", email="ana.new@example.com", email_verified=False, employee_id="E-1001"
    )
    assert sso_sign_in(client, provider, "sub-x").status_code == 303
    assert session.exec(select(SsoIdentity.user_id)).one() == ana.id


def test_sso_link_follows_sub_when_email_changes_at_provider(
    client: TestClient, session: Session, provider: TestProvider
) -> None:
    """Ana, linked, renames her provider address to Bob's: she still signs in as Ana."""
    ana = make_user(session, "ana@example.com", name="Ana")
    make_user(session, "bob@example.com", name="Bob")
    provider.account("sub-ana", email="ana@example.com", **VERIFIED)
    assert sso_sign_in(client, provider, "sub-ana").status_code == 303
    provider.account("sub-ana", email="bob@example.com", **VERIFIED)
    client.cookies.clear()
    assert sso_sign_in(client, provider, "sub-ana").status_code == 303
    assert "Ana" in client.get("/account").text
    links = session.exec(select(SsoIdentity.user_id)).all()
    assert links == [ana.id]


def test_sso_second_provider_account_with_linked_persons_email_refused(
    client: TestClient, session: Session, provider: TestProvider
) -> None:
    make_user(session, "ana@example.com")
    provider.account("sub-ana", email="ana@example.com", **VERIFIED)
    assert sso_sign_in(client, provider, "sub-ana").status_code == 303
    provider.account("sub-mallory", email="ana@example.com", **VERIFIED)
    client.cookies.clear()
    response = sso_sign_in(client, provider, "sub-mallory")
    assert response.status_code == 403
    assert 'data-reason="linked-elsewhere"' in response.text
    assert counts(session) == (1, 1)


def test_sso_deactivated_person_refused(
    client: TestClient, session: Session, provider: TestProvider
) -> None:
    make_user(session, "gone@example.com", active=False)
    provider.account("sub-gone", email="gone@example.com", **VERIFIED)
    response = sso_sign_in(client, provider, "sub-gone")
    assert response.status_code == 403
    assert "closed" in response.text
    assert counts(session) == (1, 0)


def test_sso_person_deactivated_after_linking_refused(
    client: TestClient, session: Session, provider: TestProvider
) -> None:
    ana = make_user(session, "ana@example.com")
    provider.account("sub-ana", email="ana@example.com", **VERIFIED)
    assert sso_sign_in(client, provider, "sub-ana").status_code == 303
    ana.active = False
    session.add(ana)
    session.commit()
    client.cookies.clear()
    assert sso_sign_in(client, provider, "sub-ana").status_code == 403


def test_sso_not_imported_asked_to_see_hr(
    client: TestClient, session: Session, provider: TestProvider
) -> None:
    provider.account("sub-new", email="new@example.com", **VERIFIED)
    response = sso_sign_in(client, provider, "sub-new")
    assert response.status_code == 403
    assert "Ask your HR team to add you" in response.text
    assert counts(session) == (0, 0)


def test_sso_not_imported_created_in_default_department_when_allowed(
    app: object, client: TestClient, session: Session, provider: TestProvider, settings: Settings
) -> None:
    dept = make_department(session, "Newcomers")
    settings.sso_create_accounts = True
    settings.sso_default_department = "Newcomers"
    provider.account("sub-new", email="New@Example.com", name="Nia New", **VERIFIED)
    assert sso_sign_in(client, provider, "sub-new").status_code == 303
    nia = _user(session, "new@example.com")
    assert (nia.name, nia.role, nia.department_id, nia.password_hash) == (
        "Nia New",
        "learner",
        dept.id,
        None,
    )
    assert counts(session) == (1, 1)


def test_sso_create_accounts_still_needs_verified_email(
    client: TestClient, session: Session, provider: TestProvider, settings: Settings
) -> None:
    settings.sso_create_accounts = True
    provider.account("sub-new", email="new@example.com", email_verified=False)
    assert sso_sign_in(client, provider, "sub-new").status_code == 403
    assert counts(session) == (0, 0)


def test_sso_domain_not_allowed_refused(
    client: TestClient, session: Session, provider: TestProvider, settings: Settings
) -> None:
    settings.sso_allowed_domains = "example.org, allowed.example"
    make_user(session, "ana@example.com")
    provider.account("sub-ana", email="ana@example.com", **VERIFIED)
    response = sso_sign_in(client, provider, "sub-ana")
    assert response.status_code == 403
    assert 'data-reason="domain"' in response.text
    assert counts(session) == (1, 0)


def test_sso_group_claim_grants_hr_and_removes_it_again(
    client: TestClient, session: Session, provider: TestProvider, settings: Settings
) -> None:
    settings.sso_group_claim = "groups"
    settings.sso_hr_groups = "people-team"
    settings.sso_facilitator_groups = "trainers"
    make_user(session, "ana@example.com")
    provider.account(
        "sub-ana", email="ana@example.com", groups=["staff", "people-team"], **VERIFIED
    )
    response = sso_sign_in(client, provider, "sub-ana")
    assert response.headers["location"] == "/hr"
    assert _user(session, "ana@example.com").role == "hr"
    provider.account("sub-ana", email="ana@example.com", groups=["trainers"], **VERIFIED)
    client.cookies.clear()
    sso_sign_in(client, provider, "sub-ana")
    assert _user(session, "ana@example.com").role == "facilitator"
    actions = session.exec(select(AuditEvent.action).where(AuditEvent.action == "sso.role")).all()
    assert len(actions) == 2


def test_sso_group_claim_never_changes_an_admin(
    client: TestClient, session: Session, provider: TestProvider, settings: Settings
) -> None:
    settings.sso_group_claim = "groups"
    settings.sso_hr_groups = "people-team"
    make_user(session, "root@example.com", role="admin")
    provider.account("sub-root", email="root@example.com", groups=[], **VERIFIED)
    assert sso_sign_in(client, provider, "sub-root").status_code == 303
    assert _user(session, "root@example.com").role == "admin"


def test_sso_signing_key_rotation_refetches_keys(
    client: TestClient, session: Session, provider: TestProvider
) -> None:
    make_user(session, "ana@example.com")
    provider.account("sub-ana", email="ana@example.com", **VERIFIED)
    assert sso_sign_in(client, provider, "sub-ana").status_code == 303
    provider.rotate()
    provider.account("sub-ana", email="ana@example.com", **VERIFIED)
    client.cookies.clear()
    assert sso_sign_in(client, provider, "sub-ana").status_code == 303


def test_sso_next_is_kept_but_never_leaves_the_site(
    client: TestClient, session: Session, provider: TestProvider
) -> None:
    make_user(session, "ana@example.com")
    provider.account("sub-ana", email="ana@example.com", **VERIFIED)
    kept = sso_sign_in(client, provider, "sub-ana", start(client, next="/account"))
    assert kept.headers["location"] == "/account"
    for evil in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        client.cookies.clear()
        response = sso_sign_in(client, provider, "sub-ana", start(client, next=evil))
        assert response.headers["location"] == "/"


def test_sso_first_sign_in_shows_privacy_page_once(
    client: TestClient, session: Session, provider: TestProvider
) -> None:
    make_user(session, "ana@example.com", privacy_seen=False)
    provider.account("sub-ana", email="ana@example.com", **VERIFIED)
    assert sso_sign_in(client, provider, "sub-ana").headers["location"].startswith("/privacy?")
    client.cookies.clear()
    assert sso_sign_in(client, provider, "sub-ana").headers["location"] == "/"
