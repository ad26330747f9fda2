"""A worker loads scim2_models on its first SCIM request (app/scim/routes.py): in a fresh
process, the app starts without it, and the first requests, an error, a create and a search,
answer as they do once it is loaded."""

from __future__ import annotations

import os
import subprocess
import sys

from app.config import PROJECT_ROOT
from tests.conftest import (
    FIXTURE_COURSE,
    NO_RETAKE_WAIT,
    NO_SECOND_FACTOR,
    ON_POSTGRES,
    as_environment,
)

# Also kept out of start-up: the password scorer, the HTTP clients of SSO and webhooks, and
# on SQLite the PostgreSQL driver.
NOT_AT_START = ("scim2_models", "zxcvbn", "httpx", "authlib.integrations", "joserfc") + (
    () if ON_POSTGRES else ("psycopg",)
)

FIRST_REQUESTS = f"""
import sys
from app.main import create_app

app = create_app()
loaded = [name for name in {NOT_AT_START!r} if name in sys.modules]
assert not loaded, f"imported at start-up: {{loaded}}"

from fastapi.testclient import TestClient
from sqlmodel import Session
from app.api.keys import create_key
from tests.scim.helpers import USER, headers, user_body

with TestClient(app) as client:
    refused = client.get("/scim/v2/Users")
    assert refused.status_code == 401, refused.text
    assert refused.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    with Session(app.state.engine) as session:
        secret = create_key(session, name="okta", scopes=["scim"], actor_id=None)[1]
    created = client.post(
        "/scim/v2/Users", json=user_body("ana@example.com"), headers=headers(secret)
    )
    assert created.status_code == 201, created.text
    found = client.get(
        "/scim/v2/Users",
        params={{"filter": 'userName eq "ana@example.com"'}},
        headers=headers(secret),
    )
    assert found.status_code == 200, found.text
    assert [r["id"] for r in found.json()["Resources"]] == [created.json()["id"]]
    assert found.json()["Resources"][0]["schemas"][0] == USER
print("first SCIM requests answered")
"""


def test_first_scim_requests_in_a_fresh_worker(db_url: str) -> None:
    env = {
        **os.environ,
        **as_environment(
            NO_RETAKE_WAIT
            | NO_SECOND_FACTOR
            | {
                "database_url": db_url,
                "content_dir": FIXTURE_COURSE,
                "secret_key": "test-secret-key-0123456789",
                "outbox_sender": False,
                "webhook_sender": False,
            }
        ),
    }
    done = subprocess.run(
        [sys.executable, "-c", FIRST_REQUESTS],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "first SCIM requests answered" in done.stdout
