"""The outbox sender: delivers queued e-mail in the background, so no request waits for SMTP.

Each server process runs one `OutboxSender` thread (started in app.main's lifespan);
`allyship send-mail` and `allyship remind` run the same `drain` from cron. A message is
claimed with one conditional UPDATE (it must be unsent, due and unclaimed or its claim run
out), so any number of senders on SQLite or PostgreSQL never send one message twice while
a claim holds; a claim lasts well beyond the SMTP timeout. No transaction is open while
the SMTP server is talked to. A message the server did not accept is retried with
exponential backoff and given up after `outbox_max_attempts`; only an accepted message is
marked sent.

Invitations and password resets hold no body: the sender mints the link's token when it
sends and stores only its hash, and the row keeps the sent text with the link removed. A
token whose message was not accepted is cleared, so it never works. Minting is auth's
(app.auth.link_mail), handed in as `links`: this package imports no feature.
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import ColumnElement, Engine, delete, or_, update
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.config import Settings
from app.db import write_session
from app.mail.mailer import Mailer, MailError, Message
from app.mail.outbox import one_click_stop
from app.mail.stored_texts import sender_name
from app.models import OutboxMessage

log = logging.getLogger("allyship.mail")
BATCH = 50
MAX_BACKOFF = timedelta(hours=6)
LINK_REMOVED = "(link removed: it works only in the e-mail that was sent)"


def lease(settings: Settings) -> timedelta:
    """How long a claim holds: longer than any SMTP exchange can take."""
    return timedelta(seconds=max(300.0, 6 * settings.smtp_timeout_seconds))


def backoff(settings: Settings, attempts: int) -> timedelta:
    """The wait before attempt `attempts + 1`: doubling from outbox_retry_seconds, capped."""
    seconds = settings.outbox_retry_seconds * 2 ** max(attempts - 1, 0)
    return min(timedelta(seconds=seconds), MAX_BACKOFF)


def _claimable(settings: Settings, now: datetime) -> list[ColumnElement[bool]]:
    """Unsent, due, not given up, and not held by a live claim: what `due` lists and `claim` takes."""
    return [
        col(OutboxMessage.sent_at).is_(None),
        col(OutboxMessage.next_attempt_at) <= now,
        col(OutboxMessage.attempts) < settings.outbox_max_attempts,
        or_(
            col(OutboxMessage.claimed_until).is_(None),
            col(OutboxMessage.claimed_until) < now,
        ),
    ]


def due(session: Session, settings: Settings, now: datetime) -> list[int]:
    """Messages ready to be claimed now (a read; the claim decides)."""
    rows = session.exec(
        select(col(OutboxMessage.id))
        .where(*_claimable(settings, now))
        .order_by(col(OutboxMessage.next_attempt_at), col(OutboxMessage.id))
        .limit(BATCH)
    ).all()
    session.commit()
    return [r for r in rows if r is not None]


def claim(session: Session, settings: Settings, *, message_id: int, holder: str) -> bool:
    """Take one message for `holder`; False when another sender has it or it is done."""
    now = utcnow()
    taken = session.exec(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.id) == message_id,
            *_claimable(settings, now),
        )
        .values(claimed_until=now + lease(settings), claimed_by=holder)
    ).rowcount
    session.commit()
    return taken == 1


class LinkMail(Protocol):
    """Mail whose one-time link is minted as it is sent (app.auth.link_mail.SIGN_IN_LINKS)."""

    kinds: frozenset[str]

    def compose(
        self, session: Session, settings: Settings, row: OutboxMessage
    ) -> Message | None: ...

    def sent(self, session: Session, *, invite_id: int) -> None: ...

    def failed(self, session: Session, *, invite_id: int, error: str) -> None: ...


@dataclass(frozen=True)
class SendReport:
    sent: list[str]
    failed: list[tuple[str, str]]


def _compose(
    session: Session, settings: Settings, row: OutboxMessage, links: LinkMail
) -> Message | None:
    """The message to send now, minting its link if it has one; None when it is not needed."""
    if row.kind not in links.kinds:
        return Message(
            to=row.to,
            subject=row.subject,
            body=row.body,
            calendar=row.calendar,
            one_click_stop=one_click_stop(row.kind, row.body),
        )
    return links.compose(session, settings, row)


def deliver(
    session: Session,
    settings: Settings,
    mailer: Mailer,
    *,
    message_id: int,
    holder: str,
    links: LinkMail,
) -> tuple[str, str | None] | None:
    """Send one claimed message: (address, None) when accepted, (address, error) when not,
    None when there was nothing to send (an unknown address, a withdrawn invitation)."""
    row = session.get(OutboxMessage, message_id, populate_existing=True)
    if row is None or row.claimed_by != holder:
        session.commit()
        return None
    composed = _compose(session, settings, row, links)
    if composed is None:
        session.execute(delete(OutboxMessage).where(col(OutboxMessage.id) == message_id))
        session.commit()
        return None
    invite_id = row.invite_id
    composed = replace(composed, sender=sender_name(session, settings))
    session.commit()
    try:
        mailer.send(composed)
    except Exception as exc:  # also one that cannot be sent at all: it must not block the rest
        error = str(exc) if isinstance(exc, MailError) else f"{type(exc).__name__}: {exc}"
        _failed(session, settings, row, holder=holder, error=error, links=links)
        log.warning("mail not sent id=%s kind=%s: %s", message_id, row.kind, error)
        return composed.to, error
    token_free = composed.body.replace(_link_in(composed.body), LINK_REMOVED)
    session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == message_id)
        .values(
            sent_at=utcnow(),
            claimed_until=None,
            to=composed.to[:320],
            subject=composed.subject[:300],
            body=token_free if invite_id else composed.body,
            last_error="",
        )
    )
    if invite_id is not None:
        links.sent(session, invite_id=invite_id)
    session.commit()
    return composed.to, None


def _link_in(body: str) -> str:
    for word in body.split():
        if "/invite/" in word:
            return word
    return "\0"


def _failed(
    session: Session,
    settings: Settings,
    row: OutboxMessage,
    *,
    holder: str,
    error: str,
    links: LinkMail,
) -> None:
    attempts = row.attempts + 1
    if row.invite_id is not None:
        links.failed(session, invite_id=row.invite_id, error=error)
    session.execute(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.id) == row.id,
            col(OutboxMessage.claimed_by) == holder,
            col(OutboxMessage.sent_at).is_(None),
        )
        .values(
            attempts=OutboxMessage.attempts + 1,
            last_error=error[:500],
            next_attempt_at=utcnow() + backoff(settings, attempts),
            claimed_until=None,
        )
    )
    session.commit()


def drain(
    session: Session,
    settings: Settings,
    mailer: Mailer,
    *,
    links: LinkMail,
    stop: threading.Event | None = None,
) -> SendReport:
    """Send every message due now (one pass); what was sent and what failed, by address."""
    holder = uuid.uuid4().hex
    sent: list[str] = []
    failed: list[tuple[str, str]] = []
    for message_id in due(session, settings, utcnow()):
        if stop is not None and stop.is_set():
            break
        if not claim(session, settings, message_id=message_id, holder=holder):
            continue
        outcome = deliver(
            session, settings, mailer, message_id=message_id, holder=holder, links=links
        )
        if outcome is not None:
            address, error = outcome
            if error is None:
                sent.append(address)
            else:
                failed.append((address, error))
    return SendReport(sent, failed)


class OutboxSender:
    """A daemon thread that drains the outbox every few seconds until `close`."""

    def __init__(self, engine: Engine, settings: Settings, *, links: LinkMail) -> None:
        self.engine, self.settings, self.links = engine, settings, links
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="outbox-sender", daemon=True)

    def start(self) -> None:
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def close(self) -> None:
        """Stop after the message in hand (at most one SMTP timeout)."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=self.settings.smtp_timeout_seconds + 5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with Session(self.engine) as reading:  # polls read; only work takes the write lock
                    waiting = due(reading, self.settings, utcnow())
                if waiting:
                    with write_session(self.engine) as session, Mailer(self.settings) as mailer:
                        drain(session, self.settings, mailer, links=self.links, stop=self._stop)
            except Exception:
                log.exception("outbox sender: a pass failed; trying again at the next poll")
            self._wake.wait(self.settings.outbox_poll_seconds)
            self._wake.clear()
