"""Every HTML form route answers a malformed form with 422 and its own page; nothing is written.

The routes are found by walking the app, so a new form route is tested as soon as it
exists, and fails here until it declares its page with `app.web.forms.form_page`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, get_args, get_origin

import pytest
from annotated_types import MaxLen
from fastapi import FastAPI
from fastapi.params import Form
from fastapi.testclient import TestClient
from sqlmodel import Session, SQLModel, func, select

from app.auth import invites
from app.config import Settings
from app.hr import importing
from app.main import create_app
from app.models import User, row_id
from app.web.forms import STALE, field_kind, label
from tests.auth.second_factor.helpers import factor_world
from tests.conftest import FIXTURE_COURSE, csrf_from
from tests.factories import make_user
from tests.live.conftest import TO_VOTE_1, TO_WRAPUP, join, signed_in, start_session
from tests.live.open_answers_helpers import open_question, question_with_answer
from tests.live.plan_helpers import planned
from tests.refreshers.helpers import pass_module
from tests.security.routes import concrete, routes_with_paths
from tests.security.test_permissions import PERMISSIONS, PUBLIC, ROLES, SIGNED_IN, client_as

TEXT_TYPES = {"text", "email", "search", "url", "tel", "date", "number", None}
# Routes whose form page is still to come (none now): they are expected to fail.
PENDING: dict[str, str] = {}
# Where a group session must be for the form on the phone to be there.
STEPS = {"/j/{code}/vote": TO_VOTE_1, "/j/{code}/commitment": TO_WRAPUP}


def form_routes(app: FastAPI) -> dict[str, Any]:
    """Path template -> route, for every non-API POST route that takes form fields."""
    return {
        path: route
        for path, route in routes_with_paths(app)
        if "POST" in route.methods
        and not path.startswith("/api/")
        and any(isinstance(f.field_info, Form) for f in route.dependant.body_params)
    }


def _collect() -> dict[str, Any]:
    app = create_app(Settings(database_url="sqlite://", content_dir=FIXTURE_COURSE))
    app.state.engine.dispose()
    return form_routes(app)


FORM_ROUTES = _collect()


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    inside: list[Element]
    text: str = ""


@dataclass
class Page(HTMLParser):
    """The elements of a page, with the text inside each (enough for forms and messages)."""

    elements: list[Element] = field(default_factory=list)
    _open: list[Element] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, list(self._open))
        self.elements.append(element)
        if tag not in ("input", "img", "br", "meta", "link", "hr"):
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i].tag == tag:
                del self._open[i:]
                return

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.text += data

    def find(self, tag: str | None = None, **attrs: str) -> list[Element]:
        return [
            e
            for e in self.elements
            if (tag is None or e.tag == tag) and all(e.attrs.get(k) == v for k, v in attrs.items())
        ]


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    return page


def rows(session: Session) -> dict[str, int]:
    return {
        t.name: session.exec(select(func.count()).select_from(t)).one()  # type: ignore[call-overload]
        for t in SQLModel.metadata.sorted_tables
    }


def role_for(path: str) -> str | None:
    allowed = PERMISSIONS[("POST", path)]
    if allowed == PUBLIC:
        return None
    if allowed == SIGNED_IN:
        return "learner"
    return min(allowed, key=ROLES.index)  # type: ignore[call-overload]


def world(app: FastAPI, session: Session, client: TestClient, path: str) -> str:
    """Create what the path's ids point at (and the state its form needs); the concrete URL."""
    values: dict[str, str] = {}
    if "{user_id}" in path:
        values["{user_id}"] = str(make(session, "lee@example.com").id)
    if "{token}" in path:
        invited = make(session, "new@example.com")
        invited.password_hash = None  # a link on screen exists only for a never-used account
        session.add(invited)
        session.commit()
        issuer = make_user(session, "issuer@example.com", role="admin")
        _user, link = invites.issue_link(
            session, app.state.settings, actor=issuer, user_id=invited.id or 0
        )
        values["{token}"] = link.rsplit("/", 1)[1]
    if "{batch_id}" in path:
        hr = session.exec(select(User).where(User.role == "hr")).one()
        data = b"email,name\nnew.person@example.com,New Person\n"
        batch, _plan = importing.preview_batch(
            session, actor=hr, filename="people.csv", data=data, leavers=False
        )
        values["{batch_id}"] = str(batch.id)
    if "{session_id:int}" in path:
        waiting = path.endswith(("/admission", "/admission/ticket"))  # a phone waits: its forms
        live = start_session(client, headcount=None if waiting else 30)
        if waiting:
            join(app, live.code)
        if path.endswith(("/answers/close", "/answers/{answer_id:int}")):
            values["{answer_id:int}"] = str(question_with_answer(app, live))
        values["{session_id:int}"] = str(live.id)
    if "{plan_id:int}" in path:
        values["{plan_id:int}"] = str(planned(session, "facilitator@example.com"))
    if "{code}" in path:
        facilitator, _user = signed_in(app, session, "fay@example.com", role="facilitator")
        live = start_session(facilitator)
        if path != "/j/{code}/join":
            join(app, live.code, client)
        live.go(STEPS.get(path, 0))
        if path == "/j/{code}/answer":
            assert open_question(live).status_code == 303
        values["{code}"] = live.code
    if path == "/account/digest":  # only a manager has the digest form: give them a report
        manager = session.exec(select(User).where(User.email == "learner@example.com")).one()
        report = make(session, "report@example.com")
        report.manager_id = manager.id
        session.add(report)
        session.commit()
    if "second-factor" in path:
        factor_world(app, session, client, path, values.get("{user_id}"))
    if path.endswith("/commitment/check-in"):  # the check-in form shows once one is due
        _due_commitments(session)
    if path == "/refreshers/{module_id}/{round}":  # round 1 opens 2 days after the pass
        learner = session.exec(select(User).where(User.email == "learner@example.com")).one()
        pass_module(session, row_id(learner), days_ago=3, module_id="first-steps")
        values |= {"{module_id}": "first-steps", "{round}": "1"}
    if path.endswith("/{module_id}/commitment"):  # a plan is written once the module is passed
        _passed_first_steps(session)
    url = path
    for placeholder, value in values.items():
        url = url.replace(placeholder, value)
    return concrete(url)


def _due_commitments(session: Session) -> None:
    from app.clock import utcnow
    from app.models import Commitment

    for person in session.exec(select(User)).all():
        due = Commitment(user_id=person.id, module_id="first-steps", situation="s", action="a")
        due.check_on = utcnow().date()
        session.add(due)
    session.commit()


def _passed_first_steps(session: Session) -> None:
    from app.models import Completion

    for person in session.exec(select(User)).all():
        session.add(Completion(user_id=person.id, module_id="first-steps"))
    session.commit()


def make(session: Session, email: str) -> User:
    from tests.factories import make_user

    return make_user(session, email, name=email.split("@")[0].title())


@dataclass
class Case:
    client: TestClient
    url: str
    route: Any
    session: Session

    def post(self, data: dict[str, Any]) -> Any:
        signed_in = "allyship_session" in self.client.cookies
        token = csrf_from(self.client.get("/account" if signed_in else "/login").text)
        before = rows(self.session)
        response = self.client.post(self.url, data={"csrf_token": token, **data})
        assert rows(self.session) == before, f"{self.url} wrote to the database"
        return response


def fields(route: Any) -> dict[str, Any]:
    return {f.alias: f.field_info for f in route.dependant.body_params}


def max_length(info: Any) -> int | None:
    return next((m.max_length for m in info.metadata if isinstance(m, MaxLen)), None)


def is_list(info: Any) -> bool:
    return any(get_origin(t) is list for t in (info.annotation, *get_args(info.annotation)))


def routes_where(test: Callable[[Any], object]) -> list[Any]:
    return [
        pytest.param(p, marks=pytest.mark.xfail(reason=PENDING[p], strict=True))
        if p in PENDING
        else p
        for p, route in sorted(FORM_ROUTES.items())
        if any(test(info) for info in fields(route).values())
    ]


@pytest.fixture
def case(request: pytest.FixtureRequest, app: FastAPI, session: Session) -> Case:
    path = request.param
    client = client_as(app, session, role_for(path))
    return Case(client, world(app, session, client, path), FORM_ROUTES[path], session)


def assert_form_page_again(
    response: Any, case: Case, wrong: dict[str, Any], sent: dict[str, Any]
) -> None:
    """422, the form's own page, a linked summary and a message by each field that was wrong."""
    assert response.status_code == 422, f"{case.url}: {response.status_code}"
    assert response.headers["content-type"].startswith("text/html")
    assert response.template.name != "errors/error.html", f"{case.url} shows the generic page"
    page = parse(response.text)
    names = {e.attrs.get("name") for e in page.elements if e.tag in ("input", "select", "textarea")}
    posts_here = page.find("form", method="post", action=case.url)
    assert posts_here or set(wrong) & names, f"{case.url}: neither the form nor its fields"
    (summary,) = [e for e in page.elements if "error-summary" in e.attrs.get("class", "")]
    assert summary.attrs.get("role") == "alert"
    ids = {e.attrs["id"] for e in page.elements if "id" in e.attrs}
    for link in (e for e in page.find("a") if summary in e.inside):
        assert link.attrs["href"][1:] in ids, f"the summary links to a missing {link.attrs['href']}"
    for element in page.find(**{"aria-invalid": "true"}):
        for ref in element.attrs["aria-describedby"].split():
            assert ref in ids, f"aria-describedby points at a missing #{ref}"
    by_fields = " ".join(e.text for e in page.elements if "field-error" in e.attrs.get("class", ""))
    stale = any(field_kind(info) == "hidden" for info in wrong.values())
    assert not stale or STALE in summary.text
    for name, info in wrong.items():
        if field_kind(info) == "hidden" or (stale and name not in names):
            continue  # a stale form is shown again as it is now: its own message is enough
        assert f"{label(info, name)}:" in summary.text, f"no message for {name} in the summary"
        if name in names:
            assert f"{label(info, name)}:" in by_fields, f"no message by the {name} field"
    for name, value in sent.items():
        if field_kind(fields(case.route)[name]) == "password":
            assert value not in response.text, f"the {name} was shown back"
        elif field_kind(fields(case.route)[name]) == "":
            assert_kept(page, name, value)


def assert_kept(page: Page, name: str, value: str) -> None:
    typed = [
        e
        for e in page.elements
        if e.attrs.get("name") == name
        and (e.tag == "textarea" or (e.tag == "input" and e.attrs.get("type") in TEXT_TYPES))
    ]
    assert typed, f"no text field named {name} on the page"
    assert any(e.attrs.get("value", e.text) == value for e in typed), f"{name} was not kept"


def oversized(info: Any, limit: int) -> Any:
    return ["x"] * (limit + 1) if is_list(info) else ("Kept-value-" + "x" * limit)[: limit + 1]


def test_form_routes_are_found(app: FastAPI) -> None:
    assert set(form_routes(app)) == set(FORM_ROUTES)
    assert {"/login", "/hr/assignments", "/live", "/j/{code}/vote"} <= set(FORM_ROUTES)


def test_every_form_route_is_posted_malformed_by_a_test_below() -> None:
    # A route without a declared form page then fails there (generic page, not its own).
    paths = routes_where(lambda info: info.is_required()) + routes_where(max_length)
    exercised = {p.values[0] if hasattr(p, "values") else p for p in paths}
    assert set(FORM_ROUTES) - exercised == set()


def test_every_text_field_has_a_maximum_length() -> None:
    unbounded = [
        f"{path} {name}"
        for path, route in FORM_ROUTES.items()
        for name, info in fields(route).items()
        if info.annotation is str and max_length(info) is None
    ]
    assert not unbounded


@pytest.mark.parametrize("case", routes_where(lambda info: info.is_required()), indirect=True)
def test_form_with_every_field_missing_is_shown_again(case: Case) -> None:
    required = {n: i for n, i in fields(case.route).items() if i.is_required()}
    assert_form_page_again(case.post({}), case, required, {})


@pytest.mark.parametrize("case", routes_where(max_length), indirect=True)
def test_form_with_an_oversized_field_is_shown_again(case: Case) -> None:
    required = {n: i for n, i in fields(case.route).items() if i.is_required()}
    for name, info in fields(case.route).items():
        if limit := max_length(info):
            value = oversized(info, limit)
            sent = {name: value} if isinstance(value, str) else {}
            wrong = required | {name: info}
            assert_form_page_again(case.post({name: value}), case, wrong, sent)


def test_a_malformed_form_without_its_csrf_token_is_refused_before_it_is_read(
    app: FastAPI, session: Session
) -> None:
    client = client_as(app, session, "hr")
    before = rows(session)
    response = client.post("/hr/assignments", data={"due": "not-a-date"})
    assert response.status_code == 403
    assert "Your form expired" in response.text and "error-summary" not in response.text
    assert rows(session) == before


@pytest.mark.parametrize(
    ("method", "url"),
    [("GET", "/hr/people/abc"), ("POST", "/hr/people/abc/active"), ("POST", "/hr/import/x/apply")],
)
def test_an_id_that_is_not_a_number_is_not_found(
    app: FastAPI, session: Session, method: str, url: str
) -> None:
    client = client_as(app, session, "hr")
    token = csrf_from(client.get("/account").text)
    response = client.request(method, url, data={"csrf_token": token, "active": "no"})
    assert response.status_code == 404
    assert "We could not find that page" in response.text


def test_an_unknown_id_behind_a_malformed_form_is_not_found(app: FastAPI, session: Session) -> None:
    client = client_as(app, session, "hr")
    token = csrf_from(client.get("/account").text)
    response = client.post("/hr/people/999/active", data={"csrf_token": token})
    assert response.status_code == 404
