"""Sign-in links shown to HR: only for never-used accounts below the issuer's role.

The whole matrix (issuer hr/admin x target learner/facilitator/hr/admin x activated or not):
for each cell, whether the page offers a link, whether the service hands one out, and who
can sign in afterwards (open the link, set a password, sign in). Where no link may be shown,
the only way is a reset e-mail to the person's own address, delivered by the real outbox
sender to a real SMTP server (aiosmtpd).
"""

from __future__ import annotations

import itertools
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, select

from app.auth import invites
from app.clock import utcnow
from app.config import Settings
from app.errors import DomainError
from app.models import Invite, User
from tests.conftest import csrf_from, login
from tests.factories import PASSWORD, make_user
from tests.hr.conftest import Inbox, inbox, settings, smtp_server
from tests.mail import deliver

__all__ = ["inbox", "settings", "smtp_server"]

RANK = ["learner", "facilitator", "hr", "admin"]
LINK = re.compile(r"https://learn\.example\.com/invite/([A-Za-z0-9_-]+)")
ANY_LINK = re.compile(r"/invite/[A-Za-z0-9_-]{10,}")
TAKEN_OVER = "chosen by whoever held the link"
OWNER = "chosen by the owner of the mailbox"


def person(session: Session, email: str, role: str, *, activated: bool) -> User:
    user = make_user(session, email, name=email.split("@")[0].title(), role=role)
    if not activated:
        user.password_hash = None
        session.add(user)
        session.commit()
    return user


def choose_password(app: FastAPI, token: str, password: str) -> int:
    visitor = TestClient(app, follow_redirects=False)
    page = visitor.get(f"/invite/{token}")
    if page.status_code != 200:
        return page.status_code
    form = {"csrf_token": csrf_from(page.text), "password": password, "confirm": password}
    return visitor.post(f"/invite/{token}", data=form).status_code


def signs_in(app: FastAPI, email: str, password: str) -> bool:
    return login(TestClient(app, follow_redirects=False), email, password).status_code == 303  # type: ignore[attr-defined]


def link_expected(issuer: str, target: str, activated: bool) -> bool:
    return not activated and RANK.index(target) < RANK.index(issuer)


CELLS = list(itertools.product(["hr", "admin"], RANK, [False, True]))


@pytest.mark.parametrize(("issuer", "target", "activated"), CELLS)
def test_sign_in_link_matrix_issuer_target_activation_decides_who_can_sign_in(
    app: FastAPI,
    session: Session,
    settings: Settings,
    inbox: Inbox,
    issuer: str,
    target: str,
    activated: bool,
) -> None:
    make_user(session, "issuer@example.com", name="Issuer", role=issuer)
    them = person(session, "target@example.com", target, activated=activated)
    staff = TestClient(app, follow_redirects=False)
    assert login(staff, "issuer@example.com").status_code == 303  # type: ignore[attr-defined]
    page = staff.get(f"/hr/people/{them.id}")
    expected = link_expected(issuer, target, activated)

    assert ("Create a new sign-in link" in page.text) is expected
    assert "Send a password-reset e-mail" in page.text
    asked = staff.post(f"/hr/people/{them.id}/invite", data={"csrf_token": csrf_from(page.text)})
    shown = LINK.search(asked.text)
    assert (asked.status_code, shown is not None) == ((200, True) if expected else (409, False))

    if shown:
        assert choose_password(app, shown.group(1), TAKEN_OVER) == 303
        assert signs_in(app, "target@example.com", TAKEN_OVER)
        assert choose_password(app, shown.group(1), "another pass phrase") == 410
        return

    assert "Send a password-reset e-mail instead" in asked.text
    sent = staff.post(
        f"/hr/people/{them.id}/reset-email", data={"csrf_token": csrf_from(page.text)}
    )
    assert sent.status_code == 303
    flashed = staff.get(sent.headers["location"])
    assert "password-reset e-mail is on its way to target@example.com" in flashed.text
    for response in (asked, sent, flashed):
        assert not ANY_LINK.search(response.text)
    assert session.exec(select(Invite).where(Invite.user_id == them.id)).first() is None
    assert deliver(settings).sent == ["target@example.com"]
    (mail,) = inbox.to("target@example.com")
    mailed = LINK.search(mail.replace("=\r\n", ""))
    assert mailed
    if activated:  # asking changed nothing: the owner's password still works
        assert signs_in(app, "target@example.com", PASSWORD)
    assert choose_password(app, mailed.group(1), OWNER) == 303
    assert signs_in(app, "target@example.com", OWNER)
    assert not signs_in(app, "target@example.com", TAKEN_OVER)


@pytest.mark.parametrize(("issuer", "target", "activated"), CELLS)
def test_issue_link_service_refuses_what_the_page_does_not_offer(
    session: Session, settings: Settings, issuer: str, target: str, activated: bool
) -> None:
    actor = make_user(session, "issuer@example.com", role=issuer)
    them = person(session, "target@example.com", target, activated=activated)
    if link_expected(issuer, target, activated):
        _user, link = invites.issue_link(session, settings, actor=actor, user_id=them.id or 0)
        assert LINK.search(link)
        return
    with pytest.raises(invites.LinkRefused):
        invites.issue_link(session, settings, actor=actor, user_id=them.id or 0)
    assert session.exec(select(Invite)).first() is None


def test_admin_is_never_shown_a_link_for_own_account(session: Session, settings: Settings) -> None:
    admin = person(session, "admin@example.com", "admin", activated=False)
    with pytest.raises(invites.LinkRefused):
        invites.issue_link(session, settings, actor=admin, user_id=admin.id or 0)


def test_shown_link_dies_when_the_account_gets_a_password_another_way(
    app: FastAPI, session: Session, settings: Settings, inbox: Inbox
) -> None:
    """HR's link was fine when made; once the owner has a password it no longer works."""
    hr = make_user(session, "hr@example.com", role="hr")
    them = person(session, "new@example.com", "learner", activated=False)
    _user, link = invites.issue_link(session, settings, actor=hr, user_id=them.id or 0)
    token = link.rsplit("/", 1)[1]
    session.execute(
        update(User)
        .where(User.id == them.id)
        .values(password_hash=hr.password_hash, password_changed_at=utcnow())
    )
    assert choose_password(app, token, TAKEN_OVER) == 410
    assert not signs_in(app, "new@example.com", TAKEN_OVER)


def test_shown_link_refused_even_without_a_recorded_password_change(
    app: FastAPI, session: Session, settings: Settings
) -> None:
    hr = make_user(session, "hr@example.com", role="hr")
    them = person(session, "new@example.com", "learner", activated=False)
    _user, link = invites.issue_link(session, settings, actor=hr, user_id=them.id or 0)
    session.execute(update(User).where(User.id == them.id).values(password_hash=hr.password_hash))
    assert choose_password(app, link.rsplit("/", 1)[1], TAKEN_OVER) == 410


@pytest.mark.parametrize(
    ("issuer_role", "promoted_to"), [("hr", "hr"), ("hr", "admin"), ("admin", "admin")]
)
def test_shown_link_dies_when_the_account_is_promoted_to_the_issuers_rank(
    app: FastAPI, session: Session, settings: Settings, issuer_role: str, promoted_to: str
) -> None:
    """HR makes a link for a new learner, an admin promotes the account: the link must not
    turn HR into an admin (found by the outside test)."""
    issuer = make_user(session, "issuer@example.com", role=issuer_role)
    them = person(session, "new@example.com", "learner", activated=False)
    _user, link = invites.issue_link(session, settings, actor=issuer, user_id=them.id or 0)
    session.execute(update(User).where(User.id == them.id).values(role=promoted_to))
    assert choose_password(app, link.rsplit("/", 1)[1], TAKEN_OVER) == 410
    assert not signs_in(app, "new@example.com", TAKEN_OVER)


def test_shown_link_dies_when_its_issuer_leaves_or_is_demoted(
    app: FastAPI, session: Session, settings: Settings
) -> None:
    hr = make_user(session, "hr@example.com", role="hr")
    first = person(session, "first@example.com", "learner", activated=False)
    second = person(session, "second@example.com", "facilitator", activated=False)
    _u, link1 = invites.issue_link(session, settings, actor=hr, user_id=first.id or 0)
    _u, link2 = invites.issue_link(session, settings, actor=hr, user_id=second.id or 0)
    session.execute(update(User).where(User.id == hr.id).values(role="facilitator"))
    assert choose_password(app, link2.rsplit("/", 1)[1], TAKEN_OVER) == 410
    session.execute(update(User).where(User.id == hr.id).values(role="hr", active=False))
    assert choose_password(app, link1.rsplit("/", 1)[1], TAKEN_OVER) == 410


def test_reset_email_for_a_leaver_is_refused_and_nothing_queued(
    session: Session, settings: Settings
) -> None:
    hr = make_user(session, "hr@example.com", role="hr")
    gone = make_user(session, "gone@example.com", active=False)
    with pytest.raises(DomainError):
        invites.queue_reset_email(session, actor=hr, user_id=gone.id or 0)
    assert deliver(settings).sent == []


@pytest.mark.parametrize("role", ["learner", "facilitator"])
def test_non_hr_cannot_ask_for_links_or_reset_emails(
    app: FastAPI, session: Session, role: str
) -> None:
    make_user(session, "me@example.com", role=role)
    them = person(session, "new@example.com", "learner", activated=False)
    client = TestClient(app, follow_redirects=False)
    login(client, "me@example.com")
    token = csrf_from(client.get("/account").text)
    for action in ("invite", "reset-email"):
        response = client.post(f"/hr/people/{them.id}/{action}", data={"csrf_token": token})
        assert response.status_code == 403
    assert session.exec(select(Invite)).first() is None
