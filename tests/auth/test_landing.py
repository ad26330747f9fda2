"""Everyone lands on their own home after signing in; a safe `next` wins; no open redirect."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.auth.landing import ADMIN_HOME, landing, role_home, safe_next
from tests.conftest import csrf_from, login
from tests.factories import make_user

HOMES = [("learner", "/"), ("hr", "/hr"), ("facilitator", "/live"), ("admin", ADMIN_HOME)]
# Each would leave the site if a browser followed it as given, or after its own clean-up
# (tabs and newlines dropped, a backslash read as a slash).
OFF_SITE = [
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "/\\/evil.example",
    "https://evil.example/hr",
    "http:evil.example",
    "javascript:alert(1)",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    " //evil.example",
    "evil.example",
    "%2F%2Fevil.example",
    "/%5C/x\\y",
]


def sign_in_with_next(client: TestClient, email: str, target: str) -> str:
    """Sign in from /login?next=<target>, as the form sends it back; the redirect's Location."""
    page = client.get("/login?next=" + quote(target, safe=""))
    assert page.status_code == 200
    response = client.post(
        "/login",
        data={
            "email": email,
            "password": "correct-horse-battery",
            "next": target,
            "csrf_token": csrf_from(page.text),
        },
    )
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


@pytest.mark.parametrize(("role", "home"), HOMES)
def test_sign_in_without_next_lands_on_the_roles_home(
    client: TestClient, session: Session, role: str, home: str
) -> None:
    make_user(session, f"{role}@example.com", role=role)
    response = login(client, f"{role}@example.com")
    assert response.headers["location"] == home  # type: ignore[attr-defined]
    assert client.get(home).status_code == 200


@pytest.mark.parametrize(("role", "home"), HOMES)
def test_every_role_can_still_take_the_course_from_the_navigation(
    client: TestClient, session: Session, role: str, home: str
) -> None:
    make_user(session, f"{role}@example.com", role=role)
    login(client, f"{role}@example.com")
    assert '<a href="/" ' in client.get(home).text.split('aria-label="Main"')[1]
    dashboard = client.get("/")
    assert dashboard.status_code == 200
    assert "My course" in dashboard.text


def test_learner_who_manages_people_lands_on_the_learner_dashboard(
    client: TestClient, session: Session
) -> None:
    boss = make_user(session, "boss@example.com", role="learner")
    report = make_user(session, "report@example.com", role="learner")
    report.manager_id = boss.id
    session.add(report)
    session.commit()
    assert login(client, "boss@example.com").headers["location"] == "/"  # type: ignore[attr-defined]


@pytest.mark.parametrize(("role", "home"), HOMES)
def test_bare_root_as_next_still_lands_on_the_roles_home(
    client: TestClient, session: Session, role: str, home: str
) -> None:
    make_user(session, f"{role}@example.com", role=role)
    assert client.get("/").headers["location"] == "/login?next=/"  # signed out at the root
    assert sign_in_with_next(client, f"{role}@example.com", "/") == home


def test_safe_next_wins_over_the_roles_home(client: TestClient, session: Session) -> None:
    make_user(session, "hr@example.com", role="hr")
    target = "/hr/people?q=ana&status=overdue#people-table"
    assert sign_in_with_next(client, "hr@example.com", target) == target


def test_a_page_asked_for_while_signed_out_comes_back_after_sign_in(
    client: TestClient, session: Session
) -> None:
    make_user(session, "fac@example.com", role="facilitator")
    asked = client.get("/modules/first-steps").headers["location"]
    assert asked == "/login?next=/modules/first-steps"
    assert sign_in_with_next(client, "fac@example.com", "/modules/first-steps") == (
        "/modules/first-steps"
    )


@pytest.mark.parametrize("target", OFF_SITE)
def test_off_site_next_lands_on_the_roles_home_instead(
    client: TestClient, session: Session, target: str
) -> None:
    make_user(session, "hr@example.com", role="hr")
    location = sign_in_with_next(client, "hr@example.com", target)
    assert location == "/hr"


@pytest.mark.parametrize("target", OFF_SITE)
def test_off_site_next_is_never_put_in_the_sign_in_form(client: TestClient, target: str) -> None:
    page = client.get("/login?next=" + quote(target, safe=""))
    assert 'name="next" value="/"' in page.text
    assert "evil.example" not in page.text


@pytest.mark.parametrize("target", OFF_SITE)
def test_signed_in_visit_to_login_with_off_site_next_goes_home(
    client: TestClient, session: Session, target: str
) -> None:
    make_user(session, "fac@example.com", role="facilitator")
    login(client, "fac@example.com")
    response = client.get("/login?next=" + quote(target, safe=""))
    assert response.status_code == 303
    assert response.headers["location"] == "/live"


def test_signed_in_visit_to_login_goes_to_the_roles_home(
    client: TestClient, session: Session
) -> None:
    make_user(session, "hr@example.com", role="hr")
    login(client, "hr@example.com")
    assert client.get("/login").headers["location"] == "/hr"
    assert client.get("/login?next=/hr/people").headers["location"] == "/hr/people"


def test_failed_sign_in_keeps_the_safe_next_and_drops_an_off_site_one(
    client: TestClient, session: Session
) -> None:
    make_user(session, "hr@example.com", role="hr")
    page = client.get("/login")
    for target, kept in (("/hr/people", "/hr/people"), ("//evil.example", "/")):
        response = client.post(
            "/login",
            data={
                "email": "hr@example.com",
                "password": "wrong",
                "next": target,
                "csrf_token": csrf_from(page.text),
            },
        )
        assert response.status_code == 422
        assert f'name="next" value="{kept}"' in response.text


@pytest.mark.parametrize("target", OFF_SITE)
def test_safe_next_refuses_every_off_site_form(target: str) -> None:
    assert safe_next(target) == "/"
    assert urlsplit(landing("hr", target)).netloc == ""


def test_safe_next_keeps_same_site_paths_with_query_and_fragment() -> None:
    for target in ("/modules/x", "/hr/people?q=a%2Fb&page=2", "/live#top", "/%2F%2Fx"):
        assert safe_next(target) == target


def test_unknown_role_gets_the_learner_home() -> None:
    assert role_home("auditor") == "/"
    assert landing("auditor", None) == "/"
