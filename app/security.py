"""Password hashing (argon2), opaque tokens, CSRF tokens and security headers."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """A real hash to verify against when the account is unknown, so both paths cost the same.

    Made on first use, not at import: hashing takes about 0.1 s of every start-up otherwise.
    """
    return _hasher.hash("allyship-timing-equaliser")


CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L look-alikes
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
MIN_PASSWORD, MAX_PASSWORD = 8, 128


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    try:
        return (
            _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
        )
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def random_code(length: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def format_certificate_code(raw: str) -> str:
    """ABCDEFGHJKMN -> ABCD-EFGH-JKMN: easier to read aloud and type."""
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def csrf_token(secret_key: str, binding: str) -> str:
    """A token bound to the sign-in session (or to the anonymous CSRF cookie)."""
    return hmac.digest(secret_key.encode(), f"csrf:{binding}".encode(), "sha256").hex()


def csrf_matches(secret_key: str, binding: str, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(csrf_token(secret_key, binding), presented or "")


PRODUCT_NAMES = ("allyship", "allies in practice", "allyship at work", "allies")
ZXCVBN_MAX = 72  # zxcvbn's own limit; its cost grows with length (about 0.1 s at 72)
MIN_SCORE = 3  # zxcvbn: "safely unguessable", about 10^8 guesses


def _plain(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def password_problem(password: str, *, email: str, name: str) -> str | None:
    """Why a new password is not acceptable (in words a person can act on), or None.

    The e-mail address, the person's name and the product's name are what an attacker
    tries first, so a password made mostly of them is refused outright, and zxcvbn scores
    the rest with them as known words.
    """
    if len(password) < MIN_PASSWORD:
        return f"Use at least {MIN_PASSWORD} characters."
    if len(password) > MAX_PASSWORD:
        return f"Use at most {MAX_PASSWORD} characters."
    local = email.partition("@")[0]
    pieces = [email, local, name, *name.split(), *PRODUCT_NAMES]
    plain = _plain(password)
    if _plain(email) and _plain(email) in plain:
        return "Do not use your email address in your password."
    rest = plain
    for piece in sorted({_plain(p) for p in pieces if len(_plain(p)) >= 3}, key=len, reverse=True):
        rest = rest.replace(piece, "")
    if len(rest) < MIN_PASSWORD:
        return (
            "Do not build your password from your email address, your name or the name of "
            "this course: add words of your own."
        )
    # Imported here, on the first check: zxcvbn builds its word lists (about 13 MB) as it is
    # imported, and most workers never set a password.
    from zxcvbn import zxcvbn

    result = zxcvbn(password[:ZXCVBN_MAX], user_inputs=[p for p in pieces if p])
    if result["score"] >= MIN_SCORE:
        return None
    feedback = result["feedback"]
    advice = " ".join([feedback.get("warning") or "", *feedback.get("suggestions", [])]).strip()
    return "This password is too easy to guess. " + (
        advice or "Add another word or two; uncommon words are better."
    )
