"""No manager loops: the import names every line of a loop; the API refuses the closing PUT."""

from __future__ import annotations

import threading
import time
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, col, select

from app.db import write_session
from app.hr.csvfile import parse
from app.hr.import_plan import build_plan
from app.hr.managers import serialize_manager_changes
from app.models import User
from tests.factories import make_user
from tests.security.people_helpers import (
    HEADER,
    apply,
    assert_problem,
    import_file,
    upload,
    user_by_email,
)


def _manager_of(session: Session, email: str) -> str | None:
    user = user_by_email(session, email)
    assert user is not None
    session.refresh(user)
    manager = session.get(User, user.manager_id) if user.manager_id else None
    return manager.email if manager else None


def test_import_row_whose_managers_manager_is_itself_is_refused(
    hr: TestClient, session: Session
) -> None:
    import_file(
        hr, HEADER + "\nboss@example.com,Boss,,,,\nana@example.com,Ana,,boss@example.com,,\n"
    )
    preview = upload(hr, HEADER + "\nboss@example.com,Boss,,ana@example.com,,\n")
    assert "Line 2, manager email:" in preview.text and "loop" in preview.text
    assert 'id="apply"' not in preview.text
    assert _manager_of(session, "boss@example.com") is None


def test_import_loop_inside_the_file_names_every_line_of_it(hr: TestClient) -> None:
    csv = "\n".join(
        [
            HEADER,
            "a@example.com,A,,b@example.com,,",
            "x@example.com,X,,,,",
            "b@example.com,B,,c@example.com,,",
            "c@example.com,C,,a@example.com,,",
        ]
    )
    text = upload(hr, csv).text
    for line in (2, 4, 5):
        assert f"Line {line}, manager email:" in text
    assert "Line 3," not in text
    assert text.count("lines 2, 4, 5") == 3


def test_import_that_turns_a_chain_around_is_accepted(hr: TestClient, session: Session) -> None:
    import_file(
        hr, HEADER + "\nboss@example.com,Boss,,,,\nana@example.com,Ana,,boss@example.com,,\n"
    )
    import_file(
        hr, HEADER + "\nboss@example.com,Boss,,ana@example.com,,\nana@example.com,Ana,,,,\n"
    )
    assert _manager_of(session, "boss@example.com") == "ana@example.com"
    assert _manager_of(session, "ana@example.com") is None


def test_import_deep_loop_names_every_line_without_recursion_limits(session: Session) -> None:
    rows = [f"p{i}@example.com,P{i},,p{i + 1}@example.com,," for i in range(3000)]
    rows.append("p3000@example.com,Last,,p0@example.com,,")
    table = parse("\n".join([HEADER, *rows]).encode(), "people.csv")
    plan = build_plan(session, table, filename="people.csv", leavers=False, actor=None)
    assert [e.line for e in plan.errors] == list(range(2, 3003))
    assert all(len(e.message) < 600 for e in plan.errors)


def test_api_put_that_closes_a_loop_is_422(
    client: TestClient, session: Session, key: dict[str, str]
) -> None:
    ok = client.put(
        "/api/v1/people/A",
        json={"email": "a@example.com", "name": "A"},
        headers=key,
    )
    assert ok.status_code == 201
    b = {"email": "b@example.com", "name": "B", "manager_email": "a@example.com"}
    assert client.put("/api/v1/people/B", json=b, headers=key).status_code == 201
    a = {"email": "a@example.com", "name": "A", "manager_email": "b@example.com"}
    body = assert_problem(client.put("/api/v1/people/A", json=a, headers=key), 422)
    assert "manager_email" in body["detail"] and "loop" in body["detail"]
    assert _manager_of(session, "a@example.com") is None


def test_api_put_self_manager_through_an_email_change_is_422(
    client: TestClient, session: Session, key: dict[str, str]
) -> None:
    client.put("/api/v1/people/A", json={"email": "a@example.com", "name": "A"}, headers=key)
    moved = {"email": "a2@example.com", "name": "A", "manager_email": "a@example.com"}
    assert_problem(client.put("/api/v1/people/A", json=moved, headers=key), 422)
    assert _manager_of(session, "a@example.com") is None


def test_api_put_waits_for_a_concurrent_manager_change_and_then_sees_the_loop(
    app: FastAPI, client: TestClient, session: Session, key: dict[str, str]
) -> None:
    """Two writers at once: the second PUT must check the loop after the first commits."""
    a = make_user(session, "a@example.com")
    b = make_user(session, "b@example.com")
    b.external_id = "B"
    session.add(b)
    session.commit()
    results: list[int] = []
    body = {"email": "b@example.com", "name": "B", "manager_email": "a@example.com"}
    with write_session(app.state.engine) as other:
        serialize_manager_changes(other)
        other.execute(update(User).where(col(User.id) == a.id).values(manager_id=b.id))
        worker = threading.Thread(
            target=lambda: results.append(
                client.put("/api/v1/people/B", json=body, headers=key).status_code
            )
        )
        worker.start()
        time.sleep(1.0)
        assert worker.is_alive(), "the PUT did not wait for the other manager change"
        other.commit()
    worker.join(timeout=30)
    assert results == [422]
    managers = dict(session.exec(select(User.email, User.manager_id)).all())
    assert managers["b@example.com"] is None


def test_import_apply_waits_for_a_concurrent_manager_change_and_then_refuses_the_loop(
    app: FastAPI, hr: TestClient, session: Session
) -> None:
    """The preview was clean, but another writer closes the loop before apply: it must see it."""
    import_file(hr, HEADER + "\na@example.com,A,,,,\nb@example.com,B,,,,\n")
    a, b = user_by_email(session, "a@example.com"), user_by_email(session, "b@example.com")
    assert a is not None and b is not None
    preview = upload(hr, HEADER + "\nb@example.com,B,,a@example.com,,\n")
    assert 'id="apply"' in preview.text
    results: list[Any] = []
    with write_session(app.state.engine) as other:
        serialize_manager_changes(other)
        other.execute(update(User).where(col(User.id) == a.id).values(manager_id=b.id))
        worker = threading.Thread(target=lambda: results.append(apply(hr, preview.text)))
        worker.start()
        time.sleep(1.0)
        assert worker.is_alive(), "the apply did not wait for the other manager change"
        other.commit()
    worker.join(timeout=30)
    (response,) = results
    assert response.status_code == 409
    assert "Line 2, manager email:" in response.text and "loop" in response.text
    assert _manager_of(session, "b@example.com") is None
