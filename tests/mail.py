"""Test helpers for the outbox: deliver what is queued, as the background sender would."""

from __future__ import annotations

from app.auth.link_mail import SIGN_IN_LINKS
from app.config import Settings
from app.db import session_for
from app.mail.mailer import Mailer
from app.mail.outbox_sender import SendReport, drain


def deliver(settings: Settings) -> SendReport:
    """One pass of the sender over this test's database and SMTP server."""
    with session_for(settings.database_url) as session, Mailer(settings) as mailer:
        return drain(session, settings, mailer, links=SIGN_IN_LINKS)
