"""Abuse of the people table's bulk actions: protected people, forged and huge id lists,
other roles, missing CSRF, two HR users at once, and 20,000 people in one action."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.hr.bulk import MAX_TICKED
from app.models import Assignment, AuditEvent, LoginSession, OutboxMessage, User
from tests.conftest import QueryRecorder, csrf_from
from tests.factories import make_department
from tests.hr.bulk_helpers import many_people, post_bulk, seen_on
from tests.hr.factories import make_people
from tests.security.people_helpers import signed_in, still_signed_in

DEACTIVATE = {"action": "deactivate", "confirm": "yes"}
SOON = (utcnow() + timedelta(days=30)).date().isoformat()


def _active(session: Session, *ids: int | None) -> list[bool]:
    session.expire_all()
    return [u.active for u in session.exec(select(User).where(col(User.id).in_(ids)))]


@pytest.fixture
def hr(app: FastAPI, session: Session) -> TestClient:
    return signed_in(app, session, "hana@example.com", "hr")


def test_hr_selecting_an_admin_for_deactivation_is_refused_whole(
    app: FastAPI, hr: TestClient, session: Session
) -> None:
    admin_browser = signed_in(app, session, "root@example.com", "admin")
    root = session.exec(select(User).where(User.email == "root@example.com")).one()
    (ana,) = make_people(session, 1)
    response = post_bulk(hr, DEACTIVATE | {"ids": [ana.id, root.id]})
    assert response.status_code == 422
    assert "root@example.com" in response.text and "cannot deactivate hr or admin" in response.text
    assert _active(session, ana.id, root.id) == [True, True]
    assert still_signed_in(admin_browser)


def test_hr_cannot_deactivate_themselves_in_bulk_even_through_all_matching(
    hr: TestClient, session: Session
) -> None:
    make_people(session, 2)
    seen = seen_on(hr.get("/hr/people").text)
    response = post_bulk(hr, DEACTIVATE | {"matching": "yes", "seen": seen})
    assert response.status_code == 422 and "hana@example.com" in response.text
    assert session.exec(select(func.count()).where(col(User.active).is_(False))).one() == 0
    assert still_signed_in(hr)


def test_forged_id_list_with_unknown_ids_changes_nothing(hr: TestClient, session: Session) -> None:
    (ana,) = make_people(session, 1)
    response = post_bulk(
        hr, {"action": "assign", "ids": [ana.id, 999_999], "modules": ["first-steps"]}
    )
    assert response.status_code == 422 and "999999" in response.text
    assert session.exec(select(Assignment)).first() is None


@pytest.mark.parametrize("forged", ["-1", "2147483648", "abc", "1e3"])
def test_forged_id_values_get_a_clear_message_not_a_500(
    hr: TestClient, session: Session, forged: str
) -> None:
    response = post_bulk(hr, {"action": "assign", "ids": [forged], "modules": ["first-steps"]})
    assert response.status_code == 422
    assert "People" in response.text
    assert session.exec(select(Assignment)).first() is None


@pytest.mark.parametrize("count", [MAX_TICKED + 1, 5_000])
def test_a_huge_id_list_is_refused_with_a_message(
    hr: TestClient, session: Session, count: int
) -> None:
    (ana,) = make_people(session, 1)
    ids = [ana.id] * count
    response = post_bulk(hr, {"action": "assign", "ids": ids, "modules": ["first-steps"]})
    assert response.status_code in (400, 422), response.text[:300]  # 400: over 1,000 fields
    assert "at most" in response.text or "too many" in response.text.lower()
    assert session.exec(select(Assignment)).first() is None


@pytest.mark.parametrize("role", ["learner", "facilitator"])
def test_other_roles_cannot_post_bulk_actions(app: FastAPI, session: Session, role: str) -> None:
    browser = signed_in(app, session, f"{role}@example.com", role)
    (ana,) = make_people(session, 1)
    token = csrf_from(browser.get("/").text)
    data = {"csrf_token": token, **DEACTIVATE, "ids": [ana.id]}
    assert browser.post("/hr/people/bulk", data=data).status_code == 403
    assert _active(session, ana.id) == [True]


def test_bulk_action_without_csrf_token_changes_nothing(hr: TestClient, session: Session) -> None:
    (ana,) = make_people(session, 1)
    response = hr.post("/hr/people/bulk", data={**DEACTIVATE, "ids": [ana.id]})
    assert response.status_code == 403
    assert _active(session, ana.id) == [True]


def test_two_hr_users_assigning_the_same_people_at_once_create_each_assignment_once(
    app: FastAPI, session: Session
) -> None:
    first = signed_in(app, session, "hr1@example.com", "hr")
    second = signed_in(app, session, "hr2@example.com", "hr")
    ids = many_people(app, 300, prefix="both")
    pages = {c: csrf_from(c.get("/hr/people").text) for c in (first, second)}
    results: list[str] = []

    def act(client: TestClient) -> None:
        data = {"csrf_token": pages[client], "action": "assign", "ids": ids}
        response = client.post("/hr/people/bulk", data=data | {"modules": ["first-steps"]})
        results.append(response.headers.get("location", str(response.status_code)))

    threads = [threading.Thread(target=act, args=(c,)) for c in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted("changed=300&unchanged=0" in r for r in results) == [False, True]
    assert sorted("changed=0&unchanged=300" in r for r in results) == [False, True]
    count = select(func.count()).select_from(Assignment)
    assert session.exec(count).one() == 300


def test_two_hr_users_reminding_at_once_queue_each_reminder_once(
    app: FastAPI, session: Session
) -> None:
    first = signed_in(app, session, "hr1@example.com", "hr")
    second = signed_in(app, session, "hr2@example.com", "hr")
    people = make_people(session, 5)
    for person in people:
        session.add(Assignment(user_id=person.id or 0, module_id="first-steps", due_at=utcnow()))
    session.commit()
    tokens = {c: csrf_from(c.get("/hr/people").text) for c in (first, second)}

    def act(client: TestClient) -> None:
        data = {"csrf_token": tokens[client], "action": "remind", "ids": [p.id for p in people]}
        client.post("/hr/people/bulk", data=data)

    threads = [threading.Thread(target=act, args=(c,)) for c in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert session.exec(select(func.count()).select_from(OutboxMessage)).one() == 5


@pytest.mark.parametrize(
    ("action", "extra"),
    [
        ("assign", {"modules": ["first-steps", "second-steps"], "due": SOON}),
        ("due", {"due": SOON}),
        ("remind", {}),
        ("deactivate", {"confirm": "yes"}),
    ],
)
def test_all_matching_20000_people_runs_a_fixed_number_of_statements(
    app: FastAPI,
    hr: TestClient,
    session: Session,
    query_recorder: QueryRecorder,
    action: str,
    extra: dict[str, object],
) -> None:
    big = make_department(session, "Everyone")
    assigned = "first-steps" if action in ("due", "remind") else None
    many_people(app, 20_000, department=big, prefix="big", assigned=assigned)
    url = f"/hr/people?department={big.id}"
    token = csrf_from(hr.get(url).text)
    data = {"csrf_token": token, "action": action, "matching": "yes", "seen": 20_000}
    started = time.perf_counter()
    with query_recorder:
        response = hr.post("/hr/people/bulk", data=data | {"department": big.id} | extra)
    elapsed = time.perf_counter() - started
    assert response.status_code == 303, response.text[:500]
    assert "people=20000&changed=" in response.headers["location"]
    # The events feed's rows (app/events: one per person changed, inserted in batches that
    # SQLite's trace counts row by row) are the only statements that grow with the people.
    fixed = [q for q in query_recorder.queries if not q.startswith("INSERT INTO event ")]
    assert len(fixed) <= 30, fixed[:40]
    assert elapsed < 30, elapsed
    events = session.exec(select(AuditEvent).where(AuditEvent.action != "user.login")).all()
    assert len([e for e in events if '"all matching"' in e.detail]) == 1
    print(f"{action}: {len(fixed)} statements, {elapsed:.2f} s for 20,000 people")


def test_bulk_deactivation_ends_sign_ins_of_the_people_deactivated(
    app: FastAPI, hr: TestClient, session: Session
) -> None:
    browser = signed_in(app, session, "leaver@example.com")
    leaver = session.exec(select(User).where(User.email == "leaver@example.com")).one()
    post_bulk(hr, DEACTIVATE | {"ids": [leaver.id]})
    assert not still_signed_in(browser)
    open_sessions = select(LoginSession).where(
        LoginSession.user_id == leaver.id, col(LoginSession.revoked_at).is_(None)
    )
    assert session.exec(open_sessions).first() is None
