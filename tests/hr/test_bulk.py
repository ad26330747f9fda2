"""The people table's bulk actions: ticked, a whole page, or all that match the filter."""

from __future__ import annotations

import json
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.models import Assignment, OutboxMessage, User
from tests.factories import make_department, make_user
from tests.hr.bulk_helpers import last_event, post_bulk, seen_on
from tests.hr.factories import make_assignment, make_completion, make_people

SOON = (utcnow() + timedelta(days=30)).date().isoformat()


def _assigned(session: Session, module: str = "first-steps") -> set[int]:
    return set(session.exec(select(Assignment.user_id).where(Assignment.module_id == module)))


def test_people_table_has_a_labelled_check_box_per_row_and_both_select_alls(
    hr_client: TestClient, session: Session
) -> None:
    (ana,) = make_people(session, 1)
    page = hr_client.get("/hr/people").text
    assert f'name="ids" value="{ana.id}" aria-label="Select {ana.name}"' in page
    assert "Select all on this page" in page
    assert f"Select all {seen_on(page)} people that match the filter" in page


def test_assign_to_ticked_people_only_and_audit_who_what_before_after(
    hr_client: TestClient, session: Session
) -> None:
    a, b, _c = make_people(session, 3)
    data = {"action": "assign", "ids": [a.id, b.id], "modules": ["first-steps"], "due": SOON}
    response = post_bulk(hr_client, data)
    assert response.status_code == 303
    assert "done=assign&people=2&changed=2&unchanged=0" in response.headers["location"]
    assert _assigned(session) == {a.id, b.id}
    event = last_event(session, "assignment.create")
    detail = json.loads(event.detail)
    assert event.actor_id is not None and event.target == "first-steps"
    assert detail["user_ids"] == sorted([a.id, b.id])
    assert detail["before"] == {"assigned": 0} and detail["after"]["assigned"] == 2
    shown = hr_client.get(response.headers["location"]).text
    assert "Assigned 1 module to 2 people: 2 new assignments" in shown


def test_all_matching_acts_on_the_filter_rerun_at_the_moment_of_the_action(
    hr_client: TestClient, session: Session
) -> None:
    sales = make_department(session, "Sales")
    in_sales = make_people(session, 4, sales, prefix="s")
    others = make_people(session, 3, prefix="o")
    url = f"/hr/people?department={sales.id}"
    seen = seen_on(hr_client.get(url).text)
    data = {"action": "assign", "matching": "yes", "seen": seen, "department": sales.id}
    response = post_bulk(hr_client, data | {"modules": ["first-steps"]}, page=url)
    assert response.status_code == 303
    assert _assigned(session) == {u.id for u in in_sales}
    assert not _assigned(session) & {u.id for u in others}
    assert f"department={sales.id}" in response.headers["location"]


def test_all_matching_is_refused_whole_when_the_match_changed_since_the_page(
    hr_client: TestClient, session: Session
) -> None:
    sales = make_department(session, "Sales")
    make_people(session, 3, sales)
    url = f"/hr/people?department={sales.id}"
    seen = seen_on(hr_client.get(url).text)
    make_user(session, "joiner@example.com", name="Joiner", department=sales)
    data = {"action": "assign", "matching": "yes", "seen": seen, "department": sales.id}
    response = post_bulk(hr_client, data | {"modules": ["first-steps"]}, page=url)
    assert response.status_code == 409
    assert "now matches 4 people, not the 3 shown" in response.text
    assert "nothing was changed" in response.text
    assert seen_on(response.text) == 4  # the page shown again carries the new count
    assert _assigned(session) == set()


def test_select_all_on_this_page_acts_on_the_rows_shown(
    hr_client: TestClient, session: Session
) -> None:
    people = make_people(session, 3)
    data = {"action": "assign", "page_all": "yes", "page_ids": [u.id for u in people]}
    assert post_bulk(hr_client, data | {"modules": ["first-steps"]}).status_code == 303
    assert _assigned(session) == {u.id for u in people}


def test_set_due_moves_open_assignments_of_the_selected_and_keeps_completed_ones(
    hr_client: TestClient, session: Session
) -> None:
    a, b = make_people(session, 2)
    old = utcnow() + timedelta(days=3)
    for person in (a, b):
        make_assignment(session, person, "first-steps", due_at=old)
        make_assignment(session, person, "second-steps", due_at=old)
    make_completion(session, a, "first-steps")
    response = post_bulk(hr_client, {"action": "due", "ids": [a.id], "due": SOON})
    assert "changed=1" in response.headers["location"]
    dues = {
        (r.user_id, r.module_id): r.due_at.date().isoformat()
        for r in session.exec(select(Assignment))
    }
    assert dues[(a.id, "second-steps")] == SOON
    assert dues[(a.id, "first-steps")] == old.date().isoformat()
    assert dues[(b.id, "second-steps")] == old.date().isoformat()
    detail = json.loads(last_event(session, "assignment.due_change").detail)
    assert detail["before"] == {"due": {old.date().isoformat(): 1}}
    assert detail["after"] == {"due": SOON}


def test_remind_now_queues_one_outbox_message_per_person_and_once_a_week(
    hr_client: TestClient, session: Session
) -> None:
    a, b, nothing_open = make_people(session, 3)
    for person in (a, b):
        make_assignment(session, person, "first-steps")
        make_assignment(session, person, "second-steps")
    ids = [a.id, b.id, nothing_open.id]
    first = post_bulk(hr_client, {"action": "remind", "ids": ids})
    assert "people=3&changed=2&unchanged=1" in first.headers["location"]
    outbox = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "reminder")).all()
    assert sorted(m.to for m in outbox) == [a.email, b.email]
    assert all("first-steps" in m.body or "First" in m.body for m in outbox)
    again = post_bulk(hr_client, {"action": "remind", "ids": ids})
    assert "changed=0&unchanged=3" in again.headers["location"]
    assert len(session.exec(select(OutboxMessage)).all()) == 2


def test_deactivate_asks_for_confirmation_then_keeps_every_record(
    hr_client: TestClient, session: Session
) -> None:
    a, b = make_people(session, 2)
    make_assignment(session, a, "first-steps")
    unconfirmed = post_bulk(hr_client, {"action": "deactivate", "ids": [a.id, b.id]})
    assert unconfirmed.status_code == 422 and "to confirm" in unconfirmed.text
    session.refresh(a)
    assert a.active
    data = {"action": "deactivate", "ids": [a.id, b.id], "confirm": "yes"}
    response = post_bulk(hr_client, data)
    assert "changed=2" in response.headers["location"]
    session.expire_all()
    people = session.exec(select(User).where(col(User.id).in_([a.id, b.id]))).all()
    assert [p.active for p in people] == [False, False]
    assert _assigned(session) == {a.id}  # records stay
    detail = json.loads(last_event(session, "user.deactivate").detail)
    assert (detail["before"], detail["after"]) == ({"active": True}, {"active": False})


def test_htmx_action_swaps_the_table_and_announces_the_outcome(
    hr_client: TestClient, session: Session
) -> None:
    a, b = make_people(session, 2)
    data = {"action": "assign", "ids": [a.id, b.id], "modules": ["first-steps"]}
    response = post_bulk(hr_client, data, **{"HX-Request": "true"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="people-table">')
    trigger = json.loads(response.headers["HX-Trigger-After-Settle"])["announce"]
    assert trigger["message"].startswith("Assigned 1 module to 2 people")
    assert trigger["focus"] == "#bulk-outcome" and 'id="bulk-outcome"' in response.text


def test_htmx_refusal_is_announced_and_swapped_with_422(
    hr_client: TestClient, session: Session
) -> None:
    response = post_bulk(hr_client, {"action": "assign"}, **{"HX-Request": "true"})
    assert response.status_code == 422
    trigger = json.loads(response.headers["HX-Trigger-After-Settle"])["announce"]
    assert trigger["focus"] == "#bulk-problem"
    assert "at least one module" in trigger["message"]
