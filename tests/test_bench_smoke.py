"""The benchmark data generator and bare baseline still work (tiny sizes; `make bench` is the real run)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pyotp
import pytest
from fastapi.testclient import TestClient

from app.auth import factor
from app.config import PROJECT_ROOT, Settings
from app.content.catalog import load_catalog
from app.main import create_app
from app.security import verify_password
from bench import hr_bench
from bench.baseline_app import create_app as create_baseline
from bench.generate import BENCH_PASSWORD, email_of, generate
from bench.hr_signin import Authenticator
from bench.papers import prepare_papers
from bench.run import check_signed_in, quiz_module
from tests.conftest import csrf_from, login, settings_for

pytestmark = pytest.mark.sqlite_only


def test_generator_fills_every_table_consistently(tmp_path: Path) -> None:
    db = tmp_path / "bench.db"
    catalog = load_catalog(PROJECT_ROOT)
    counts = generate(f"sqlite:///{db}", catalog, people=50)

    modules = len(catalog.modules)
    assert counts["user"] == 50
    assert counts["assignment"] == 50 * modules
    assert 0 < counts["completion"] <= counts["lessonprogress"] <= 50 * modules
    assert counts["completion"] <= counts["quizattempt"]
    with closing(sqlite3.connect(db)) as conn:

        def one(sql: str) -> int:
            return int(conn.execute(sql).fetchone()[0])

        for table, expected in counts.items():
            assert one(f"SELECT count(*) FROM {table}") == expected, table
        # every attempt has one answer per scenario of its quiz
        scenarios = {m.id: len(m.quiz.scenarios) for m in catalog.modules}
        per_attempt = conn.execute(
            "SELECT a.module_id, count(*) FROM quizattempt a"
            " JOIN attemptanswer x ON x.attempt_id = a.id GROUP BY a.id"
        ).fetchall()
        assert len(per_attempt) == counts["quizattempt"]
        assert all(n == scenarios[module] for module, n in per_attempt)
        # every completion has its read lesson and a passed attempt
        assert not one(
            "SELECT count(*) FROM completion c WHERE NOT EXISTS (SELECT 1 FROM quizattempt a"
            " WHERE a.user_id = c.user_id AND a.module_id = c.module_id AND a.passed)"
        )
        assert not conn.execute("PRAGMA foreign_key_check").fetchall()
        password_hash = conn.execute(
            "SELECT password_hash FROM user WHERE email = ?", (email_of(0),)
        ).fetchone()[0]
    assert verify_password(BENCH_PASSWORD, password_hash)


def test_generator_refuses_a_database_with_people(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    catalog = load_catalog(PROJECT_ROOT)
    generate(url, catalog, people=3)
    with pytest.raises(RuntimeError, match="already has people"):
        generate(url, catalog, people=3)


def test_baseline_page_matches_the_requested_size_and_insert_stores_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BASELINE_PAGE_BYTES", "12000")
    monkeypatch.setenv("BASELINE_DB", str(tmp_path / "baseline.db"))
    client = TestClient(create_baseline())
    page = client.get("/page")
    assert page.status_code == 200
    assert 12_000 <= len(page.content) < 12_600
    assert [client.post("/insert", data={"note": "x"}).status_code for _ in range(3)] == [201] * 3
    with closing(sqlite3.connect(tmp_path / "baseline.db")) as conn:
        assert conn.execute("SELECT count(*) FROM row").fetchone()[0] == 3


def test_prepared_papers_are_each_answered_once_as_new_attempts(tmp_path: Path) -> None:
    """bench/papers.py: blocks never overlap, and a post naming a prepared draw is stored."""
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    catalog = load_catalog(PROJECT_ROOT)
    generate(url, catalog, people=12)
    module = catalog.by_id[quiz_module(catalog)]
    papers = prepare_papers(url, module, range(2, 4), per_block=3, blocks=2)
    first, second = papers.next_env(), papers.next_env()
    ranges = [
        range(int(a), int(a) + int(n))
        for env in (first, second)
        for a, n in (line.split("|") for line in env["BENCH_PAPERS"].splitlines())
    ]
    ids = [i for r in ranges for i in r]
    assert len(ids) == len(set(ids)) == 12
    with pytest.raises(RuntimeError, match="blocks of prepared quiz papers are used"):
        papers.next_env()
    settings = settings_for(url, PROJECT_ROOT)
    with TestClient(create_app(settings), follow_redirects=False) as client:
        assert login(client, email_of(2), BENCH_PASSWORD).status_code == 303  # type: ignore[attr-defined]
        token = csrf_from(client.get("/").text)
        body = f"csrf_token={token}&draw_id={ranges[0][0]}&submission_id=s1&{first['BENCH_QUIZ_FIELDS']}"
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        path = f"/modules/{module.id}/quiz"
        sent = client.post(path, content=body, headers=headers)
        assert sent.status_code == 303 and "/attempts/" in sent.headers["location"]
    with closing(sqlite3.connect(tmp_path / "bench.db")) as conn:
        stored = conn.execute(
            "SELECT count(*) FROM attemptanswer x JOIN quizattempt a ON a.id = x.attempt_id"
            " WHERE a.draw_id = ?",
            (ranges[0][0],),
        ).fetchone()[0]
    assert stored == module.quiz.draw


def _bench_hr_user(tmp_path: Path) -> tuple[Settings, Authenticator]:
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    generate(url, load_catalog(PROJECT_ROOT), people=3)
    settings = hr_bench.bench_settings(url)
    return settings, hr_bench.add_hr_user(url, settings)


def test_hr_bench_user_signs_in_with_its_second_factor_and_sees_hr_pages(tmp_path: Path) -> None:
    """bench/hr_bench.py signs in as HR accounts must: password, then an authenticator code."""
    settings, authenticator = _bench_hr_user(tmp_path)
    assert factor.required_for("hr", settings)
    app = create_app(settings)
    client = hr_bench.signed_in(app, authenticator)
    assert client.get("/hr/people?overdue=yes&sort=due").status_code == 200
    app.state.engine.dispose()


def test_hr_bench_sign_in_stopped_at_the_code_step_says_where(tmp_path: Path) -> None:
    settings, _authenticator = _bench_hr_user(tmp_path)
    app = create_app(settings)
    other_phone = Authenticator(pyotp.random_base32())
    with pytest.raises(RuntimeError) as stopped:
        hr_bench.signed_in(app, other_phone)
    assert str(stopped.value) == (
        "HR sign-in did not reach /hr/people: status 303 to /login?next=/hr/people"
        " (password: status 303 to /sign-in/second-factor; code: status 422)"
    )
    app.state.engine.dispose()


@pytest.mark.parametrize(
    ("status", "location", "opened"),
    [
        (303, "/", True),
        (303, "/privacy?first=1&next=%2Fmodules", True),
        (303, "/sign-in/second-factor", False),
        (422, None, False),
    ],
)
def test_bench_sign_in_check_refuses_a_second_factor_step_as_a_session(
    status: int, location: str | None, opened: bool
) -> None:
    """The learner and facilitator benches stop at a sign-in that asks for a second factor."""
    if opened:
        check_signed_in(status, location, "someone")
    else:
        with pytest.raises(RuntimeError, match="sign-in of someone did not open a session"):
            check_signed_in(status, location, "someone")
