"""What the route fuzzer needs: every parameter of every route, a valid value for each, and a world.

Parameters are found by walking each route's dependencies (path, query, form and file
fields, a JSON body's fields) plus the few fields routes read themselves (EXTRA_QUERY,
EXTRA_FORM). A new parameter needs a valid value in VALID (or is left out when optional),
so the fuzzer sends well-formed requests in which exactly one value is odd.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from fastapi.params import Body, File, Form
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlmodel import Session, select

from app.api.keys import create_key
from app.auth import invites
from app.hr import assignments, importing
from app.models import LiveSession, QuizAttempt, User
from app.web.forms import label
from tests.conftest import csrf_from, login
from tests.events.conftest import webhook_with_delivery
from tests.factories import make_department, make_user
from tests.live.conftest import TO_VOTE_1, join, start_session
from tests.live.open_answers_helpers import question_with_answer
from tests.live.plan_helpers import planned
from tests.security.test_permissions import API_KEY, FACILITATORS, PERMISSIONS, PUBLIC, SIGNED_IN

ODD_VALUES = {
    "2^63": str(2**63),
    "2^31": str(2**31),
    "-1": "-1",
    "superscript two": "²",
    "Arabic-Indic three": "٣",
    "a NUL": "a\x00b",
    "10,000 characters": "x" * 10_000,
}
# More odd values for some parameters: times without a zone or beyond the calendar once
# in UTC, and cursors this API never made (base64 of "time|id").
MORE_ODD_VALUES = {
    "since": ["2026-01-31T00:00:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"],
    "cursor": [
        base64.urlsafe_b64encode(raw.encode()).decode()
        for raw in (
            "2026-01-31T00:00:00|1",
            f"2026-01-31T00:00:00+00:00|{2**63}",
            "9999-12-31T23:59:59-14:00|1",
        )
    ],
}
MULTIPART_NUL = "a NUL, the form sent as multipart"
# A people file whose only odd byte is a NUL after the first 64 KiB (the binary sniff).
LATE_NUL_CSV = (
    "email,name\n"
    + "".join(f"person{i}@example.com,Person {i}\n" for i in range(2500))
    + "late@example.com,Late\x00Person\n"
).encode()
# Routes that end or replace the sign-in they are sent with: fuzzed signed out only.
SIGNED_OUT_ONLY = {("POST", "/login"), ("POST", "/logout"), ("POST", "/invite/{token}")}
WHO = (None, "learner", "facilitator", "hr", "admin", API_KEY)
NEW_PASSWORD = "a brand new passphrase"
Value = str | list[str] | Callable[["World"], str]
# Valid values, by (method, path, name) or, when shared, by name.
VALID: dict[Any, Value] = {
    "module_id": "first-steps",
    "text": "I will name whose idea it was.",
    "email": "visitor@example.com",
    "password": "correct-horse-battery",
    "next": "/",
    "current_password": "correct-horse-battery",
    "new_password": NEW_PASSWORD,
    "confirm_password": NEW_PASSWORD,
    "confirm": NEW_PASSWORD,
    "scenario_id": "standup",
    "choice": "credit",
    "scenario": ["standup"],
    "action": "back",
    "version": lambda w: str(w.live_version()),
    "view": "present",
    "active": "yes",
    "headcount": "20",
    "decision": "let_in",
    "participant": "all",
    "role": "learner",
    "attendance": "yes",
    "minutes": "5",
    "scope": "modules",
    "modules": ["first-steps"],
    "departments": lambda w: w.ids["department"],
    "department": lambda w: w.ids["department"],
    "emails": "lee@example.com",
    "due": "2099-01-31",
    "name": "Fuzzed key",
    "file": "email,name\nnew.person@example.com,New Person\n",
    "fingerprint": "0" * 64,
    "drawn": "0" * 16,
    "manager_email": "",
    "answer-standup": "credit",
    "answer-review": "finish",
    "quiz_hash": lambda w: w.app.state.catalog.get("first-steps").quiz.content_hash,
    "submission_id": lambda _w: uuid.uuid4().hex,
    "url": "https://hooks.example.com/allyship",
    "kinds": ["*"],
    "description": "Fuzzed endpoint",
    "code": "123456",  # a second-factor code: refused (no factor), never a 500
    "answer": "correct-horse-battery",
    # The "Yes, ..." boxes of the one-person destructive forms (outside test F21).
    ("POST", "/hr/people/{user_id}/active", "confirm"): "yes",
    ("POST", "/admin/settings/logo/remove", "confirm"): "yes",
    ("POST", "/hr/emails/{kind}/restore", "confirm"): "yes",
    ("POST", "/live/plans", "module_id"): "first-steps",
    ("POST", "/live/plans", "day"): "2030-01-15",
    ("POST", "/live/plans", "time"): "10:00",
    ("POST", "/live/plans/{plan_id:int}", "module_id"): "first-steps",
    ("POST", "/live/plans/{plan_id:int}", "day"): "2030-01-15",
    ("POST", "/live/plans/{plan_id:int}", "time"): "10:00",
    ("POST", "/live/plans/{plan_id:int}", "sequence"): "0",
    ("POST", "/live/plans/{plan_id:int}/cancel", "sequence"): "0",
    ("POST", "/live/plans/{plan_id:int}/open", "sequence"): "0",
    ("POST", "/refreshers/{module_id}/{round}", "answer"): "A",  # a letter, as the quiz's
    ("POST", "/refreshers/{module_id}/{round}", "scenario"): "standup",
    ("POST", "/live/{session_id:int}/answers/open", "kind"): "questions",
    ("POST", "/live/{session_id:int}/admission/ticket", "ticket"): "3f9a",  # any case
    ("POST", "/live/{session_id:int}/answers/{answer_id:int}", "decision"): "approve",
    ("PUT", "/api/v1/people/{external_id}", "email"): "ext@example.com",
    ("PUT", "/api/v1/people/{external_id}", "name"): "Ext Person",
    ("PUT", "/api/v1/people/{external_id}", "active"): lambda _w: True,  # type: ignore[dict-item]
    "external_ids": ["EXT-1"],
    "module_ids": ["first-steps"],
    "idempotency-key": lambda _w: uuid.uuid4().hex,
    ("POST", "/api/v1/people/batch", "people"): lambda _w: [  # type: ignore[dict-item]
        {"external_id": "EXT-1", "email": "ext@example.com", "name": "Ext Person"}
    ],
}
# Fields a route reads from the request itself rather than declaring them.
EXTRA_QUERY = {
    ("GET", "/account"): ["changed"],
    ("GET", "/account/second-factor"): ["done"],
    ("GET", "/admin/people/{user_id}/second-factor"): ["done"],
    ("GET", "/hr/assignments"): ["done", "due", "people", "created", "already", "moved"],
    ("GET", "/hr/reminders"): ["queued", "digests"],
    ("GET", "/hr/people"): ["done", "people", "changed", "unchanged", "modules", "due"],
}
_SCIM_USER = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "userName": "lee@example.com",
    "displayName": "Lee Person",
}
_SCIM_GROUP = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Sales"}
_SCIM_PATCH = {
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [{"op": "replace", "path": "displayName", "value": "Sales"}],
}
_SCIM_SEARCH = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}
# Whole JSON bodies of routes that read their body themselves (SCIM, after the key).
EXTRA_JSON: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/scim/v2/Users"): _SCIM_USER,
    ("PUT", "/scim/v2/Users/{scim_id}"): _SCIM_USER,
    ("PATCH", "/scim/v2/Users/{scim_id}"): _SCIM_PATCH,
    ("POST", "/scim/v2/Groups"): _SCIM_GROUP,
    ("PUT", "/scim/v2/Groups/{scim_id}"): _SCIM_GROUP,
    ("PATCH", "/scim/v2/Groups/{scim_id}"): _SCIM_PATCH,
    ("POST", "/scim/v2/.search"): _SCIM_SEARCH,
    ("POST", "/scim/v2/Users/.search"): _SCIM_SEARCH,
    ("POST", "/scim/v2/Groups/.search"): _SCIM_SEARCH,
}
EXTRA_FORM = {
    ("POST", "/modules/{module_id}/quiz"): [
        "answer-standup",
        "answer-review",
        "quiz_hash",
        "submission_id",
    ],
}


@dataclass(frozen=True)
class Param:
    where: str  # path, query, header, form, file or json
    name: str
    label: str
    required: bool


def _params_of(dependant: Any) -> list[Param]:
    found = []
    for where, fields in (
        ("path", dependant.path_params),
        ("query", dependant.query_params),
        ("header", dependant.header_params),
        ("body", dependant.body_params),
    ):
        for f in fields:
            info = f.field_info
            if where == "body" and isinstance(info, Body) and not isinstance(info, Form):
                model: type[BaseModel] = info.annotation
                found += [
                    Param("json", name, name, spec.is_required())
                    for name, spec in model.model_fields.items()
                ]
                continue
            kind = where if where != "body" else "file" if isinstance(info, File) else "form"
            found.append(Param(kind, f.alias, label(info, f.alias), info.is_required()))
    for sub in dependant.dependencies:
        found += _params_of(sub)
    return found


def route_params(method: str, path: str, route: Any) -> list[Param]:
    """Every parameter of the route, declared or read by hand, each once."""
    dependant = getattr(route, "dependant", None)
    params = _params_of(dependant) if dependant is not None else []
    params += [Param("query", n, n, False) for n in EXTRA_QUERY.get((method, path), [])]
    params += [Param("form", n, n, False) for n in EXTRA_FORM.get((method, path), [])]
    return list({(p.where, p.name): p for p in params}.values())


def may_use(who: str | None, method: str, path: str) -> bool:
    allowed = PERMISSIONS[(method, path)]
    if who == API_KEY or allowed == API_KEY:
        return who == allowed
    if (method, path) in SIGNED_OUT_ONLY:
        return who is None
    if allowed == PUBLIC:
        return True
    if allowed == SIGNED_IN:
        return who is not None
    return who in allowed  # type: ignore[operator]


@dataclass
class World:
    """One of everything the routes' ids point at, made as (or for) the fuzzing role."""

    app: FastAPI
    session: Session
    client: TestClient
    who: str | None
    ids: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    live_id: int = 0
    token: str = ""

    def live_version(self) -> int:
        self.session.expire_all()
        live = self.session.get(LiveSession, self.live_id)
        return live.version if live else 0

    def csrf(self) -> str:
        """The client's CSRF token (bound to its sign-in, or its anonymous cookie)."""
        if not self.token:
            signed_in = "allyship_session" in self.client.cookies
            self.token = csrf_from(self.client.get("/account" if signed_in else "/login").text)
        return self.token

    def valid(self, method: str, path: str, param: Param) -> str | list[str] | None:
        if param.where == "path":
            return self.ids[param.name]
        value = VALID.get((method, path, param.name), VALID.get(param.name))
        if value is None:
            assert not param.required, f"add a valid value for {method} {path} {param.name}"
            return None
        return value(self) if callable(value) else value


def build_world(app: FastAPI, session: Session, who: str | None) -> World:
    client = TestClient(app, follow_redirects=False, raise_server_exceptions=False)
    world = World(app, session, client, who)
    department = make_department(session, "Sales")
    lee = make_user(session, "lee@example.com", name="Lee Person", department=department)
    lee.external_id = "EXT-1"
    session.add(lee)
    session.commit()
    make_user(session, "visitor@example.com", name="Visitor")
    hr = make_user(session, "hr.owner@example.com", name="Hr Owner", role="hr")
    invited = make_user(session, "new@example.com", name="New Person")
    invited.password_hash = None  # never signed in: HR may show a link for it
    session.add(invited)
    session.commit()
    _user, link = invites.issue_link(session, app.state.settings, actor=hr, user_id=invited.id or 0)
    batch, _plan = importing.preview_batch(
        session, actor=hr, filename="people.csv", data=VALID["file"].encode(), leavers=False
    )
    catalog = app.state.catalog
    assignments.assign(
        session,
        catalog,
        actor_id=hr.id,
        module_ids=["first-steps"],
        department_ids=[department.id or 0],
        emails=[],
        due=None,
        default_due_days=30,
    )
    session.commit()
    rule = session.exec(select(assignments.AssignmentRule)).first()
    key, secret = create_key(session, name="fuzz", scopes=["read", "write", "scim"], actor_id=None)
    hook, delivery = webhook_with_delivery(session)
    if who == API_KEY:
        world.headers["Authorization"] = f"Bearer {secret}"
    elif who is not None:
        make_user(session, f"{who}@example.com", name=who.title(), role=who)
        assert login(client, f"{who}@example.com").status_code == 303  # type: ignore[attr-defined]
    owner = client
    if who not in FACILITATORS:
        owner = TestClient(app, follow_redirects=False)
        make_user(session, "fay@example.com", name="Fay", role="facilitator")
        assert login(owner, "fay@example.com").status_code == 303  # type: ignore[attr-defined]
    live = start_session(owner)
    if who != API_KEY:
        join(app, live.code, client)
    live.go(TO_VOTE_1)
    answer_id = question_with_answer(app, live)
    world.live_id = live.id
    attempt = 0
    if who not in (None, API_KEY):
        user = session.exec(select(User).where(User.email == f"{who}@example.com")).one()
        data = {k: VALID[k] for k in EXTRA_FORM[("POST", "/modules/{module_id}/quiz")]}
        data = {k: v(world) if callable(v) else v for k, v in data.items()}
        posted = client.post("/modules/first-steps/quiz", data={"csrf_token": world.csrf(), **data})
        assert posted.status_code in (200, 303), posted.text
        found = session.exec(select(QuizAttempt.id).where(QuizAttempt.user_id == user.id)).first()
        attempt = found or 0
    world.ids.update(
        module_id="first-steps",
        round="1",  # /refreshers/{module_id}/{round}
        plan_id=str(
            planned(session, "fay@example.com" if who not in FACILITATORS else f"{who}@example.com")
        ),
        attempt_id=str(attempt),
        code=live.code,
        session_id=str(live.id),
        answer_id=str(answer_id),
        user_id=str(lee.id),
        batch_id=str(batch.id),
        rule_id=str(rule.id if rule else 0),
        key_id=str(key.id),
        token=link.rsplit("/", 1)[1],
        external_id="EXT-1",
        department=str(department.id),
        kind="reminder",  # an e-mail text (/hr/emails/{kind})
        endpoint_id=str(hook.id),
        delivery_id=str(delivery.id),
        scim_id=str(lee.id),  # /scim/v2/Users/{scim_id}; lee's department has the same id
        name="User",  # /scim/v2/ResourceTypes/{name}
        schema_id="urn:ietf:params:scim:schemas:core:2.0:User",
    )
    return world
