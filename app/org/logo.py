"""The organisation's logo: a PNG (checked by its signature) or an SVG that can run nothing.

An SVG is refused, naming what was found, rather than cleaned: scripts, event handlers,
foreignObject, animations (they can rewrite a link), links and references to anything
outside the file, and DOCTYPEs (entity expansion) never reach the database. /org/logo
serves the stored file with its own type, nosniff and a CSP that runs no script anyway.
"""

from __future__ import annotations

import hashlib
import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from sqlmodel import Session

from app.audit import record
from app.db.sql import lock_for_transaction
from app.errors import Invalid
from app.models import OrgLogo
from app.org.png import png_problem
from app.org.settings_store import LOCK_KEY, LOGO_KEY, put

MAX_BYTES = 200 * 1024
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG_NS = "{http://www.w3.org/2000/svg}"
LOGO_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"
REFUSED_ELEMENTS = {
    "script": "a script",
    "foreignobject": "a foreignObject (embedded HTML)",
    "iframe": "an iframe",
    "object": "an embedded object",
    "embed": "an embedded object",
    "handler": "a script handler",
    "listener": "an event listener",
    "a": "a link",
    "set": "an animation (it can change links)",
    "animate": "an animation (it can change links)",
    "animatemotion": "an animation",
    "animatetransform": "an animation",
    "discard": "a discard element",
}
REFERENCE_ATTRIBUTES = {"href", "src"}
EXTERNAL_URL = re.compile(r"(?i)url\(\s*['\"]?\s*(?!#)|@import|javascript:")


@dataclass(frozen=True)
class Logo:
    content_type: str
    data: bytes


def kilobytes(size: int) -> str:
    """A size in KB rounded up to a tenth, so a file just over the limit never reads as the
    limit itself ("200.1 KB", not "200 KB"; outside test F14)."""
    tenths = math.ceil(size * 10 / 1024)
    return f"{tenths // 10} KB" if tenths % 10 == 0 else f"{tenths / 10:.1f} KB"


def checked_logo(data: bytes, filename: str = "") -> Logo:
    """The upload as a Logo, or Invalid saying exactly why it is refused."""
    if not data:
        raise Invalid("Choose a PNG or SVG file to upload.")
    if len(data) > MAX_BYTES:
        raise Invalid(
            f"The logo is {kilobytes(len(data))} ({len(data):,} bytes); use a file of at most "
            f"{kilobytes(MAX_BYTES)} ({MAX_BYTES:,} bytes)."
        )
    if data.startswith(PNG_SIGNATURE):
        if problem := png_problem(data):
            raise Invalid(problem)
        return Logo("image/png", data)
    if filename.lower().endswith(".png"):
        raise Invalid(
            "This file is named .png but is not a PNG image (its first bytes are not a PNG's)."
        )
    return Logo("image/svg+xml", _checked_svg(data))


def _checked_svg(data: bytes) -> bytes:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Invalid("Upload a PNG, or an SVG saved as UTF-8 text.") from None
    lowered = text.lower()
    if "<!doctype" in lowered or "<!entity" in lowered:
        raise Invalid("The SVG has a DOCTYPE or entity declarations; save it without them.")
    if "<?xml-stylesheet" in lowered:
        raise Invalid("The SVG links an outside style sheet; put its styles inside the file.")
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        raise Invalid("This is neither a PNG nor a readable SVG file.") from None
    if root.tag != f"{SVG_NS}svg":
        raise Invalid("This is neither a PNG nor an SVG image (its root is not <svg>).")
    for element in root.iter():
        _check_element(element)
    return data


def _check_element(element: ET.Element) -> None:
    name = _local(element.tag).lower()
    if name in REFUSED_ELEMENTS:
        raise Invalid(f"The SVG contains {REFUSED_ELEMENTS[name]}; logos may not. Remove it.")
    if name == "style" and EXTERNAL_URL.search(element.text or ""):
        raise Invalid("The SVG's styles load something from outside the file; remove that.")
    for attribute, value in element.attrib.items():
        local = _local(attribute).lower()
        if local.startswith("on"):
            raise Invalid(f"The SVG has an event handler ({local}=); logos may not. Remove it.")
        if local in REFERENCE_ATTRIBUTES and not value.strip().startswith("#"):
            raise Invalid(
                f'The SVG refers to something outside the file ({local}="{value[:60]}"); '
                "logos may only refer to parts of themselves (#id)."
            )
        if EXTERNAL_URL.search(value):
            raise Invalid(
                f"The SVG's {local} attribute loads something from outside the file; remove it."
            )


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def save_logo(session: Session, *, actor_id: int, logo: Logo | None) -> None:
    """Store (or with None remove) the logo; audited with the old and new fingerprints."""
    lock_for_transaction(session, LOCK_KEY)
    old = session.get(OrgLogo, 1)
    before = old.sha256 if old else ""
    after = hashlib.sha256(logo.data).hexdigest() if logo else ""
    if old is not None:
        session.delete(old)
        session.flush()
    if logo is not None:
        session.add(OrgLogo(id=1, content_type=logo.content_type, data=logo.data, sha256=after))
    put(session, LOGO_KEY, after, actor_id)
    record(
        session,
        actor_id=actor_id,
        action="org.logo",
        target="logo",
        old=before,
        new=after,
        content_type=logo.content_type if logo else "",
        size=len(logo.data) if logo else 0,
    )
    session.commit()


def stored_logo(session: Session) -> OrgLogo | None:
    return session.get(OrgLogo, 1)
