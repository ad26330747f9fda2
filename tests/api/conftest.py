"""API test fixtures: keys made through the same service as `allyship api-key create`."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from app.api.keys import create_key


@pytest.fixture
def write_key(session: Session) -> str:
    return create_key(session, name="hr-system", scopes=["read", "write"], actor_id=None)[1]


@pytest.fixture
def read_key(session: Session) -> str:
    return create_key(session, name="reporting", scopes=["read"], actor_id=None)[1]


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}
