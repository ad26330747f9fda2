"""Markup in names, external ids, departments and quiz text comes out escaped everywhere."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import User
from tests.conftest import FIXTURE_COURSE, csrf_from, login
from tests.factories import make_department, make_user

CANARY = '<i id="canary">x</i>'
ESCAPED = "&lt;i id=&#34;canary&#34;&gt;x&lt;/i&gt;"


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    course = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE, course)
    quiz = course / "quizzes" / "00-first-steps.yaml"
    text = quiz.read_text()
    text = text.replace("title: The stand-up", f"title: 'The stand-up {CANARY}'")
    text = text.replace(
        "text: Say it was Ana's idea and let her go on.", f"text: 'Credit her {CANARY}'"
    )
    text = text.replace("feedback: You credit her in the moment.", f"feedback: 'Good {CANARY}'")
    text = text.replace("- What makes crediting hard?", f"- 'Why? {CANARY}'")
    quiz.write_text(text)
    lesson = course / "lessons" / "00-first-steps.md"
    lesson.write_text(
        lesson.read_text().replace("title: First steps", f"title: 'First steps {CANARY}'")
    )
    return course


def test_markup_is_escaped_on_every_page(app: FastAPI, session: Session) -> None:
    department = make_department(session, f"Sales {CANARY}")
    admin = make_user(
        session, "admin@example.com", name=f"Admin {CANARY}", role="admin", department=department
    )
    learner = make_user(session, "ana@example.com", name=f"Ana {CANARY}", department=department)
    learner.external_id = f"EXT {CANARY}"
    session.add(learner)
    session.commit()

    ana = TestClient(app, follow_redirects=False)
    login(ana, "ana@example.com")
    quiz = ana.get("/modules/first-steps/quiz").text
    fields = dict(re.findall(r'name="(quiz_hash|submission_id|csrf_token)" value="([^"]+)"', quiz))
    result = ana.post(
        "/modules/first-steps/quiz",
        data=fields | {"answer-standup": "credit", "answer-review": "joke"},
    )
    pages = {
        p: ana.get(p).text
        for p in (
            "/",
            "/modules/first-steps",
            "/modules/first-steps/quiz",
            result.headers["location"],
        )
    }

    boss = TestClient(app, follow_redirects=False)
    login(boss, "admin@example.com")
    token = csrf_from(boss.get("/live/new?module_id=first-steps").text)
    created = boss.post(
        "/live", data={"csrf_token": token, "module_id": "first-steps", "scenario": "standup"}
    )
    live = created.headers["location"]
    for path in (
        "/hr",
        "/hr/people",
        f"/hr/people?q={CANARY}",
        f"/hr/people/{learner.id}",
        "/hr/scenarios",
        "/hr/assignments",
        "/hr/reminders",
        "/hr/audit",
        "/live",
        "/live/new?module_id=first-steps",
        live,
        f"{live}/present",
        f"{live}/remote",
        f"{live}/summary",
        "/live/guides/first-steps",
        "/account",
    ):
        response = boss.get(path)
        assert response.status_code == 200, path
        pages[path] = response.text
    code = re.search(r"/j/([A-Z0-9]{6})", pages[live]).group(1)  # type: ignore[union-attr]
    phone = TestClient(app, follow_redirects=True)
    pages["/j/code"] = phone.get(f"/j/{code}").text

    leaked = [
        path
        for path, html in pages.items()
        if CANARY in html or "<script" in html.replace('<script src="/static/', "")
    ]
    assert not leaked, f"raw markup on: {leaked}"
    shown = [path for path, html in pages.items() if ESCAPED in html]
    assert len(shown) >= len(pages) // 2, f"canary not displayed enough to prove escaping: {shown}"
    assert session.get(User, admin.id) is not None
