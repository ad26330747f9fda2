"""Every route against a declared permission table, as every role; a new route must be declared."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.conftest import QueryRecorder, csrf_from, login
from tests.factories import make_user
from tests.security.routes import all_routes, concrete

PUBLIC = "public"  # anyone, signed in or not
SIGNED_IN = "signed in"  # any role
API_KEY = "api key"  # bearer API keys only; cookies are refused
ROLES = ("learner", "facilitator", "hr", "admin")
FACILITATORS = {"facilitator", "admin"}
HR = {"hr", "admin"}
ADMIN = {"admin"}

PERMISSIONS: dict[tuple[str, str], object] = {
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/api/v1/openapi.json"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): PUBLIC,
    ("GET", "/password-reset"): PUBLIC,
    ("POST", "/password-reset"): PUBLIC,
    ("GET", "/verify/{code}"): PUBLIC,
    ("GET", "/invite/{token}"): PUBLIC,
    ("POST", "/invite/{token}"): PUBLIC,
    ("GET", "/j"): PUBLIC,
    ("GET", "/j/{code}"): PUBLIC,
    ("POST", "/j/{code}/join"): PUBLIC,
    ("POST", "/j/{code}/vote"): PUBLIC,
    ("POST", "/j/{code}/commitment"): PUBLIC,
    ("GET", "/j/{code}/events"): PUBLIC,  # only a phone let in hears anything (404 otherwise)
    ("POST", "/j/{code}/answer"): PUBLIC,
    ("GET", "/account"): SIGNED_IN,
    ("GET", "/sign-in/second-factor"): PUBLIC,  # answers only a pending sign-in's cookie
    ("POST", "/sign-in/second-factor"): PUBLIC,
    ("POST", "/sign-in/second-factor/enrol"): PUBLIC,
    ("GET", "/account/second-factor"): SIGNED_IN,
    ("POST", "/account/second-factor/start"): SIGNED_IN,
    ("POST", "/account/second-factor/confirm"): SIGNED_IN,
    ("POST", "/account/second-factor/off"): SIGNED_IN,
    ("POST", "/account/second-factor/codes"): SIGNED_IN,
    ("GET", "/admin/people/{user_id}/second-factor"): ADMIN,
    ("POST", "/admin/people/{user_id}/second-factor/reset"): ADMIN,
    ("POST", "/account/password"): SIGNED_IN,
    ("POST", "/session/keep-alive"): SIGNED_IN,
    ("GET", "/help"): PUBLIC,
    ("GET", "/"): SIGNED_IN,
    ("GET", "/modules/{module_id}"): SIGNED_IN,
    ("POST", "/modules/{module_id}/read"): SIGNED_IN,
    ("POST", "/modules/{module_id}/reflection"): SIGNED_IN,
    ("GET", "/commitments"): SIGNED_IN,  # issue 21: only the person's own
    ("GET", "/modules/{module_id}/commitment"): SIGNED_IN,
    ("POST", "/modules/{module_id}/commitment"): SIGNED_IN,
    ("POST", "/modules/{module_id}/commitment/check-in"): SIGNED_IN,
    ("POST", "/nudges"): SIGNED_IN,
    ("GET", "/nudges/stop"): PUBLIC,  # a signed link; refused without a valid signature
    ("POST", "/nudges/stop"): PUBLIC,
    ("POST", "/changes/{note_id}/hide"): SIGNED_IN,  # a 404 unless the note is the person's
    ("GET", "/refreshers/go/{token}"): SIGNED_IN,  # a 403 unless the signed link is the person's
    ("GET", "/refreshers/{module_id}/{round}"): SIGNED_IN,  # a 409 until the module is passed
    ("POST", "/refreshers/{module_id}/{round}"): SIGNED_IN,
    ("GET", "/modules/{module_id}/quiz"): SIGNED_IN,
    ("GET", "/measures"): SIGNED_IN,  # the person's own self-assessment only
    ("GET", "/measures/before"): SIGNED_IN,
    ("POST", "/measures/before"): SIGNED_IN,
    ("GET", "/measures/after"): SIGNED_IN,
    ("POST", "/measures/after"): SIGNED_IN,
    ("POST", "/modules/{module_id}/quiz"): SIGNED_IN,
    ("GET", "/modules/{module_id}/attempts/{attempt_id}"): SIGNED_IN,
    ("GET", "/certificate"): SIGNED_IN,
    ("GET", "/certificate/{cycle}"): SIGNED_IN,  # only the person's own (tests/recert)
    ("GET", "/live/commitments"): SIGNED_IN,
    ("GET", "/live"): FACILITATORS,
    ("GET", "/live/new"): FACILITATORS,
    ("POST", "/live"): FACILITATORS,
    ("GET", "/live/guides/{module_id}"): FACILITATORS,
    ("GET", "/live/{session_id:int}"): FACILITATORS,
    ("GET", "/live/{session_id:int}/remote"): FACILITATORS,
    ("GET", "/live/{session_id:int}/present"): FACILITATORS,
    ("GET", "/live/{session_id:int}/events"): FACILITATORS,
    ("POST", "/live/{session_id:int}/step"): FACILITATORS,
    ("POST", "/live/{session_id:int}/countdown"): FACILITATORS,
    ("POST", "/live/{session_id:int}/headcount"): FACILITATORS,
    ("POST", "/live/{session_id:int}/admission"): FACILITATORS,
    ("POST", "/live/{session_id:int}/admission/ticket"): FACILITATORS,
    ("POST", "/live/{session_id:int}/answers/open"): FACILITATORS,
    ("POST", "/live/{session_id:int}/answers/close"): FACILITATORS,
    ("POST", "/live/{session_id:int}/answers/{answer_id:int}"): FACILITATORS,
    ("GET", "/live/{session_id:int}/qr.svg"): FACILITATORS,
    ("GET", "/live/{session_id:int}/summary"): FACILITATORS,
    ("GET", "/live/{session_id:int}/summary.csv"): FACILITATORS,
    ("GET", "/live/plans"): FACILITATORS,
    ("GET", "/live/plans/new"): FACILITATORS,
    ("POST", "/live/plans"): FACILITATORS,
    ("GET", "/live/plans/{plan_id:int}"): FACILITATORS,
    ("POST", "/live/plans/{plan_id:int}"): FACILITATORS,
    ("POST", "/live/plans/{plan_id:int}/cancel"): FACILITATORS,
    ("POST", "/live/plans/{plan_id:int}/open"): FACILITATORS,
    ("GET", "/hr"): HR,
    ("GET", "/hr/people"): HR,
    ("GET", "/hr/people/export.csv"): HR,
    ("GET", "/hr/people/{user_id}"): HR,
    ("GET", "/hr/scenarios"): HR,
    ("GET", "/hr/sessions"): HR,
    ("POST", "/hr/people/{user_id}/invite"): HR,
    ("POST", "/hr/people/{user_id}/reset-email"): HR,
    ("POST", "/hr/people/{user_id}/active"): HR,
    ("POST", "/hr/people/{user_id}/role"): ADMIN,
    ("GET", "/hr/people/{user_id}/assignments/{module_id}/remove"): HR,
    ("POST", "/hr/people/{user_id}/assignments/{module_id}/remove"): HR,
    ("GET", "/hr/people/add"): HR,
    ("POST", "/hr/people/add"): HR,
    ("GET", "/hr/people/{user_id}/edit"): HR,
    ("POST", "/hr/people/{user_id}/edit"): HR,
    ("POST", "/hr/people/bulk"): HR,
    ("GET", "/hr/import"): HR,
    ("POST", "/hr/import"): HR,
    ("GET", "/hr/import/{batch_id}"): HR,
    ("POST", "/hr/import/{batch_id}/apply"): HR,
    ("GET", "/hr/assignments"): HR,
    ("POST", "/hr/assignments"): HR,
    ("POST", "/hr/assignments/due"): HR,
    ("POST", "/hr/assignments/rules/{rule_id}/delete"): HR,
    ("GET", "/hr/reminders"): HR,
    ("POST", "/hr/reminders/send"): HR,
    ("GET", "/hr/reminders/schedule"): HR,
    ("POST", "/hr/reminders/schedule"): HR,
    ("GET", "/hr/emails"): HR,
    ("GET", "/hr/emails/{kind}"): HR,
    ("POST", "/hr/emails/{kind}"): HR,
    ("POST", "/hr/emails/{kind}/preview"): HR,
    ("POST", "/hr/emails/{kind}/test"): HR,
    ("POST", "/hr/emails/{kind}/restore"): HR,
    ("GET", "/hr/audit"): ADMIN,
    ("GET", "/hr/api-keys"): ADMIN,
    ("POST", "/hr/api-keys"): ADMIN,
    ("POST", "/hr/api-keys/{key_id}/revoke"): ADMIN,
    ("GET", "/privacy"): PUBLIC,
    ("GET", "/org/logo"): PUBLIC,  # shown in every page's header, signed in or not
    ("GET", "/org/theme.css"): PUBLIC,
    ("GET", "/team"): SIGNED_IN,  # and a 404 for anyone without reports (tests/team)
    ("POST", "/account/digest"): SIGNED_IN,  # likewise
    ("GET", "/admin/settings"): ADMIN,
    ("POST", "/admin/settings"): ADMIN,
    ("POST", "/admin/settings/logo"): ADMIN,
    ("POST", "/admin/settings/logo/remove"): ADMIN,
    ("GET", "/admin/recertification"): ADMIN,
    ("GET", "/admin/sso"): ADMIN,
    ("POST", "/admin/sso"): ADMIN,
    ("POST", "/admin/sso/test"): ADMIN,
    ("GET", "/sso/start"): PUBLIC,
    ("GET", "/sso/callback"): PUBLIC,
    ("POST", "/admin/recertification"): ADMIN,
    ("GET", "/api/v1/modules"): API_KEY,
    ("GET", "/api/v1/people/{external_id}"): API_KEY,
    ("PUT", "/api/v1/people/{external_id}"): API_KEY,
    ("GET", "/api/v1/progress"): API_KEY,
    ("GET", "/api/v1/departments"): API_KEY,
    ("GET", "/api/v1/people"): API_KEY,
    ("POST", "/api/v1/people/batch"): API_KEY,
    ("GET", "/api/v1/people/{external_id}/assignments"): API_KEY,
    ("GET", "/api/v1/people/{external_id}/assignments/{module_id}"): API_KEY,
    ("PUT", "/api/v1/people/{external_id}/assignments/{module_id}"): API_KEY,
    ("DELETE", "/api/v1/people/{external_id}/assignments/{module_id}"): API_KEY,
    ("POST", "/api/v1/assignments/bulk"): API_KEY,
    ("POST", "/api/v1/assignments/bulk-remove"): API_KEY,
    ("GET", "/api/v1/events"): API_KEY,
    ("GET", "/admin/webhooks"): ADMIN,
    ("POST", "/admin/webhooks"): ADMIN,
    ("POST", "/admin/webhooks/{endpoint_id}/events"): ADMIN,
    ("POST", "/admin/webhooks/{endpoint_id}/off"): ADMIN,
    ("POST", "/admin/webhooks/{endpoint_id}/on"): ADMIN,
    ("POST", "/admin/webhooks/deliveries/{delivery_id}/replay"): ADMIN,
    **{
        (method, f"/scim/v2{path}"): API_KEY  # SCIM: a key with the scim scope
        for method, path in (
            ("GET", "/ServiceProviderConfig"),
            ("GET", "/ResourceTypes"),
            ("GET", "/ResourceTypes/{name}"),
            ("GET", "/Schemas"),
            ("GET", "/Schemas/{schema_id}"),
            ("POST", "/.search"),
            ("GET", "/Users"),
            ("POST", "/Users"),
            ("POST", "/Users/.search"),
            ("GET", "/Users/{scim_id}"),
            ("PUT", "/Users/{scim_id}"),
            ("PATCH", "/Users/{scim_id}"),
            ("DELETE", "/Users/{scim_id}"),
            ("GET", "/Groups"),
            ("POST", "/Groups"),
            ("POST", "/Groups/.search"),
            ("GET", "/Groups/{scim_id}"),
            ("PUT", "/Groups/{scim_id}"),
            ("PATCH", "/Groups/{scim_id}"),
            ("DELETE", "/Groups/{scim_id}"),
        )
    },
}


def test_every_route_has_a_declared_permission(app: FastAPI) -> None:
    routes = set(all_routes(app))
    undeclared = routes - set(PERMISSIONS)
    assert not undeclared, f"declare who may use these routes in PERMISSIONS: {sorted(undeclared)}"
    assert not set(PERMISSIONS) - routes, "PERMISSIONS lists routes that no longer exist"


def client_as(app: FastAPI, session: Session, role: str | None) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    if role is not None:
        make_user(session, f"{role}@example.com", name=role.title(), role=role)
        assert login(client, f"{role}@example.com").status_code == 303
    return client


def send(client: TestClient, method: str, path: str) -> object:
    url = concrete(path)
    if method == "GET":
        return client.get(url)
    token = csrf_from(
        client.get("/login" if "allyship_session" not in client.cookies else "/account").text
    )
    return client.request(method, url, data={"csrf_token": token}, headers={"X-CSRF-Token": token})


def refused(response: object, role: str | None) -> bool:
    status = response.status_code  # type: ignore[attr-defined]
    location = response.headers.get("location", "")  # type: ignore[attr-defined]
    if role is None:
        return status in (401, 403) or (status == 303 and location.startswith("/login"))
    return status in (401, 403)


@pytest.mark.parametrize("role", [None, *ROLES])
def test_each_role_reaches_only_what_the_table_allows(
    app: FastAPI, session: Session, role: str | None
) -> None:
    client = client_as(app, session, role)
    wrong: list[str] = []
    for (method, path), allowed in PERMISSIONS.items():
        if (method, path) == ("POST", "/logout"):
            continue  # would end this client's session mid-walk; covered in tests/auth
        response = send(client, method, path)
        if allowed == PUBLIC:
            expect_ok = True
        elif allowed == SIGNED_IN:
            expect_ok = role is not None
        elif allowed == API_KEY:
            expect_ok = False  # a browser session is never an API key
        else:
            expect_ok = role in allowed  # type: ignore[operator]
        if refused(response, role) == expect_ok:
            wrong.append(f"{method} {path} as {role or 'anonymous'}: {response.status_code}")  # type: ignore[attr-defined]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("role", [None, "learner", "hr"])
def test_no_get_request_writes_to_the_database(
    app: FastAPI, session: Session, role: str | None, query_recorder: QueryRecorder
) -> None:
    """Seen where every statement passes (app/db/trace.py): plain SQL, the loop's reads and
    the writer thread's transactions as well as the ORM's."""
    client = client_as(app, session, role)

    def allowed(path: str, statement: str) -> bool:
        text = statement.lstrip()
        # Recording who downloaded an export is required evidence, not a change to data.
        # So is counting a join code that matched no session (throttles code guessing).
        if text.startswith(("INSERT INTO auditevent", "INSERT INTO livejoin")) or (
            text.startswith("DELETE FROM livejoin")
        ):
            return True
        # Opening a quiz fixes its paper once (the server draws scenarios and option order;
        # a reload shows the same draw): the one GET that inserts, and only its draw.
        return path == "/modules/{module_id}/quiz" and text.startswith(
            ("INSERT INTO quizdraw", "INSERT INTO drawnscenario")
        )

    for method, path in PERMISSIONS:
        if method == "GET":
            with query_recorder:
                client.get(concrete(path))
            wrote = [
                w.split("\n", 1)[0][:80] for w in query_recorder.writes if not allowed(path, w)
            ]
            assert wrote == [], f"GET {path} wrote: {wrote}"


def test_a_reloaded_quiz_page_writes_nothing(
    app: FastAPI, session: Session, query_recorder: QueryRecorder
) -> None:
    """The quiz page's draw is made once: opening the same quiz again only reads."""
    client = client_as(app, session, "learner")
    assert client.get("/modules/first-steps/quiz").status_code == 200
    with query_recorder:
        assert client.get("/modules/first-steps/quiz").status_code == 200
    assert query_recorder.writes == []


def test_the_get_write_check_sees_a_write_made_in_plain_sql(
    app: FastAPI, session: Session, query_recorder: QueryRecorder
) -> None:
    """The check above would fail: a raw DBAPI write shows up among the recorded writes."""
    from app.db import RawQuery, execute, held

    with query_recorder, held(app.state.engine) as source:
        execute(source, RawQuery.of("UPDATE department SET name = name WHERE id = -1"), {})
    assert any(w.startswith("UPDATE department") for w in query_recorder.writes)
