"""An organisation that has not set its name: an empty box, and no made-up name anywhere.

Outside test F10: a fresh install showed "Your organisation" as the name's value, and
invitations went out "at Your organisation" (which reads like phishing, issue 17).
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.auth.link_mail import SIGN_IN_LINKS
from app.clock import utcnow
from app.config import Settings
from app.mail import stored_texts
from app.mail.mailer import Message
from app.models import OrgSetting, OutboxMessage
from tests.conftest import csrf_from
from tests.org.helpers import PAGE, error_of, form_on, save, signed_in_as


def _invitation(client: TestClient, session: Session, settings: Settings, email: str) -> Message:
    """Add a person on the form; the invitation as the sender composes it (link minted)."""
    token = csrf_from(client.get("/hr/people/add").text)
    data = {"csrf_token": token, "name": "Nia New", "email": email, "role": "learner"}
    assert client.post("/hr/people/add", data=data).status_code == 303
    row = session.exec(select(OutboxMessage).where(OutboxMessage.to == email)).one()
    composed = SIGN_IN_LINKS.compose(session, settings, row)
    assert composed is not None
    session.commit()
    return composed


def test_fresh_install_shows_an_empty_name_box_saying_it_is_not_set(
    client: TestClient, session: Session
) -> None:
    signed_in_as(client, session, "admin")
    page = client.get(PAGE).text
    assert form_on(page)["organisation_name"] == ""
    assert "Not set yet" in page and "Your organisation" not in page.replace(
        "<h2>Your organisation</h2>", ""
    )


def test_other_settings_save_while_the_name_is_unset_but_a_set_name_cannot_be_cleared(
    client: TestClient, session: Session
) -> None:
    signed_in_as(client, session, "admin")
    assert save(client, support_line="EAP 0800 123 456").status_code == 303
    stored = {r.key for r in session.exec(select(OrgSetting))}
    assert stored == {"support_line"}  # no name stored for the admin who did not type one
    assert save(client, organisation_name="Acme Health").status_code == 303
    cleared = save(client, organisation_name="")
    assert cleared.status_code == 422
    assert "Enter the organisation's name." in error_of(cleared.text, "organisation_name")


def test_invitation_names_no_organisation_until_one_is_set(
    client: TestClient, session: Session, app: FastAPI, settings: Settings
) -> None:
    signed_in_as(client, session, "admin", "boss@example.com")
    first = _invitation(client, session, settings, "nia@example.com")
    assert first.subject == "Admin Person invited you to Allies in Practice"
    assert "Your organisation" not in first.body
    assert "Admin Person has invited you to Allies in Practice" in " ".join(first.body.split())
    assert first.body.rstrip().endswith("Allies in Practice")
    assert stored_texts.sender_name(session, settings) == "Allies in Practice"
    preview = client.get("/hr/emails/invitation").text
    assert "Your organisation" not in preview and "unnamed-organisation" in preview
    assert "Set the organisation's name" in preview.replace("&#39;", "'")  # the admin's link
    assert save(client, organisation_name="Acme Health").status_code == 303
    stored_texts.forget(session)
    assert stored_texts.sender_name(session, settings) == "Acme Health (Allies in Practice)"
    named = _invitation(client, session, settings, "noa@example.com")
    assert named.subject == "Acme Health: Admin Person invited you to Allies in Practice"
    assert "Admin Person at Acme Health has invited you" in " ".join(named.body.split())
    assert "unnamed-organisation" not in client.get("/hr/emails/invitation").text


def test_a_name_saved_as_the_old_placeholder_counts_as_unset(
    client: TestClient, session: Session, settings: Settings
) -> None:
    """Earlier versions put "Your organisation" in the box, and a save stored it as typed."""
    session.add(OrgSetting(key="organisation_name", value="Your organisation", updated_at=utcnow()))
    session.commit()
    signed_in_as(client, session, "admin")
    page = client.get(PAGE).text
    assert form_on(page)["organisation_name"] == "" and "Not set yet" in page
    assert 'class="brand-org"' not in page
    assert stored_texts.organisation_name(session, settings) == ""
    assert stored_texts.sender_name(session, settings) == "Allies in Practice"
