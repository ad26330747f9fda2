"""Outside test F1: a subject holding any character Python's e-mail headers treat as a line
break (U+000B, U+000C, U+001C, U+0085, U+2028, U+2029, other controls) is refused at save,
preview and test with a clear message; a bad subject already stored or queued is still sent
(put on one line by the sender) instead of failing on every retry."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.config import Settings
from app.mail import texts
from app.mail.mailer import Message, one_line
from app.mail.outbox import queue_message
from app.models import MailText, OutboxMessage
from tests.conftest import csrf_from
from tests.hr.conftest import Inbox
from tests.mail import deliver

BREAKS = ["\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029", "\t", "\x01"]
BODY = "Hi {name}\n{modules}\n{link}"


@pytest.mark.parametrize("char", BREAKS)
def test_check_refuses_every_line_break_and_control_character(char: str) -> None:
    with pytest.raises(texts.TextProblems) as caught:
        texts.check(texts.KINDS["reminder"], subject=f"{{organisation}} A{char}B", body=BODY)
    message = caught.value.problems["subject"]
    assert "keep it on one line" in message and f"U+{ord(char):04X}" in message


@pytest.mark.parametrize("action", ["", "/test", "/preview"])
def test_the_page_refuses_it_and_saves_or_queues_nothing(
    hr_client: TestClient, session: Session, action: str
) -> None:
    token = csrf_from(hr_client.get("/hr/emails/reminder").text)
    subject = "{organisation}: reminder\u2028for you"
    data = {"csrf_token": token, "version": "0", "subject": subject, "body": BODY}
    response = hr_client.post(f"/hr/emails/reminder{action}", data=data)
    assert response.status_code in (200, 422)
    assert "remove the line break or control character U+2028" in response.text
    assert session.exec(select(MailText)).all() == []
    assert session.exec(select(OutboxMessage)).all() == []


def test_a_queued_bad_subject_is_sent_on_one_line(
    session: Session, settings: Settings, inbox: Inbox
) -> None:
    bad = "Acme:\x0breminder\u2028for\x85you\x1c now"
    queue_message(session, Message(to="ana@example.com", subject=bad, body="hi"), kind="reminder")
    session.commit()
    report = deliver(settings)
    assert report.sent == ["ana@example.com"]
    [mail] = inbox.messages
    assert "Subject: Acme: reminder for you now" in mail.content.decode()
    assert one_line("a\u2029\u2029b\t\tc") == "a b c"
