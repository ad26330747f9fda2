"""The e-mail texts in force (the database's edit, else the shipped default), filled in.

`organisation_name` is the one place mail reads the organisation's name: the sender's
display name and every subject's `{organisation}` come from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlmodel import Session

from app.config import Settings, named
from app.db import RawQuery, fetch_one, in_transaction
from app.mail.mailer import Message
from app.mail.texts import KINDS, fill, without_organisation
from app.models import MailText

# The admin's setting (app/org, /admin/settings) when one is stored, else the environment's.
# Read here rather than through app.org, which sits above mail in the layers
# (docs/architecture.md): mail only needs this one row.
_STORED_NAME = RawQuery.of("SELECT value FROM orgsetting WHERE key = 'organisation_name'")


# A reminder run composes one message per person: the name and each kind's text are read
# once per session (kept in `session.info`) and forgotten when a text is saved (forget()).
_CACHE = "allyship.mail_texts"


def _cached(session: Session) -> dict[str, object]:
    cache: dict[str, object] = session.info.setdefault(_CACHE, {})
    return cache


def forget(session: Session) -> None:
    """Drop what this session has read of the texts and the name (after saving one)."""
    session.info.pop(_CACHE, None)


def organisation_name(session: Session, settings: Settings) -> str:
    """The organisation's name as e-mails show it, on one line ("" while none is set)."""
    cache = _cached(session)
    if "organisation" not in cache:
        row = fetch_one(in_transaction(session), _STORED_NAME, {})
        name = str(row[0]) if row and str(row[0]).strip() else settings.organisation_name
        cache["organisation"] = named(name)
    return str(cache["organisation"])


def sender_name(session: Session, settings: Settings) -> str:
    """The From display name: the organisation first, so people see who is writing; the
    course alone while no name is set (never a made-up one)."""
    name = organisation_name(session, settings)
    return f"{name} ({settings.course_title})" if name else settings.course_title


@dataclass(frozen=True)
class Text:
    kind: str
    subject: str
    body: str
    custom: bool
    version: int


def current(session: Session, kind: str) -> Text:
    """The text in force for `kind`: the saved edit, or the shipped default."""
    cache = _cached(session)
    found = cache.get(f"text:{kind}")
    if isinstance(found, Text):
        return found
    row = session.get(MailText, kind)
    default = KINDS[kind]
    if row is None or not row.custom:
        text = Text(kind, default.subject, default.body, False, row.version if row else 0)
    else:
        text = Text(kind, row.subject, row.body, True, row.version)
    cache[f"text:{kind}"] = text
    return text


def base_values(session: Session, settings: Settings, *, name: str) -> dict[str, str]:
    """The values every e-mail has: the person's name, the organisation, the course."""
    return {
        "name": name,
        "organisation": organisation_name(session, settings),
        "course": settings.course_title,
    }


def render(subject: str, body: str, values: Mapping[str, str]) -> tuple[str, str]:
    """A subject (on one line) and body with the values filled in; while the organisation
    has no name, worded without one (app/mail/texts.py without_organisation)."""
    if values.get("organisation"):
        return fill(subject, values, one_line=True), fill(body, values)
    line = fill(without_organisation(subject), values, one_line=True)
    return line[:1].upper() + line[1:], fill(without_organisation(body), values)


def fixed_subject(session: Session, settings: Settings, words: str) -> str:
    """ "{organisation}: words" for e-mails whose texts are fixed, like every stored subject
    (only the words once the organisation has no name yet)."""
    plain = words.replace("{", "{{").replace("}", "}}")
    values = {"organisation": organisation_name(session, settings)}
    return render("{organisation}: " + plain, "", values)[0]


def compose(
    session: Session, settings: Settings, kind: str, *, to: str, values: Mapping[str, str]
) -> Message:
    """The message for `kind` to `to`, in the text in force, with `values` filled in."""
    text = current(session, kind)
    subject, body = render(text.subject, text.body, values)
    return Message(to=to, subject=subject, body=body)
