"""HR unassigns a module on the person's page: a confirmation first, history kept, others refused."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models import Assignment, AuditEvent, Completion, RemovedAssignment
from tests.conftest import login, post_form
from tests.factories import make_user
from tests.hr.factories import make_assignment, make_completion


def test_hr_unassigns_after_confirming_and_the_history_stays(
    client: TestClient, session: Session
) -> None:
    hr = make_user(session, "hr@example.com", role="hr")
    ana = make_user(session, "ana@example.com")
    make_assignment(session, ana, "first-steps")
    make_completion(session, ana, "first-steps")
    login(client, hr.email)
    page = client.get(f"/hr/people/{ana.id}")
    confirm_url = f"/hr/people/{ana.id}/assignments/first-steps/remove"
    assert confirm_url in page.text
    confirm = client.get(confirm_url)
    assert confirm.status_code == 200 and "Unassign" in confirm.text
    assert session.exec(select(Assignment)).all() != []  # asking is not doing
    done = post_form(client, confirm_url, {}, page=confirm_url)
    assert done.status_code == 303  # type: ignore[attr-defined]
    assert session.exec(select(Assignment)).all() == []
    removed = session.exec(select(RemovedAssignment)).one()
    assert (removed.removed_by_id, removed.removed_via) == (hr.id, "web")
    assert len(session.exec(select(Completion)).all()) == 1
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "assignment.remove")).one()
    assert json.loads(event.detail)["due"]["new"] is None
    after = client.get(f"/hr/people/{ana.id}?saved=unassigned")
    assert "Removed assignments" in after.text and "in the app" in after.text


def test_a_learner_cannot_unassign_and_a_missing_assignment_is_404(
    client: TestClient, session: Session
) -> None:
    hr = make_user(session, "hr@example.com", role="hr")
    ana = make_user(session, "ana@example.com")
    make_assignment(session, ana, "first-steps")
    login(client, ana.email)
    url = f"/hr/people/{ana.id}/assignments/first-steps/remove"
    assert client.get(url).status_code in (303, 403)
    assert len(session.exec(select(Assignment)).all()) == 1
    client.cookies.clear()
    login(client, hr.email)
    assert client.get(f"/hr/people/{ana.id}/assignments/second-steps/remove").status_code == 404
