"""Editing the e-mail texts: save, restore the default, preview on sample data, send a test.

Every change is audited and based on the version the editor read, so two people saving at
once never overwrite each other silently. A test goes only to the editor's own address,
through the outbox, like every other e-mail.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from app import audit
from app.clock import utcnow
from app.config import Settings
from app.content.catalog import Catalog
from app.db import insert_ignore
from app.errors import Conflict, Forbidden, NotFound, TooManyRequests
from app.hr.due import module_line
from app.mail import stored_texts, texts
from app.mail.mailer import Message
from app.mail.outbox import queue_message
from app.models import MailText, OutboxMessage

TEST = "template-test"
TESTS_PER_HOUR = 10
CHANGED_MEANWHILE = (
    "Someone else changed this e-mail while you were editing it, so nothing was saved. "
    "Their text is shown under “Saved now”; your text is still in the form. "
    "Compare them and save again."
)


class TextChanged(Conflict):
    """Someone saved this text after the form was read."""


def editable(kind: str, role: str) -> texts.Kind:
    """The e-mail `kind` if this role may edit it (NotFound, Forbidden otherwise)."""
    found = texts.KINDS.get(kind)
    if found is None:
        raise NotFound("There is no e-mail of that name.")
    if role not in found.editors:
        raise Forbidden(f"Only an admin can change the {found.title.lower()} e-mail.")
    return found


def kinds_for(role: str) -> list[texts.Kind]:
    return [k for k in texts.KINDS.values() if role in k.editors]


def _store(
    session: Session,
    kind: texts.Kind,
    *,
    version: int,
    actor_id: int,
    action: str,
    **values: object,
) -> None:
    """Write the text if it is still at `version`, audited; commits (TextChanged if not).

    Two restores at once both get the shipped text, so the later one succeeds without a
    change; any other clash is refused. Either way the audit log shows both people's actions.
    """
    stored_texts.forget(session)  # what this session read of the texts is out of date now
    insert_ignore(session, MailText, [{"kind": kind.key, "subject": "", "body": ""}], ["kind"])
    was = stored_texts.current(session, kind.key)  # the text this change replaces, if at `version`
    stored_texts.forget(session)
    changed = session.exec(
        update(MailText)
        .where(col(MailText.kind) == kind.key, col(MailText.version) == version)
        .values(version=MailText.version + 1, updated_at=utcnow(), updated_by_id=actor_id, **values)
    ).rowcount
    if changed == 1:
        # The whole text before and after, so what a text said (a link in it) stays on record
        # after it is changed or restored (outside test F25).
        after = values if values["custom"] else {"subject": kind.subject, "body": kind.body}
        audit.record(
            session, actor_id=actor_id, action=action, target=kind.key,
            old={"subject": was.subject, "body": was.body},
            new={"subject": after["subject"], "body": after["body"]},
        )  # fmt: skip
        session.commit()
        return
    session.rollback()
    now = session.get(MailText, kind.key, populate_existing=True)
    if now is not None and not now.custom and not values["custom"]:
        audit.record(session, actor_id=actor_id, action=action, target=kind.key, unchanged=True)
        session.commit()
        return
    audit.record(
        session,
        actor_id=actor_id,
        action="mail.text_refused",
        target=kind.key,
        tried=action,
        version_seen=version,
        version_now=now.version if now else 0,
    )
    session.commit()
    raise TextChanged(CHANGED_MEANWHILE)


def save(
    session: Session, kind: texts.Kind, *, subject: str, body: str, version: int, actor_id: int
) -> None:
    """Store an edited text (texts.TextProblems if it is not usable; TextChanged); commits."""
    texts.check(kind, subject=subject, body=body)
    _store(
        session,
        kind,
        version=version,
        actor_id=actor_id,
        action="mail.text_saved",
        subject=subject,
        body=body,
        custom=True,
    )


def restore(session: Session, kind: texts.Kind, *, version: int, actor_id: int) -> None:
    """Go back to the shipped text (kept as a new version, so older forms are refused)."""
    _store(
        session,
        kind,
        version=version,
        actor_id=actor_id,
        action="mail.text_restored",
        subject="",
        body="",
        custom=False,
    )


ONE_TIME_LINKS = frozenset({texts.INVITATION, texts.PASSWORD_RESET})


def sample_values(
    session: Session, settings: Settings, catalog: Catalog, kind: texts.Kind
) -> dict[str, str]:
    """Made-up values for a preview or a test: a sample person, real module titles."""
    today = utcnow().date()
    week = today + timedelta(days=7)
    modules = list(catalog.modules[:2])
    lines = [
        module_line(settings, catalog, m.id, f"due in 7 days ({week:%-d %b %Y})") for m in modules
    ]
    # The expired stage's sample expired three days ago; every other date lies ahead.
    expires = (
        today - timedelta(days=3)
        if kind.key == texts.RECERT_EXPIRED
        else today + timedelta(days=30)
    )
    return stored_texts.base_values(session, settings, name="Sam Sample") | {
        "inviter": "Hana HR",
        "email": "sam.sample@example.com",
        # Only invitations and resets carry a one-time link; the others link the dashboard.
        "link": f"{settings.public_url}/invite/example-only-this-link-does-not-work"
        if kind.key in ONE_TIME_LINKS
        else f"{settings.public_url}/",
        "valid_for": f"{settings.password_reset_minutes} minutes"
        if kind.key == texts.PASSWORD_RESET
        else f"{settings.invite_valid_days} days",
        "sign_in_link": f"{settings.public_url}/login",
        "due_date": f"{week:%-d %b %Y}",
        "modules": "\n".join(lines) or "- (a module): due in 7 days",
        "people": "- Sam Sample: "
        + (modules[0].title if modules else "a module")
        + f" (due {today - timedelta(days=3):%-d %b %Y})",
        "expires_on": f"{expires:%-d %b %Y}",
        "module": modules[0].title if modules else "a module",
        "stop_link": f"{settings.public_url}/nudges/stop?example-only-this-link-does-not-work",
    }


def preview(
    session: Session,
    settings: Settings,
    catalog: Catalog,
    kind: texts.Kind,
    *,
    subject: str,
    body: str,
) -> tuple[str, str]:
    """The subject and body as a person would get them, filled with sample values."""
    return stored_texts.render(subject, body, sample_values(session, settings, catalog, kind))


def send_test(
    session: Session,
    settings: Settings,
    catalog: Catalog,
    kind: texts.Kind,
    *,
    subject: str,
    body: str,
    to: str,
    actor_id: int,
) -> None:
    """Queue the text (as typed, checked) on sample data to the editor's own address; commits."""
    texts.check(kind, subject=subject, body=body)
    since = utcnow() - timedelta(hours=1)
    sent = session.exec(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.kind == TEST,
            OutboxMessage.to == to,
            col(OutboxMessage.created_at) >= since,
        )
    ).one()
    if sent >= TESTS_PER_HOUR:
        raise TooManyRequests(
            f"You have sent {TESTS_PER_HOUR} test e-mails in the last hour; "
            "the preview on this page shows the same text."
        )
    filled_subject, filled_body = preview(
        session, settings, catalog, kind, subject=subject, body=body
    )
    message = Message(to=to, subject=f"[Test] {filled_subject}", body=filled_body)
    queue_message(session, message, kind=TEST)
    audit.record(session, actor_id=actor_id, action="mail.test_sent", target=kind.key)
    session.commit()
