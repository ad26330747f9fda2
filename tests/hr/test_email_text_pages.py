"""Editing e-mail texts on /hr/emails, delivered to a real SMTP server (aiosmtpd on loopback).

The organisation's name in From and Subject, the preview on sample data, a test that goes
only to the editor, a script tag shown as text, who may edit what, two editors at once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_string
from email.header import decode_header, make_header
from email.message import Message as Parsed
from email.utils import parseaddr

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlmodel import Session, col, select

from app.auth import invites, reset
from app.clock import utcnow
from app.config import Settings
from app.hr import reminders
from app.mail import texts
from app.models import AuditEvent, MailText, OrgSetting, OutboxMessage
from app.recert.status import add_months
from tests.concurrency import at_once
from tests.conftest import csrf_from, login
from tests.factories import make_user
from tests.hr.conftest import Inbox, signed_in_as
from tests.hr.factories import make_assignment
from tests.mail import deliver
from tests.recert.conftest import finished, months_ago, period

ORG = "Acme Health"
INVITE_SUBJECT = "{organisation}: {inviter} asks you to join {course}"
INVITE_BODY = (
    "Dear {name},\n\n{inviter} at {organisation} invites you.\n{link}\nValid {valid_for}.\n"
)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The HR tests' settings with an organisation name and a sender of its own."""
    update = {"organisation_name": ORG, "smtp_from": "Allies in Practice <learning@acme.example>"}
    return settings.model_copy(update=update)


@pytest.fixture
def learner_client(app: FastAPI, session: Session) -> Iterator[TestClient]:
    yield signed_in_as(app, session, "learner", "Lee Learner")


def parsed(inbox: Inbox, address: str) -> list[Parsed]:
    return [message_from_string(text) for text in inbox.to(address)]


def header(message: Parsed, name: str) -> str:
    return str(make_header(decode_header(message[name])))


def edit(client: TestClient, kind: str, subject: str, body: str, **extra: str) -> Response:
    page = client.get(f"/hr/emails/{kind}")
    version = page.text.split('name="version" value="')[1].split('"')[0]
    data = {"csrf_token": csrf_from(page.text), "subject": subject, "body": body}
    return client.post(f"/hr/emails/{kind}", data={"version": version, **data, **extra})


def test_edited_invitation_is_delivered_with_the_organisation_in_from_and_subject(
    admin_client: TestClient, session: Session, settings: Settings, inbox: Inbox
) -> None:
    response = edit(admin_client, texts.INVITATION, INVITE_SUBJECT, INVITE_BODY)
    assert response.status_code == 303
    admin = session.exec(select(AuditEvent).where(AuditEvent.action == "mail.text_saved")).one()
    assert admin.target == texts.INVITATION
    newcomer = make_user(session, "new@example.com", name="Nia New")
    inviter = make_user(session, "hana@example.com", name="Hana HR", role="hr")
    invites.queue(session, user_ids=[newcomer.id or 0], actor_id=inviter.id)
    session.commit()
    assert deliver(settings).sent == ["new@example.com"]
    [mail] = parsed(inbox, "new@example.com")
    name, address = parseaddr(header(mail, "From"))
    assert ORG in name and address == "learning@acme.example"
    assert header(mail, "Subject") == f"{ORG}: Hana HR asks you to join Allies in Practice"
    body = mail.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert body.startswith("Dear Nia New,") and "Hana HR at Acme Health invites you." in body
    assert "https://learn.example.com/invite/" in body and "Valid 14 days." in body
    assert mail.get_content_type() == "text/plain"


def test_shipped_invitation_says_who_what_how_long_and_what_if_unexpected(
    session: Session, settings: Settings, inbox: Inbox
) -> None:
    newcomer = make_user(session, "new@example.com", name="Nia New")
    invites.queue(session, user_ids=[newcomer.id or 0], actor_id=None)
    session.commit()
    deliver(settings)
    [mail] = parsed(inbox, "new@example.com")
    body = " ".join(mail.get_payload(decode=True).decode().split())  # type: ignore[union-attr]
    assert header(mail, "Subject") == f"{ORG}: Your HR team invited you to Allies in Practice"
    assert "Your HR team at Acme Health has invited you to Allies in Practice" in body
    assert "course on being an ally at work" in body and "works once, for 14 days" in body
    assert "Not expecting this? Do not open the link." in body
    assert "has given you access" not in body


def test_edited_reminder_recertification_and_password_reset_carry_the_organisation(
    admin_client: TestClient, session: Session, settings: Settings, inbox: Inbox
) -> None:
    subject = "{organisation} reminder for {name}: due {due_date}"
    response = edit(admin_client, texts.REMINDER, subject, "Hi {name}\n{modules}\n")
    assert response.status_code == 303
    renew = ("{organisation}: {name}, renew by {expires_on}", "{modules}\nDue {due_date}: {link}")
    assert edit(admin_client, texts.RECERT_EXPIRING, *renew).status_code == 303
    ana = make_user(session, "ana@example.com", name="Ana Example")
    row = make_assignment(session, ana, "second-steps", due_at=utcnow() + timedelta(days=5))
    ben = make_user(session, "ben@example.com", name="Ben Example")
    finished(session, ben, at=months_ago(11))  # expires in about a month
    period(session, "12")
    catalog = admin_client.app.state.catalog
    reminders.queue_due(session, settings, catalog, actor_id=None)
    reset.request_reset(session, email="ana@example.com")
    deliver(settings)
    mails = {header(m, "Subject"): m for m in parsed(inbox, "ana@example.com")}
    due = f"{row.due_at:%-d %b %Y}"
    assert sorted(mails) == [
        f"{ORG} reminder for Ana Example: due {due}",
        f"{ORG}: reset your Allies in Practice password",
    ]
    [renewal] = parsed(inbox, "ben@example.com")
    expires = add_months(months_ago(11).date(), 12)
    assert header(renewal, "Subject") == f"{ORG}: Ben Example, renew by {expires:%-d %b %Y}"
    body = renewal.get_payload(decode=True).decode()  # type: ignore[union-attr]
    reopened = f"due in {(expires - utcnow().date()).days - 1} days"
    assert "https://learn.example.com/modules/first-steps" in body and reopened in body
    assert f"Due {expires - timedelta(days=1):%-d %b %Y}: https://learn.example.com/" in body
    assert all(ORG in parseaddr(header(m, "From"))[0] for m in [*mails.values(), renewal])


def test_preview_shows_sample_data_and_the_text_as_typed(
    admin_client: TestClient, settings: Settings
) -> None:
    page = admin_client.get("/hr/emails/reminder")
    assert page.status_code == 200
    assert "Sam Sample" in page.text and f"{ORG}: Allies in Practice is due on" in page.text
    assert "https://learn.example.com/modules/" in page.text
    typed = {"subject": "{organisation} hi {name}", "body": "Hello {name}!\n{modules}"}
    swapped = admin_client.post(
        "/hr/emails/reminder/preview",
        data={"csrf_token": csrf_from(page.text), **typed},
        headers={"HX-Request": "true"},
    )
    assert swapped.status_code == 200 and swapped.text.lstrip().startswith("<section")
    assert f"{ORG} hi Sam Sample" in swapped.text and "Hello Sam Sample!" in swapped.text
    assert admin_client.get("/hr/emails/reminder").text.count("Hello Sam Sample!") == 0  # not saved


@pytest.mark.parametrize("kind", ["reminder", "overdue", "manager-digest", "recert-expiring"])
def test_preview_links_the_dashboard_as_the_real_email_does_not_an_invitation(
    admin_client: TestClient, kind: str
) -> None:
    """Outside test F5: the reminder's preview showed a /invite/ sign-in link under "Your
    dashboard", which the real reminder does not have (and which looks like phishing)."""
    page = admin_client.get(f"/hr/emails/{kind}").text
    assert "/invite/" not in page
    if kind != "manager-digest":
        assert "Your dashboard: https://learn.example.com/\n" in page.replace("&#10;", "\n")
    assert "sam.sample@example.com" not in page  # nor an address a manager never gets (F18)


def test_preview_of_the_expired_stage_shows_a_day_gone_by_and_open_modules(
    admin_client: TestClient,
) -> None:
    page = admin_client.get(f"/hr/emails/{texts.RECERT_EXPIRED}").text
    past = f"{utcnow().date() - timedelta(days=3):%-d %b %Y}"
    assert f"validity period on {past}" in page and "https://learn.example.com/modules/" in page
    assert f"{ORG}: your Allies in Practice refresher is open" in page


def test_preview_of_a_bad_text_names_the_problem(admin_client: TestClient) -> None:
    page = admin_client.get("/hr/emails/invitation")
    response = admin_client.post(
        "/hr/emails/invitation/preview",
        data={"csrf_token": csrf_from(page.text), "subject": "{organisation}", "body": "no link"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and "put {link} in it" in response.text


SHIPPED_EXPIRED = texts.KINDS[texts.RECERT_EXPIRED]


@pytest.mark.parametrize(
    ("kind", "subject", "body", "sent_subject", "sent_body"),
    [
        (
            texts.INVITATION,
            INVITE_SUBJECT,
            INVITE_BODY,
            f"{ORG}: Hana HR asks you to join Allies in Practice",
            ("Dear Sam Sample", "example-only-this-link-does-not-work"),
        ),
        (
            texts.RECERT_EXPIRED,
            SHIPPED_EXPIRED.subject,
            SHIPPED_EXPIRED.body,
            f"{ORG}: your Allies in Practice refresher is open",
            ("Hello Sam Sample", "validity period on ", "https://learn.example.com/modules/"),
        ),
    ],
)
def test_send_me_a_test_reaches_only_the_editors_own_address(
    admin_client: TestClient,
    session: Session,
    settings: Settings,
    inbox: Inbox,
    kind: str,
    subject: str,
    body: str,
    sent_subject: str,
    sent_body: tuple[str, ...],
) -> None:
    make_user(session, "ana@example.com")
    page = admin_client.get(f"/hr/emails/{kind}")
    data = {"csrf_token": csrf_from(page.text), "subject": subject, "body": body}
    response = admin_client.post(f"/hr/emails/{kind}/test", data=data)
    assert response.status_code == 200 and "A test is queued for admin@example.com" in response.text
    assert inbox.messages == []  # the request only queued it
    assert deliver(settings).sent == ["admin@example.com"]
    assert [m.rcpt_tos for m in inbox.messages] == [["admin@example.com"]]
    [mail] = parsed(inbox, "admin@example.com")
    assert header(mail, "Subject") == f"[Test] {sent_subject}"
    assert ORG in parseaddr(header(mail, "From"))[0]
    text = mail.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert all(part in text for part in sent_body)
    assert session.exec(select(MailText)).all() == []  # a test saves nothing


def test_test_sends_are_limited_per_hour(admin_client: TestClient, session: Session) -> None:
    page = admin_client.get("/hr/emails/reminder")
    kind = texts.KINDS[texts.REMINDER]
    data = {"csrf_token": csrf_from(page.text), "subject": kind.subject, "body": kind.body}
    codes = [
        admin_client.post("/hr/emails/reminder/test", data=data).status_code for _ in range(11)
    ]
    assert codes == [200] * 10 + [429]
    assert len(session.exec(select(OutboxMessage)).all()) == 10


def test_a_script_tag_in_a_text_is_shown_as_text(
    admin_client: TestClient, session: Session, settings: Settings, inbox: Inbox
) -> None:
    body = "<script>alert('x')</script> {modules}\n<img src=x onerror=alert(1)>"
    subject = "{organisation} <script>alert(2)</script>"
    assert edit(admin_client, texts.REMINDER, subject, body).status_code == 303
    page = admin_client.get("/hr/emails/reminder").text
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    response = admin_client.post(
        "/hr/emails/reminder/test",
        data={"csrf_token": csrf_from(page), "subject": subject, "body": body},
    )
    assert "<script>alert" not in response.text
    deliver(settings)
    [mail] = parsed(inbox, "admin@example.com")
    assert mail.get_content_type() == "text/plain" and not mail.is_multipart()
    assert "<script>alert('x')</script>" in mail.get_payload(decode=True).decode()  # type: ignore[union-attr]


def test_learner_cannot_see_or_edit_any_text(learner_client: TestClient, session: Session) -> None:
    assert learner_client.get("/hr/emails").status_code == 403
    assert learner_client.get("/hr/emails/reminder").status_code == 403
    page = learner_client.get("/")
    data = {"csrf_token": csrf_from(page.text), "subject": "{organisation}", "body": "{modules}"}
    for path in ("/hr/emails/reminder", "/hr/emails/reminder/test", "/hr/emails/reminder/restore"):
        assert learner_client.post(path, data={**data, "version": "0"}).status_code == 403
    assert session.exec(select(MailText)).all() == []
    assert session.exec(select(OutboxMessage)).all() == []


def test_hr_edits_reminder_texts_but_not_the_ones_with_sign_in_links(
    hr_client: TestClient, session: Session
) -> None:
    listing = hr_client.get("/hr/emails").text
    assert "Reminder" in listing and "Manager digest" in listing
    assert "/hr/emails/invitation" not in listing
    assert "/hr/emails/recert-expiring" in listing and "/hr/emails/recert-expired" in listing
    assert edit(hr_client, texts.OVERDUE, "{organisation}: late", "{modules}").status_code == 303
    assert edit(hr_client, texts.RECERT_EXPIRED, "{organisation}: due", "{link}").status_code == 303
    for kind in (texts.INVITATION, texts.PASSWORD_RESET):
        assert hr_client.get(f"/hr/emails/{kind}").status_code == 403
        data = {"csrf_token": csrf_from(listing), "subject": "{organisation}", "body": "{link}"}
        assert (
            hr_client.post(f"/hr/emails/{kind}", data={**data, "version": "0"}).status_code == 403
        )
        assert hr_client.post(f"/hr/emails/{kind}/test", data=data).status_code == 403
    kinds = sorted(r.kind for r in session.exec(select(MailText)).all())
    assert kinds == [texts.OVERDUE, texts.RECERT_EXPIRED]


def test_unknown_or_missing_required_placeholder_is_refused_with_its_name(
    admin_client: TestClient, session: Session
) -> None:
    response = edit(admin_client, texts.PASSWORD_RESET, "{organisation}: reset", "Hi {name}")
    assert response.status_code == 422
    assert "put {link} in it" in response.text
    assert 'value="{organisation}: reset"' in response.text
    response = edit(admin_client, texts.REMINDER, "{organisation}", "{modules} {due_date} {dew}")
    assert response.status_code == 422 and "{dew} is not a placeholder" in response.text
    response = edit(admin_client, texts.RECERT_EXPIRING, "{organisation}", "{modules} {people}")
    assert response.status_code == 422 and "{people} is not a placeholder" in response.text
    response = edit(admin_client, texts.RECERT_EXPIRED, "{organisation} {modules}", "{link}")
    assert response.status_code == 422 and "in the subject" in response.text
    response = edit(admin_client, texts.REMINDER, "{organisation}", "{modules}" + "x" * 20_000)
    assert response.status_code == 422 and "Body: use at most 10000 characters" in response.text
    assert admin_client.get("/hr/emails/nonsense").status_code == 404
    assert session.exec(select(MailText).where(MailText.custom)).all() == []


@pytest.mark.parametrize(
    ("first", "second", "codes", "audited"),
    [
        ("save", "save", [303, 409], ["mail.text_refused", "mail.text_saved"]),
        ("restore", "restore", [303, 303], ["mail.text_restored", "mail.text_restored"]),
        ("save", "restore", [303, 409], ["mail.text_refused", "?"]),
    ],
)
def test_two_admins_changing_the_same_version_at_once_never_overwrite_each_other(
    app: FastAPI,
    admin_client: TestClient,
    session: Session,
    first: str,
    second: str,
    codes: list[int],
    audited: list[str],
) -> None:
    """Two saves, two restores, or a save and a restore from one version: one wins cleanly,
    the other is told (or, restoring what is already restored, done), both are audited."""
    assert edit(admin_client, texts.REMINDER, "{organisation} edited", "{modules}").status_code
    other = TestClient(app, follow_redirects=False)
    make_user(session, "admin2@example.com", name="Ari Admin", role="admin")
    login(other, "admin2@example.com")
    pages = admin_client.get("/hr/emails/reminder").text, other.get("/hr/emails/reminder").text

    def post(client: TestClient, page: str, action: str, word: str) -> int:
        version = page.split('name="version" value="')[1].split('"')[0]
        data = {"csrf_token": csrf_from(page), "version": version}
        if action == "restore":
            confirmed = {**data, "confirm": "yes"}
            return client.post("/hr/emails/reminder/restore", data=confirmed).status_code
        typed = {"subject": "{organisation} " + word, "body": "{modules}"}
        return client.post("/hr/emails/reminder", data={**data, **typed}).status_code

    got = at_once(
        lambda: post(admin_client, pages[0], first, "A"), lambda: post(other, pages[1], second, "B")
    )
    assert sorted(got) == codes
    session.expire_all()
    row = session.exec(select(MailText)).one()
    assert row.version == 2  # the edit, then exactly one change
    actions = session.exec(
        select(AuditEvent.action).where(col(AuditEvent.action).startswith("mail."))
    ).all()
    won = {"save": "mail.text_saved", "restore": "mail.text_restored"}
    winner = first if got[0] == 303 else second
    expected = ["mail.text_saved", *(a if a != "?" else won[winner] for a in audited)]
    assert sorted(actions) == sorted(expected)  # the edit, then both people's actions
    if winner == "restore":
        assert not row.custom
    else:
        assert row.subject in ("{organisation} A", "{organisation} B")
    loser = (admin_client, other)[got.index(max(got))]
    again = post(loser, loser.get("/hr/emails/reminder").text, "save", "C")  # fresh page: saves
    assert again == 303


def test_stale_form_after_a_save_is_refused_and_keeps_both_texts(
    app: FastAPI, admin_client: TestClient, session: Session
) -> None:
    stale = admin_client.get("/hr/emails/reminder").text
    assert (
        edit(admin_client, texts.REMINDER, "{organisation} first", "{modules} first").status_code
        == 303
    )
    data = {
        "csrf_token": csrf_from(stale),
        "subject": "{organisation} second",
        "body": "{modules} second",
        "version": "0",
    }
    response = admin_client.post("/hr/emails/reminder", data=data)
    assert response.status_code == 409
    assert "Someone else changed this e-mail" in response.text
    assert "{modules} first" in response.text and "{modules} second" in response.text
    assert session.exec(select(MailText)).one().subject == "{organisation} first"


@pytest.mark.parametrize(
    ("kind", "edited", "shipped"),
    [
        (texts.DIGEST, ("{organisation} team", "{people}"), "your team&#39;s overdue"),
        (texts.RECERT_EXPIRING, ("{organisation} renew", "{link}"), "is valid until"),
    ],
)
def test_restore_the_default_brings_the_shipped_text_back_and_is_audited(
    admin_client: TestClient, session: Session, kind: str, edited: tuple[str, str], shipped: str
) -> None:
    edit(admin_client, kind, *edited)
    page = admin_client.get(f"/hr/emails/{kind}").text
    assert "Restore the default text" in page and shipped not in page
    version = page.split('id="restore-form"')[1].split('name="version" value="')[1].split('"')[0]
    response = admin_client.post(
        f"/hr/emails/{kind}/restore",
        data={"csrf_token": csrf_from(page), "version": version, "confirm": "yes"},
    )
    assert response.status_code == 303
    page = admin_client.get(f"/hr/emails/{kind}").text
    assert shipped in page and "Restore the default text" not in page
    restored = session.exec(
        select(AuditEvent).where(AuditEvent.action == "mail.text_restored")
    ).one()
    # Outside test F25: the whole text before and after is on record, not only a subject.
    detail = json.loads(restored.detail)
    assert detail["old"] == {"subject": edited[0], "body": edited[1]}
    assert detail["new"] == {"subject": texts.KINDS[kind].subject, "body": texts.KINDS[kind].body}
    saved = session.exec(select(AuditEvent).where(AuditEvent.action == "mail.text_saved")).one()
    assert json.loads(saved.detail)["new"] == {"subject": edited[0], "body": edited[1]}
    assert json.loads(saved.detail)["old"]["body"] == texts.KINDS[kind].body
    edit(admin_client, kind, *edited)  # edited again: a form from before that is stale
    stale = admin_client.post(
        f"/hr/emails/{kind}/restore",
        data={"csrf_token": csrf_from(page), "version": version, "confirm": "yes"},
    )
    assert stale.status_code == 409


def test_reset_preview_says_how_long_a_reset_link_works(admin_client: TestClient) -> None:
    page = admin_client.get("/hr/emails/password-reset").text
    assert "the link works once, for 60 minutes" in page
    assert f"{ORG}: reset your Allies in Practice password" in page


def test_the_name_an_admin_sets_in_settings_is_the_one_e_mails_carry(
    admin_client: TestClient, session: Session, settings: Settings, inbox: Inbox
) -> None:
    """/admin/settings overrides ALLYSHIP_ORGANISATION_NAME in From and Subject too."""
    session.add(OrgSetting(key="organisation_name", value="Harbour  Trust"))
    session.commit()
    make_user(session, "ana@example.com", name="Ana Example")
    reset.request_reset(session, email="ana@example.com")
    deliver(settings)
    (mail,) = parsed(inbox, "ana@example.com")
    assert header(mail, "Subject").startswith("Harbour Trust: ")
    assert parseaddr(header(mail, "From"))[0].startswith("Harbour Trust (")
    assert ORG not in header(mail, "Subject")
