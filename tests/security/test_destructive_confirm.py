"""Outside test F21: the one-person destructive buttons ask first, as the bulk deactivate does.

Deactivate (leaver) on a person's page, Remove the logo on /admin/settings and Restore the
default text on /hr/emails/<kind> each need their "Yes, ..." box ticked (no JavaScript: the
box is in the form). A POST without it, or with anything but "yes" in it, changes nothing,
answers 422 and says what to tick; with it the action happens.
"""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.mail import stored_texts, texts
from app.models import AuditEvent, LoginSession, OrgLogo, User, row_id
from tests.conftest import csrf_from
from tests.factories import make_user
from tests.hr.test_email_text_pages import edit
from tests.org.helpers import PAGE
from tests.org.test_logo import png, upload
from tests.security.people_helpers import signed_in, still_signed_in

# Not ticked (absent), what a browser sends for a box without a value, a near miss, and huge
# (only a crafted request sends that: refused by the box's length), each with what the page says.
NOT_CONFIRMED = [
    ({}, "tick “Yes, {}” to confirm"),
    ({"confirm": "on"}, "tick “Yes, {}” to confirm"),
    ({"confirm": "YES "}, "tick “Yes, {}” to confirm"),
    ({"confirm": "yes" * 5000}, "Confirm: choose from the options shown."),
]
CASES = {"argnames": ("sent", "says"), "argvalues": NOT_CONFIRMED}
IDS = ["absent", "on", "near", "huge"]


def _audited(session: Session, action: str) -> int:
    return len(session.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


@pytest.mark.parametrize(**CASES, ids=IDS)
def test_deactivate_without_the_tick_changes_nothing_and_says_what_to_tick(
    app: FastAPI, hr: TestClient, session: Session, sent: dict[str, str], says: str
) -> None:
    lee = make_user(session, "lee@example.com", name="Lee Learner")
    browser = signed_in(app, session, "lee-browser@example.com")
    page = hr.get(f"/hr/people/{row_id(lee)}").text
    assert 'id="deactivate-confirm" name="confirm" value="yes"' in page  # offered, unticked
    assert 'name="confirm" value="yes" checked' not in page
    refused = hr.post(
        f"/hr/people/{row_id(lee)}/active",
        data={"csrf_token": csrf_from(page), "active": "no", **sent},
    )
    assert refused.status_code == 422
    assert says.format("deactivate them") in refused.text
    session.expire_all()
    assert session.get(User, row_id(lee)).active  # type: ignore[union-attr]
    assert _audited(session, "user.deactivate") == 0
    assert still_signed_in(browser)
    revoked = session.exec(
        select(LoginSession).where(col(LoginSession.revoked_at).is_not(None))
    ).all()
    assert revoked == []


def test_deactivate_with_the_tick_happens_and_reactivate_needs_none(
    app: FastAPI, hr: TestClient, session: Session
) -> None:
    browser = signed_in(app, session, "lee@example.com")
    lee = session.exec(select(User).where(User.email == "lee@example.com")).one()
    refused = hr.post(
        f"/hr/people/{row_id(lee)}/active",
        data={"csrf_token": csrf_from(hr.get("/account").text), "active": "no"},
    )
    assert "tick “Yes, deactivate them” to confirm" in refused.text
    assert 'href="#deactivate-confirm"' in refused.text  # the summary leads to the box
    assert 'aria-describedby="deactivate-confirm-error"' in refused.text
    page = hr.get(f"/hr/people/{row_id(lee)}").text
    done = hr.post(
        f"/hr/people/{row_id(lee)}/active",
        data={"csrf_token": csrf_from(page), "active": "no", "confirm": "yes"},
    )
    assert done.status_code == 303
    session.expire_all()
    assert not session.get(User, row_id(lee)).active  # type: ignore[union-attr]
    assert not still_signed_in(browser)
    page = hr.get(f"/hr/people/{row_id(lee)}").text
    assert "Reactivate" in page and 'id="deactivate-confirm"' not in page
    back = hr.post(
        f"/hr/people/{row_id(lee)}/active", data={"csrf_token": csrf_from(page), "active": "yes"}
    )
    assert back.status_code == 303
    session.expire_all()
    assert session.get(User, row_id(lee)).active  # type: ignore[union-attr]


@pytest.mark.parametrize(**CASES, ids=IDS)
def test_remove_the_logo_without_the_tick_keeps_it(
    admin: TestClient, session: Session, sent: dict[str, str], says: str
) -> None:
    assert upload(admin, "a.png", png(), "image/png").status_code == 303  # type: ignore[attr-defined]
    page = admin.get(PAGE).text
    assert 'id="remove-logo-confirm" name="confirm" value="yes"' in page
    refused = admin.post(f"{PAGE}/logo/remove", data={"csrf_token": csrf_from(page), **sent})
    assert refused.status_code == 422
    assert says.format("remove the logo") in refused.text
    session.expire_all()
    assert len(session.exec(select(OrgLogo)).all()) == 1
    assert admin.get("/org/logo").status_code == 200
    assert _audited(session, "org.logo") == 1  # the upload only
    assert "brand-logo" in admin.get("/").text


def test_remove_the_logo_with_the_tick_removes_it(admin: TestClient, session: Session) -> None:
    upload(admin, "a.png", png(), "image/png")
    refused = admin.post(
        f"{PAGE}/logo/remove", data={"csrf_token": csrf_from(admin.get(PAGE).text)}
    )
    assert "tick “Yes, remove the logo” to confirm" in refused.text
    assert 'href="#remove-logo-confirm"' in refused.text
    assert admin.get("/org/logo").status_code == 200
    done = admin.post(
        f"{PAGE}/logo/remove",
        data={"csrf_token": csrf_from(admin.get(PAGE).text), "confirm": "yes"},
    )
    assert done.status_code == 303 and done.headers["location"] == f"{PAGE}?saved=nologo"
    assert admin.get("/org/logo").status_code == 404
    assert "brand-logo" not in admin.get("/").text


def _restore(client: TestClient, kind: str, **extra: str) -> object:
    page = client.get(f"/hr/emails/{kind}").text
    version = page.split('id="restore-form"')[1].split('name="version" value="')[1].split('"')[0]
    data = {"csrf_token": csrf_from(page), "version": version, **extra}
    return client.post(f"/hr/emails/{kind}/restore", data=data)


@pytest.mark.parametrize(**CASES, ids=IDS)
def test_restore_the_default_without_the_tick_keeps_the_edited_text(
    hr: TestClient, session: Session, sent: dict[str, str], says: str
) -> None:
    edited = ("{organisation}: our own words", "Please finish {modules}.")
    assert edit(hr, texts.REMINDER, *edited).status_code == 303
    page = hr.get(f"/hr/emails/{texts.REMINDER}").text
    assert 'id="restore-confirm" name="confirm" value="yes"' in page
    refused = _restore(hr, texts.REMINDER, **sent)
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert says.format("replace the edited text") in refused.text  # type: ignore[attr-defined]
    session.expire_all()
    kept = stored_texts.current(session, texts.REMINDER)
    assert (kept.subject, kept.body, kept.custom) == (*edited, True)
    assert _audited(session, "mail.text_restored") == 0


def test_restore_the_default_with_the_tick_brings_the_shipped_text_back(
    hr: TestClient, session: Session
) -> None:
    edit(hr, texts.REMINDER, "{organisation}: our own words", "Please finish {modules}.")
    refused = _restore(hr, texts.REMINDER)
    assert "tick “Yes, replace the edited text” to confirm" in refused.text  # type: ignore[attr-defined]
    assert 'href="#restore-confirm"' in refused.text  # type: ignore[attr-defined]
    assert "our own words" in refused.text  # type: ignore[attr-defined]  (still shown: kept)
    done = _restore(hr, texts.REMINDER, confirm="yes")
    assert done.status_code == 303  # type: ignore[attr-defined]
    session.expire_all()
    assert not stored_texts.current(session, texts.REMINDER).custom
    assert _audited(session, "mail.text_restored") == 1
