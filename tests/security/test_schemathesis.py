"""schemathesis fuzzes the OpenAPI schema against a real server: no request gets a 5xx."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from app.api.keys import create_key
from app.db import session_for
from tests.conftest import FIXTURE_COURSE
from tests.factories import make_department, make_user
from tests.servers import start_server, stop_server

pytestmark = pytest.mark.slow
CPYTHON_AST_BUG = "AST constructor recursion depth mismatch"
SCHEMATHESIS = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "schemathesis"


@pytest.mark.parametrize("schema", ["/openapi.json", "/api/v1/openapi.json"])
def test_fuzzing_the_openapi_schema_finds_no_server_error(
    db_url: str, schema: str, tmp_path: Path
) -> None:
    with session_for(db_url) as session:
        department = make_department(session, "Sales")
        person = make_user(session, "ext@example.com", name="Ext Person", department=department)
        person.external_id = "EXT-1"
        session.add(person)
        session.commit()
        _key, secret = create_key(session, name="fuzz", scopes=["read", "write"], actor_id=None)
    proc, url = start_server(db_url, content_dir=FIXTURE_COURSE)
    command = [
        str(SCHEMATHESIS),
        "run",
        f"{url}{schema}",
        "--url",
        url,
        "--checks",
        "not_a_server_error",
        "--header",
        f"Authorization: Bearer {secret}",
        "--max-examples",
        "25",
        "--workers",
        "1",
        "--phases",
        "examples,fuzzing",
        "--suppress-health-check",
        "all",
        "--no-color",
    ]
    try:
        for _ in range(3):
            result = subprocess.run(
                command, capture_output=True, text=True, timeout=600, cwd=tmp_path
            )
            # CPython 3.11.7 sometimes raises this inside hypothesis's ast.parse: a tool
            # crash, not a finding about our API, so that run is repeated.
            if CPYTHON_AST_BUG not in result.stdout:
                break
    finally:
        stop_server(proc)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
