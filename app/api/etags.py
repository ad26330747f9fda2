"""Entity tags: a strong ETag on every read, and If-Match honoured on every write (RFC 9110)."""

from __future__ import annotations

import hashlib
import re

from pydantic import BaseModel

from app.errors import PreconditionFailed

TAG = re.compile(r'\s*(W/)?"([\x21\x23-\x7e]*)"\s*(?:,|$)')


def etag_of(representation: BaseModel | list[BaseModel]) -> str:
    """A strong tag: changes whenever any byte of the JSON representation would."""
    if isinstance(representation, list):
        text = "[" + ",".join(item.model_dump_json() for item in representation) + "]"
    else:
        text = representation.model_dump_json()
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def _strong_tags(header: str) -> list[str] | None:
    """The strong tags listed in If-Match; None when the header is not a list of tags."""
    found, pos = [], 0
    while pos < len(header):
        if not header[pos:].strip():
            break
        match = TAG.match(header, pos)
        if match is None:
            return None
        if not match.group(1):  # a weak tag never matches under If-Match's strong comparison
            found.append(f'"{match.group(2)}"')
        pos = match.end()
    return found


def check_if_match(header: str | None, current: BaseModel | None) -> None:
    """412 unless If-Match is absent or names the current representation (`*`: any exists)."""
    if header is None:
        return
    if header.strip() == "*":
        if current is None:
            raise PreconditionFailed(
                "If-Match: * asks to change an existing resource, and there is none; "
                "leave If-Match out to create it."
            )
        return
    tags = _strong_tags(header)
    if tags is None:
        raise PreconditionFailed(
            'If-Match: not a list of entity tags; send the ETag of your last read, e.g. "3f2a…".'
        )
    if current is None or etag_of(current) not in tags:
        raise PreconditionFailed(
            "If-Match: the resource changed since you read it (or the tag is weak, W/…, which "
            "never matches a write); read it again, then send the new ETag."
        )
