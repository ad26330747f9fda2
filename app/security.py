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
    return hmac.new(secret_key.encode(), f"csrf:{binding}".encode(), hashlib.sha256).hexdigest()


def csrf_matches(secret_key: str, binding: str, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(csrf_token(secret_key, binding), presented or "")


def password_problem(password: str) -> str | None:
    """Why a new password is not acceptable, or None."""
    if len(password) < MIN_PASSWORD:
        return f"Use at least {MIN_PASSWORD} characters."
    if len(password) > MAX_PASSWORD:
        return f"Use at most {MAX_PASSWORD} characters."
    if password.lower() in COMMON_PASSWORDS:
        return "That password is on lists of commonly used passwords; choose another."
    return None


COMMON_PASSWORDS = frozenset(
    [
        "password",
        "password1",
        "password123",
        "12345678",
        "123456789",
        "1234567890",
        "qwerty123",
        "qwertyuiop",
        "iloveyou",
        "sunshine",
        "princess",
        "football",
        "baseball",
        "welcome",
        "welcome1",
        "letmein1",
        "abc12345",
        "admin123",
        "passw0rd",
        "p@ssw0rd",
        "trustno1",
        "monkey123",
        "dragon123",
        "11111111",
        "00000000",
        "asdfghjk",
        "changeme",
        "secret123",
        "superman",
        "starwars",
        "whatever",
    ]
)
