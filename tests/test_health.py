"""/healthz reports the database and the number of modules."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app


def test_healthz_reports_ok_with_module_count(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "modules": 2}


def test_healthz_returns_503_when_database_unreachable(settings: Settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    broken = settings.model_copy(
        update={"database_url": f"sqlite:///{tmp_path}/missing-dir/x/../../nope/db.sqlite"}
    )
    app: FastAPI = create_app(broken)
    (tmp_path / "missing-dir").mkdir(exist_ok=True)
    app.state.engine.dispose()
    from sqlalchemy import create_engine

    app.state.engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    app.state.loop_reader = None  # as on PostgreSQL: the probe goes to the thread pool
    response = TestClient(app).get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error" and body["database"].startswith("unreachable")
