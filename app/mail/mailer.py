"""Outbound email over SMTP (ALLYSHIP_SMTP_*): one connection per run, clear errors."""

from __future__ import annotations

import re
import smtplib
import ssl
import unicodedata
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr
from types import TracebackType

from app.config import Settings

UNFOLDED = policy.default.clone(max_line_length=998)


class MailError(Exception):
    """The SMTP server did not accept a message; nothing should be recorded as sent."""


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    body: str
    sender: str = ""  # the From display name; empty keeps ALLYSHIP_SMTP_FROM's own
    calendar: str = ""  # an iCalendar object sent as a text/calendar part (RFC 6047)
    # A signed URL that stops this kind of mail with one POST (RFC 8058); "" for none.
    one_click_stop: str = ""


class Mailer:
    """Sends messages over one SMTP connection, opened on first use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _exc: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self.close()

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds)
        try:
            if s.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if s.smtp_user:
                smtp.login(s.smtp_user, s.smtp_password)
        except Exception:
            smtp.close()
            raise
        return smtp

    def send(self, message: Message) -> None:
        """Hand one message to the server; MailError unless it was accepted."""
        # A header that holds a URL is never folded: folding a line with no space in it would
        # encode the URL (RFC 2047) and mail programs would not find it. RFC 5322 allows 998.
        email = EmailMessage(policy=UNFOLDED if message.one_click_stop else policy.default)
        email["From"] = sender_address(self.settings, message.sender)
        email["To"] = message.to
        email["Subject"] = one_line(message.subject)
        email["Message-ID"] = make_msgid(domain="allyship.local")
        if message.one_click_stop:
            email["List-Unsubscribe"] = f"<{message.one_click_stop}>"
            email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        email.set_content(message.body)
        if message.calendar:
            attach_calendar(email, message.calendar)
        try:
            if self._smtp is None:
                self._smtp = self._connect()
            refused = self._smtp.send_message(email)
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise MailError(_describe(exc, self.settings)) from exc
        if refused:
            raise MailError(f"the server refused {', '.join(refused)}")

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None


def attach_calendar(email: EmailMessage, calendar: str) -> None:
    """Add the invitation as text/calendar with its METHOD, as calendar programs expect."""
    found = re.search(r"^METHOD:([A-Z-]+)\r?$", calendar, re.M)
    params = {"method": found.group(1)} if found else {}
    email.add_attachment(calendar, subtype="calendar", filename="invite.ics", params=params)


def breaking_characters(text: str) -> list[str]:
    """The control and line/paragraph-separator characters in `text` (U+000B, U+2028, ...).

    Python's e-mail headers treat all of these as line breaks and refuse them, so a subject
    holding one can never be sent.
    """
    return [c for c in text if unicodedata.category(c) in ("Cc", "Zl", "Zp")]


def one_line(text: str) -> str:
    """`text` with every control or separator character a space, runs of spaces as one.

    The sender's last line of defence: a subject stored before the save check refused these
    (or built from other data) is sent, not retried until it is given up.
    """
    bad = set(breaking_characters(text))
    return " ".join("".join(" " if c in bad else c for c in text).split())


def sender_address(settings: Settings, display_name: str) -> str:
    """ALLYSHIP_SMTP_FROM's address under `display_name` (encoded as needed), if one is given."""
    name = " ".join(display_name.split())
    if not name:
        return settings.smtp_from
    return formataddr((name, parseaddr(settings.smtp_from)[1]))


def _describe(exc: Exception, settings: Settings) -> str:
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "the server refused the recipient " + ", ".join(exc.recipients)
    if isinstance(exc, smtplib.SMTPResponseException):
        detail = (
            exc.smtp_error.decode(errors="replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        return f"the SMTP server at {where} answered {exc.smtp_code} {detail}"[:500]
    if isinstance(exc, ConnectionRefusedError):
        return f"could not connect to the SMTP server at {where} (connection refused); check ALLYSHIP_SMTP_HOST and ALLYSHIP_SMTP_PORT"
    return f"sending through {where} failed: {type(exc).__name__}: {exc}"[:500]
