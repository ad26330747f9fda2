"""An e-mail change made by HR or an API key cannot be turned into a password reset for the
new address: for a week the reset link goes to the address the owner had before."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, col

from app.clock import utcnow
from app.config import Settings
from app.models import AuditEvent
from tests.conftest import csrf_from
from tests.hr.conftest import Inbox, inbox, settings, smtp_server
from tests.mail import deliver
from tests.security.people_helpers import HEADER, import_file, set_external_id, signed_in
from tests.security.test_sign_in_links import LINK, OWNER, TAKEN_OVER, choose_password, signs_in

__all__ = ["inbox", "settings", "smtp_server"]  # fixtures shared with the HR tests


def _links(inbox: Inbox, address: str) -> list[str]:
    found = (LINK.search(m.replace("=\r\n", "")) for m in inbox.to(address))
    return [m.group(1) for m in found if m]


def _hr_changes_ana_address(app: FastAPI, session: Session, new: str) -> tuple[TestClient, int]:
    signed_in(app, session, "ana@example.com")  # Ana has a password
    ana = set_external_id(session, "ana@example.com", "E-ANA")
    hr = signed_in(app, session, "hr@example.com", "hr")
    import_file(hr, HEADER + f"\n{new},Ana,,,,E-ANA\n")
    return hr, ana.id or 0


def _hr_sends_reset(hr: TestClient, user_id: int) -> None:
    page = hr.get(f"/hr/people/{user_id}")
    sent = hr.post(f"/hr/people/{user_id}/reset-email", data={"csrf_token": csrf_from(page.text)})
    assert sent.status_code == 303


def test_reset_after_hr_changes_the_address_goes_to_the_old_one(
    app: FastAPI, session: Session, settings: Settings, inbox: Inbox
) -> None:
    """The outside test's chain: import a new address, then ask for a reset e-mail."""
    hr, ana_id = _hr_changes_ana_address(app, session, "attacker@evil.test")
    _hr_sends_reset(hr, ana_id)
    deliver(settings)
    assert _links(inbox, "attacker@evil.test") == []
    (link,) = _links(inbox, "ana@example.com")
    assert choose_password(app, link, OWNER) == 303
    assert signs_in(app, "attacker@evil.test", OWNER)  # she signs in with her new address


def test_self_service_reset_for_the_new_address_goes_to_the_old_one(
    app: FastAPI, session: Session, settings: Settings, inbox: Inbox
) -> None:
    _hr_changes_ana_address(app, session, "attacker@evil.test")
    visitor = TestClient(app, follow_redirects=False)
    page = visitor.get("/password-reset")
    visitor.post(
        "/password-reset",
        data={"csrf_token": csrf_from(page.text), "email": "attacker@evil.test"},
    )
    deliver(settings)
    assert _links(inbox, "attacker@evil.test") == []
    assert len(_links(inbox, "ana@example.com")) == 1
    assert not signs_in(app, "attacker@evil.test", TAKEN_OVER)


def test_two_quick_changes_still_send_the_reset_to_the_first_address(
    app: FastAPI, session: Session, settings: Settings, inbox: Inbox
) -> None:
    hr, ana_id = _hr_changes_ana_address(app, session, "step-one@evil.test")
    import_file(hr, HEADER + "\nstep-two@evil.test,Ana,,,,E-ANA\n")
    _hr_sends_reset(hr, ana_id)
    deliver(settings)
    assert _links(inbox, "step-one@evil.test") == _links(inbox, "step-two@evil.test") == []
    assert len(_links(inbox, "ana@example.com")) == 1


def test_a_week_after_the_change_resets_go_to_the_new_address(
    app: FastAPI, session: Session, settings: Settings, inbox: Inbox
) -> None:
    hr, ana_id = _hr_changes_ana_address(app, session, "ana.married@example.com")
    session.execute(
        update(AuditEvent)
        .where(col(AuditEvent.action) == "user.email_change")
        .values(at=utcnow() - timedelta(days=8))
    )
    _hr_sends_reset(hr, ana_id)
    deliver(settings)
    assert len(_links(inbox, "ana.married@example.com")) == 1
    assert _links(inbox, "ana@example.com") == []
