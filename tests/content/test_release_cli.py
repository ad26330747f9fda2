"""`allyship content status` and `allyship content release`: one-line refusals, exit status 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from app.cli import app as cli
from app.config import Settings, get_settings
from app.models import ContentRelease, ModuleReopen
from tests.content.releases import completed, edited_course
from tests.factories import make_user
from tests.hr.conftest import cli_env  # noqa: F401  (fixture)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["content", *args])
    return result.exit_code, result.output


def use_content(monkeypatch: pytest.MonkeyPatch, content: Path) -> None:
    monkeypatch.setenv("ALLYSHIP_CONTENT_DIR", str(content))
    get_settings.cache_clear()


def test_status_then_release_then_material_release(
    cli_env: Settings,  # noqa: F811
    session: Session,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    completed(session, make_user(session, "done@example.com"))
    code, said = run("status")
    assert code == 0 and "no release yet" in said and "new\tfirst-steps" in said
    assert run("release", "--note", "Baseline.") == (0, "Recorded content release 1.\n")
    code, said = run("status")
    assert "release 1" in said and "nothing changed." in said
    use_content(monkeypatch, edited_course(tmp_path))
    code, said = run("status")
    assert "changed\tfirst-steps" in said and "second-steps" not in said
    code, said = run("release", "--material", "first-steps", "--note", "New pay data.")
    assert code == 0, said
    assert said.splitlines() == [
        "Recorded content release 2.",
        "Reopened first-steps for 1 person(s) who had completed it.",
    ]
    session.expire_all()
    assert len(session.exec(select(ModuleReopen)).all()) == 1


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--note", ""], "The release note is empty"),
        (["--material", "nope", "--note", "x"], "No module called nope in the course"),
        (["--material", "second-steps", "--note", "x"], "second-steps has not changed since"),
        (["--note", "y" * 5000], "keep it under 2000"),
    ],
)
def test_release_refusals_are_one_line_with_exit_status_2(
    cli_env: Settings,  # noqa: F811
    session: Session,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    says: str,
) -> None:
    assert run("release", "--note", "Baseline.")[0] == 0
    use_content(monkeypatch, edited_course(tmp_path))
    result = CliRunner().invoke(cli, ["content", "release", *args])
    assert result.exit_code == 2
    assert says in result.output and len(result.output.strip().splitlines()) == 1
    session.expire_all()
    assert session.exec(select(ContentRelease.number)).all() == [1]
