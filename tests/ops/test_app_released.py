"""An app is freed once its lifespan has ended: nothing global keeps it.

FastAPI keeps module-level caches keyed by endpoint and dependency callables, so a route
function made inside `create_app` that closes over the app would keep every app a process
ever made: the test suite grew by about 2.5 MB a test (5 GB over a run) until /healthz became
a module-level function.
"""

from __future__ import annotations

import gc
import weakref

from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app


def _serve_once(settings: Settings) -> weakref.ref[object]:
    app = create_app(settings)
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        assert client.get("/login").status_code == 200
    app.state.engine.dispose()
    return weakref.ref(app)


def test_an_app_whose_lifespan_ended_is_freed(settings: Settings) -> None:
    released = [_serve_once(settings) for _ in range(2)]
    gc.collect()
    assert [ref() for ref in released] == [None, None]
