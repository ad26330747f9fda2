"""Settings and e-mail texts sent after the sign-in ended are kept for their sender.

Outside test F22: the session dialog promised "Anything you have typed stays on this page",
but pressing Save after the timeout lost the typed settings and e-mail text and landed on /.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.config import Settings
from app.models import MailText, OrgSetting
from tests.conftest import csrf_from, settings_for
from tests.factories import make_user
from tests.learning.test_expired_quiz import IDLE_MINUTES, go_idle, kept_rows, sign_in
from tests.org.helpers import form_on

SETTINGS = "/admin/settings"
REMINDER = "/hr/emails/reminder"
TYPED = "Talk to **Priya** in People & Culture, or call 0800 000 000."
BODY = "Hello {name},\n\n{modules}\n\nTyped just before the timeout.\n"


@pytest.fixture
def settings(db_url: str, content_dir: Path) -> Settings:
    return settings_for(db_url, content_dir, session_idle_minutes=IDLE_MINUTES)


def _email_form(html: str) -> dict[str, str]:
    version = re.search(r'name="version" value="(\d+)"', html)
    assert version, "no version on the e-mail form"
    return {"csrf_token": csrf_from(html), "version": version.group(1)}


def test_settings_typed_before_the_timeout_come_back_unsaved_after_sign_in(
    client: TestClient, session: Session
) -> None:
    make_user(session, "boss@example.com", name="Boss", role="admin")
    assert sign_in(client, "boss@example.com").status_code == 303
    page = client.get(SETTINGS).text
    form = form_on(page) | {"csrf_token": csrf_from(page)}
    go_idle(session, "boss@example.com")
    sent = client.post(SETTINGS, data=form | {"who_to_talk_to": TYPED})
    assert sent.status_code == 303 and sent.headers["location"] == f"/login?next={SETTINGS}"
    assert sent.headers["set-cookie"].startswith("allyship_kept=")
    assert session.exec(select(OrgSetting)).all() == []  # nothing saved while signed out
    assert "your settings will be waiting" in client.get(sent.headers["location"]).text
    assert sign_in(client, "boss@example.com", SETTINGS).headers["location"] == SETTINGS
    back = client.get(SETTINGS)
    assert form_on(back.text)["who_to_talk_to"] == TYPED
    assert "You were signed out before this was saved." in back.text
    assert 'allyship_kept=""' in back.headers["set-cookie"] and kept_rows(session) == 0
    assert session.exec(select(OrgSetting)).all() == []  # shown again, not saved for them
    again = form_on(back.text) | {"csrf_token": csrf_from(back.text)}
    assert client.post(SETTINGS, data=again).status_code == 303
    saved = session.exec(select(OrgSetting).where(OrgSetting.key == "who_to_talk_to")).one()
    assert saved.value == TYPED
    assert form_on(client.get(SETTINGS).text)["who_to_talk_to"] == TYPED  # given back once


def test_kept_settings_go_to_no_one_else_signing_in_on_that_browser(
    client: TestClient, session: Session
) -> None:
    make_user(session, "boss@example.com", name="Boss", role="admin")
    make_user(session, "other@example.com", name="Other Admin", role="admin")
    assert sign_in(client, "boss@example.com").status_code == 303
    page = client.get(SETTINGS).text
    go_idle(session, "boss@example.com")
    sent = client.post(SETTINGS, data=form_on(page) | {"csrf_token": csrf_from(page)} | {
        "support_line": "Typed by Boss"
    })  # fmt: skip
    assert sent.status_code == 303 and kept_rows(session) == 1
    assert sign_in(client, "other@example.com", SETTINGS).status_code == 303
    shown = client.get(SETTINGS).text
    assert "Typed by Boss" not in shown and kept_rows(session) == 1


def test_email_text_typed_before_the_timeout_comes_back_and_a_save_meanwhile_is_caught(
    client: TestClient, session: Session
) -> None:
    make_user(session, "hana@example.com", name="Hana", role="hr")
    assert sign_in(client, "hana@example.com").status_code == 303
    form = _email_form(client.get(REMINDER).text)
    go_idle(session, "hana@example.com")
    subject = "{organisation}: a nudge about {course}"
    sent = client.post(REMINDER, data=form | {"subject": subject, "body": BODY})
    assert sent.status_code == 303 and sent.headers["location"] == f"/login?next={REMINDER}"
    assert "your e-mail text will be waiting" in client.get(sent.headers["location"]).text
    assert session.get(MailText, "reminder") is None
    assert sign_in(client, "hana@example.com", REMINDER).headers["location"] == REMINDER
    back = client.get(REMINDER)
    assert "Typed just before the timeout." in back.text
    assert 'value="{organisation}: a nudge about {course}"' in back.text
    assert 'allyship_kept=""' in back.headers["set-cookie"]
    # Someone saves the reminder meanwhile: the kept text carries the version it was typed on.
    session.add(
        MailText(
            kind="reminder", subject=subject, body="Hi {name}\n{modules}", custom=True, version=1
        )
    )
    session.commit()
    clash = client.post(REMINDER, data=_email_form(back.text) | {"subject": subject, "body": BODY})
    assert clash.status_code == 409
    assert "Typed just before the timeout." in clash.text


def test_two_tabs_sent_after_the_timeout_each_get_their_own_form_back(
    client: TestClient, session: Session
) -> None:
    """Retest R8: settings in one tab, an e-mail text in another, both sent after the timeout."""
    make_user(session, "boss@example.com", name="Boss", role="admin")
    assert sign_in(client, "boss@example.com").status_code == 303
    page = client.get(SETTINGS).text
    settings_form = form_on(page) | {"csrf_token": csrf_from(page), "who_to_talk_to": TYPED}
    email_form = _email_form(client.get(REMINDER).text) | {"subject": "Nudge", "body": BODY}
    go_idle(session, "boss@example.com")
    first = client.post(SETTINGS, data=settings_form)
    second = client.post(REMINDER, data=email_form)
    assert first.headers["location"] == f"/login?next={SETTINGS}"
    assert second.headers["location"] == f"/login?next={REMINDER}"
    assert kept_rows(session) == 2
    told = client.get(first.headers["location"]).text
    assert "You sent 2 forms (settings and e-mail text): each is kept." in told
    assert sign_in(client, "boss@example.com", SETTINGS).headers["location"] == SETTINGS
    back = client.get(SETTINGS)
    assert form_on(back.text)["who_to_talk_to"] == TYPED
    assert "allyship_kept" not in back.headers.get("set-cookie", "")  # the e-mail still waits
    assert kept_rows(session) == 1
    mail = client.get(REMINDER)
    assert "Typed just before the timeout." in mail.text and 'value="Nudge"' in mail.text
    assert 'allyship_kept=""' in mail.headers["set-cookie"] and kept_rows(session) == 0


def test_the_same_page_sent_twice_after_the_timeout_keeps_the_last(
    client: TestClient, session: Session
) -> None:
    """One row per page: a second send from the same page replaces the first, not adds."""
    make_user(session, "boss@example.com", name="Boss", role="admin")
    assert sign_in(client, "boss@example.com").status_code == 303
    page = client.get(SETTINGS).text
    form = form_on(page) | {"csrf_token": csrf_from(page)}
    go_idle(session, "boss@example.com")
    client.post(SETTINGS, data=form | {"who_to_talk_to": "first try"})
    client.post(SETTINGS, data=form | {"who_to_talk_to": TYPED})
    assert kept_rows(session) == 1
    assert "your settings will be waiting" in client.get(f"/login?next={SETTINGS}").text
    assert sign_in(client, "boss@example.com", SETTINGS).status_code == 303
    assert form_on(client.get(SETTINGS).text)["who_to_talk_to"] == TYPED
