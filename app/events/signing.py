"""Standard Webhooks signatures (https://www.standardwebhooks.com): id, timestamp, HMAC-SHA256.

The signed content is `{webhook-id}.{webhook-timestamp}.{body}`, keyed with the base64 bytes
after the secret's `whsec_` prefix; the header is `v1,<base64 signature>`. Receivers verify
with any Standard Webhooks library (docs/api.md shows the Python one).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

PREFIX = "whsec_"


def new_secret() -> str:
    """A fresh signing secret: 24 random bytes (the spec asks for 24 to 64), base64, prefixed."""
    return PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def signature(secret: str, *, msg_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix(PREFIX))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, *, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three headers every delivery carries, and its content type."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, msg_id=msg_id, timestamp=timestamp, body=body),
        "content-type": "application/json",
    }
