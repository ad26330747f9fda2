"""External ids: one rule for every way in (path, manager reference, batch), applied the same.

An HR system's ids are ASCII (`E1042`, `wd-000381`, `ana.example@corp`). A new id is trimmed
and must be 1 to 200 of ASCII letters, digits and `. _ - : @ +`: a look-alike such as a
Cyrillic capital ie or a full-width digit is refused with the position named, never stored as a
second person who looks the same. Ids are matched without regard to ASCII case (`e42` is
`E42`) and stored as first sent.
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.errors import Invalid
from app.models import User

RULE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,199}$")
ALLOWED = "1 to 200 ASCII letters, digits and . _ - : @ +, starting with a letter or digit"


def normal(raw: str, *, where: str = "external_id") -> str:
    """The trimmed id, or Invalid saying which character breaks the rule."""
    text = raw.strip()
    if RULE.match(text):
        return text
    odd = next((i for i, ch in enumerate(text) if not (ch.isascii() and ch.isprintable())), None)
    if odd is not None:
        ch = text[odd]
        name = unicodedata.name(ch, f"U+{ord(ch):04X}")
        said = (
            f"character {odd + 1} is {name} (U+{ord(ch):04X}), not ASCII; "
            f"external ids are {ALLOWED}."
        )
    else:
        said = f"use {ALLOWED}."
    raise Invalid(f"{where}: {said}", fields={_pointer(where): said[0].upper() + said[1:]})


def _pointer(where: str) -> str:
    return where if where == "external_id" else "#/" + where.replace(".", "/")


def find(session: Session, external_id: str) -> User | None:
    """The person with this id, whatever the ASCII case it is sent in."""
    text = external_id.strip()
    if not text:
        return None
    if not text.isascii():  # only ASCII folds the same in SQLite and PostgreSQL
        return session.exec(select(User).where(User.external_id == text)).first()
    exact = session.exec(select(User).where(User.external_id == text)).first()
    if exact is not None:
        return exact
    return session.exec(
        select(User).where(func.lower(col(User.external_id)) == text.lower())
    ).first()
