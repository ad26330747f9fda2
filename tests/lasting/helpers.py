"""Shared steps for lasting-learning tests: write a plan, make its check-in due, answer it."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.clock import utcnow
from app.models import Commitment, Completion, LoginSession, User
from app.security import token_digest
from app.web.deps import session_cookie_name
from tests.conftest import csrf_from

MODULE = "first-steps"


def pass_module(client: TestClient, module: str = MODULE) -> None:
    """Record that the person signed in on `client` passed `module` (plans come after passing)."""
    app = client.app
    cookie = client.cookies.get(session_cookie_name(app.state.settings))  # type: ignore[attr-defined]
    with Session(app.state.engine) as session:  # type: ignore[attr-defined]
        user_id = session.exec(
            select(LoginSession.user_id).where(LoginSession.token_hash == token_digest(cookie))
        ).one()
        done = select(Completion).where(
            Completion.user_id == user_id, Completion.module_id == module
        )
        if session.exec(done).first() is None:
            session.add(Completion(user_id=user_id, module_id=module))
            session.commit()


def write_plan(
    client: TestClient,
    situation: str = "a colleague is talked over",
    action: str = "say: let her finish",
    module: str = MODULE,
    *,
    passed: bool = True,
) -> object:
    if passed:
        pass_module(client, module)
    token = csrf_from(client.get(f"/modules/{module}/commitment").text)
    return client.post(
        f"/modules/{module}/commitment",
        data={"situation": situation, "action": action, "csrf_token": token},
    )


def make_due(
    session: Session, user: User, *, days_ago: int = 0, module: str = MODULE
) -> Commitment:
    """Move the person's plan's check-in day to `days_ago` days before today (a frozen clock)."""
    row = session.exec(
        select(Commitment).where(Commitment.user_id == user.id, Commitment.module_id == module)
    ).one()
    row.check_on = utcnow().date() - timedelta(days=days_ago)
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def check_in(
    client: TestClient,
    acted: str = "often",
    decision: str = "keep",
    module: str = MODULE,
    **extra: str,
) -> object:
    token = csrf_from(client.get(f"/modules/{module}/commitment").text)
    return client.post(
        f"/modules/{module}/commitment/check-in",
        data={"acted": acted, "decision": decision, "csrf_token": token, **extra},
    )


def in_days(n: int) -> date:
    return utcnow().date() + timedelta(days=n)
