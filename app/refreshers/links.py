"""Signed one-time links to a refresher round, for the nudge e-mails (issue 21).

A link carries the person, the module, the round, when it expires and a random nonce, with
an HMAC-SHA256 of them under the server's secret key (the way the nudge stop links and
webhook signatures are signed: no token is stored until it is used). Opening it needs the
person signed in as themselves; the first opening stores the link's SHA-256, so a second
opening, by anyone, is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app.clock import utcnow
from app.config import Settings
from app.errors import DomainError, NotFound

LINK_DAYS = 14  # a nudge's link works this long (round 3 is 21 days after round 2)
ROUNDS = (1, 2, 3)
TOKEN_MAX = 300
_TOKEN = re.compile(
    r"^(\d{1,12})\.([a-z0-9-]{1,100})\.([123])\.(\d{1,12})\.([0-9a-f]{16})\.([0-9a-f]{64})$"
)
BAD_LINK = (
    "This refresher link is not valid: it may have been cut short when it was copied. "
    "Your refreshers are also on your dashboard."
)


class LinkGone(DomainError):
    """Expired or already used: the link is gone for good (410)."""

    status_code = 410


@dataclass(frozen=True)
class LinkClaim:
    """What a genuine link says: whose it is, for which round, until when."""

    user_id: int
    module_id: str
    round: int
    expires_at: datetime
    digest: str


def _signature(settings: Settings, payload: str) -> str:
    message = f"refresher-link:{payload}".encode()
    return hmac.new(settings.secret_key.encode(), message, hashlib.sha256).hexdigest()


def refresher_link(
    settings: Settings, user_id: int, module_id: str, round: int, *, now: datetime | None = None
) -> str:
    """The signed one-time URL path that opens this person's refresher round (after sign-in)."""
    expires = int(((now or utcnow()) + timedelta(days=LINK_DAYS)).timestamp())
    payload = f"{user_id}.{module_id}.{round}.{expires}.{secrets.token_hex(8)}"
    return f"/refreshers/go/{payload}.{_signature(settings, payload)}"


def read_link(settings: Settings, token: str, *, now: datetime | None = None) -> LinkClaim:
    """The claim of a genuine, unexpired link; NotFound (tampered) or LinkGone (expired)."""
    found = _TOKEN.match(token[:TOKEN_MAX]) if token.isascii() else None
    if found is None:
        raise NotFound(BAD_LINK)
    user, module_id, number, expires, nonce, signature = found.groups()
    payload = f"{user}.{module_id}.{number}.{expires}.{nonce}"
    if not hmac.compare_digest(_signature(settings, payload), signature):
        raise NotFound(BAD_LINK)
    expires_at = datetime.fromtimestamp(int(expires), tz=UTC)
    if expires_at <= (now or utcnow()):
        raise LinkGone(
            f"This refresher link expired on {expires_at:%d %B %Y}. If the refresher is still "
            "open, it is waiting on your dashboard."
        )
    digest = hashlib.sha256(token.encode()).hexdigest()
    return LinkClaim(int(user), module_id, int(number), expires_at, digest)
