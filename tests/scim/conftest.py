"""SCIM test fixtures: a key with the scim scope, made like `allyship api-key create NAME --scim`."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from app.api.keys import create_key


@pytest.fixture
def scim_key(session: Session) -> str:
    return create_key(session, name="okta", scopes=["scim"], actor_id=None)[1]


def scim_headers(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}", "Content-Type": "application/scim+json"}
