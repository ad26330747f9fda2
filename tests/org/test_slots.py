"""Lesson slots: checked by `allyship check`, filled per page view on every worker."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.config import PROJECT_ROOT, Settings
from app.content.catalog import check_content
from app.content.slots import SLOTS
from app.main import create_app
from app.org.settings_store import OrgSettings
from app.org.slots import safe_markdown, slot_html, text_with_slots
from tests.conftest import login
from tests.factories import make_user
from tests.org.helpers import save, signed_in_as

LESSON_05 = "/modules/listen-to-women"
LESSON_02 = "/modules/be-frank-with-other-men"
POLICY = "https://intranet.example.org/policies/harassment"


@pytest.fixture
def content_dir(real_content_dir: Path) -> Path:
    return real_content_dir


def _course_copy(tmp_path: Path) -> Path:
    for folder in ("lessons", "quizzes"):
        shutil.copytree(PROJECT_ROOT / folder, tmp_path / folder)
    return tmp_path


def _problems(root: Path) -> list[str]:
    return [str(p) for p in check_content(root)[1]]


def test_check_names_file_line_and_known_slots_for_an_unknown_slot(tmp_path: Path) -> None:
    root = _course_copy(tmp_path)
    lesson = root / "lessons" / "05-listen-to-women.md"
    text = lesson.read_text().replace("{{ org.support_line }}", "{{ org.helpline }}")
    lesson.write_text(text)
    line = text.splitlines().index("{{ org.helpline }}") + 1
    [problem] = _problems(root)
    assert problem.startswith(f"lessons/05-listen-to-women.md:{line}: slot: `org.helpline`")
    assert "org.support_line" in problem and "org.harassment_policy" in problem


def test_check_refuses_a_slot_inside_a_sentence(tmp_path: Path) -> None:
    root = _course_copy(tmp_path)
    lesson = root / "lessons" / "02-be-frank-with-other-men.md"
    lesson.write_text(
        lesson.read_text().replace(
            "{{ org.who_to_talk_to }}", "Talk to {{ org.who_to_talk_to }} today."
        )
    )
    [problem] = _problems(root)
    assert ": slot: a slot stands alone on its own line" in problem


def test_check_names_the_quiz_line_of_an_unknown_slot_in_a_facilitator_guide(
    tmp_path: Path,
) -> None:
    root = _course_copy(tmp_path)
    quiz = root / "quizzes" / "03-promote-women.yaml"
    text = quiz.read_text().replace("{{ org.support_line }}", "{{ org.hotline }}")
    quiz.write_text(text)
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "org.hotline" in t)
    [problem] = _problems(root)
    assert problem.startswith(f"quizzes/03-promote-women.yaml:{line}: facilitator.disclosure:")


def test_lesson_05_shows_neutral_sentences_until_the_admin_sets_them(
    client: TestClient, app: FastAPI, session: Session
) -> None:
    admin = TestClient(app, follow_redirects=False)
    signed_in_as(admin, session, "admin")
    signed_in_as(client, session, "learner")
    before = client.get(LESSON_05).text
    assert SLOTS["harassment_policy"].neutral in before
    assert SLOTS["who_to_talk_to"].neutral in before
    assert "org-slot:" not in before  # no marker ever reaches the page
    who = "Talk to **Priya Shah** in HR: [priya@example.org](mailto:priya@example.org)"
    assert save(admin, harassment_policy_url=POLICY, who_to_talk_to=who).status_code == 303
    after = client.get(LESSON_05).text
    assert f'<a href="{POLICY}" rel="noopener noreferrer">' in after
    assert "<strong>Priya Shah</strong>" in after
    assert SLOTS["harassment_policy"].neutral not in after
    assert SLOTS["support_line"].neutral in after  # still unset: still neutral
    assert f'href="{POLICY}"' in client.get(LESSON_02).text


def test_settings_change_shows_on_the_next_page_of_every_worker(
    app: FastAPI, settings: Settings, session: Session
) -> None:
    """Two apps on one database are two workers; each has already served the lesson."""
    second = create_app(settings)
    with TestClient(second, follow_redirects=False) as other_worker:
        make_user(session, "lea@example.com")
        assert login(other_worker, "lea@example.com").status_code == 303
        assert SLOTS["support_line"].neutral in other_worker.get(LESSON_05).text
        admin = TestClient(app, follow_redirects=False)
        signed_in_as(admin, session, "admin")
        assert save(admin, support_line="Care First 0800 174 319").status_code == 303
        assert "Support line: Care First 0800 174 319" in other_worker.get(LESSON_05).text
        assert save(admin, support_line="").status_code == 303
        assert SLOTS["support_line"].neutral in other_worker.get(LESSON_05).text
    second.state.engine.dispose()


def test_facilitator_guide_disclosure_notes_show_the_slots(
    client: TestClient, app: FastAPI, session: Session
) -> None:
    signed_in_as(client, session, "facilitator")
    guide = client.get("/live/guides/listen-to-women")
    assert guide.status_code == 200
    assert SLOTS["harassment_policy"].neutral in guide.text
    admin = TestClient(app, follow_redirects=False)
    signed_in_as(admin, session, "admin")
    save(admin, harassment_policy_url=POLICY)
    assert f'href="{POLICY}"' in client.get("/live/guides/listen-to-women").text


def test_slot_with_unsafe_values_from_the_environment_renders_nothing_unsafe() -> None:
    """Environment defaults skip the form's checks: the rendering is safe on its own."""
    org = OrgSettings(
        harassment_policy_url="javascript:alert(1)",
        who_to_talk_to="<script>alert(1)</script> [x](javascript:alert(2)) <img src=x onerror=y>",
        support_line="<b>bold</b>",
    )
    policy = slot_html(SLOTS["harassment_policy"], org)
    assert "javascript" not in policy and SLOTS["harassment_policy"].neutral in policy
    who = str(slot_html(SLOTS["who_to_talk_to"], org))
    assert "<script" not in who and "<img" not in who and 'href="javascript' not in who
    assert "&lt;b&gt;bold&lt;/b&gt;" in slot_html(SLOTS["support_line"], org)
    notes = text_with_slots("Before <b>\n{{ org.support_line }}\nAfter", org)
    assert notes.count("<p") == 3 and "&lt;b&gt;" in notes


def test_safe_markdown_drops_links_that_are_not_https_mailto_or_tel() -> None:
    html = safe_markdown("[a](http://plain.example) [b](https://ok.example) [c](tel:123)")
    assert 'href="http://plain' not in html
    assert 'href="https://ok.example"' in html and 'href="tel:123"' in html
