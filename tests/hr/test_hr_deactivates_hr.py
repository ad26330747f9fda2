"""Outside test F13: HR cannot deactivate (or reactivate) another hr account, in bulk or on
the person page, which offers no button for it; an admin can."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import User
from tests.conftest import csrf_from
from tests.factories import make_user
from tests.hr.bulk_helpers import post_bulk


def test_hr_cannot_deactivate_another_hr_account(
    hr_client: TestClient, admin_client: TestClient, session: Session
) -> None:
    colleague = make_user(session, "hr2@example.com", role="hr")
    learner = make_user(session, "lea@example.com")
    data = {"action": "deactivate", "ids": [colleague.id, learner.id], "confirm": "yes"}
    refused = post_bulk(hr_client, data)
    assert refused.status_code == 422
    assert "hr2@example.com" in refused.text and "cannot deactivate hr or admin" in refused.text
    page = hr_client.get(f"/hr/people/{colleague.id}")
    assert f'action="/hr/people/{colleague.id}/active"' not in page.text
    token = csrf_from(page.text)
    one = hr_client.post(
        f"/hr/people/{colleague.id}/active",
        data={"csrf_token": token, "active": "no", "confirm": "yes"},
    )
    assert one.status_code == 403
    session.expire_all()
    assert session.get(User, colleague.id).active  # type: ignore[union-attr]
    assert session.get(User, learner.id).active  # type: ignore[union-attr]
    page = admin_client.get(f"/hr/people/{colleague.id}")
    done = admin_client.post(
        f"/hr/people/{colleague.id}/active",
        data={"csrf_token": csrf_from(page.text), "active": "no", "confirm": "yes"},
    )
    assert done.status_code == 303
    session.expire_all()
    assert not session.get(User, colleague.id).active  # type: ignore[union-attr]
