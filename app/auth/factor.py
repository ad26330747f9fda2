"""The second factor itself: an authenticator (TOTP) secret and ten single-use recovery codes.

The secret is encrypted at rest with a key derived from ALLYSHIP_SECRET_KEY (Fernet), shown
only while enrolment waits for its first code, and never logged. A code counts only for a
time step later than the last one accepted (one conditional UPDATE, so two requests with the
same code cannot both pass), with one step of clock drift either way. Recovery codes have
about 59 random bits and are kept as a keyed SHA-256 (HMAC): slow password hashing adds
nothing to a random code that long, and ten argon2 hashes took 3.7 s here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import delete, or_, update
from sqlmodel import Session, col, select

from app.auth.lookup import AnyUser
from app.clock import utcnow
from app.config import Settings
from app.models import RecoveryCode, SecondFactor
from app.security import CODE_ALPHABET, random_code

REQUIRED_ROLES = frozenset({"hr", "admin"})  # they see other people's records (ASVS 6.3.3)
RECOVERY_CODES = 10
VALID_WINDOW = 1  # one 30-second step of clock drift either way
_SPACES = re.compile(r"[\s-]+")


class FactorProblem(Exception):
    """A code that was refused, with the sentence to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


WRONG_CODE = (
    "That code is not right. Type the 6 digits your authenticator app shows now, "
    "or one of your recovery codes."
)


def required_for(role: str, settings: Settings) -> bool:
    """Whether this role must have a second factor to sign in with a password."""
    return role in REQUIRED_ROLES and not settings.second_factor_exempt_for_tests


def _fernet(settings: Settings) -> Fernet:
    key = hmac.new(settings.secret_key.encode(), b"second-factor-secret", hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def _code_hash(settings: Settings, code: str) -> str:
    return hmac.new(
        settings.secret_key.encode(), f"recovery:{code}".encode(), hashlib.sha256
    ).hexdigest()


def _secret(settings: Settings, factor: SecondFactor) -> str:
    try:
        return _fernet(settings).decrypt(factor.secret.encode()).decode()
    except InvalidToken as exc:  # ALLYSHIP_SECRET_KEY changed since enrolment
        raise FactorProblem(
            "Your second factor can no longer be read (the server's secret key changed). "
            "Ask an admin to reset it, then sign in again."
        ) from exc


def confirmed(session: Session, *, user_id: int) -> SecondFactor | None:
    factor = session.get(SecondFactor, user_id)
    return factor if factor is not None and factor.confirmed_at is not None else None


def has_factor(session: Session, *, user_id: int) -> bool:
    return confirmed(session, user_id=user_id) is not None


@dataclass(frozen=True)
class Enrolment:
    """What the enrolment page shows: the secret as text and as a QR code (a data URI)."""

    secret: str
    grouped: str  # the secret in groups of four, easier to type
    qr_data_uri: str
    link: str  # the otpauth:// address: a tap opens the authenticator app on the same phone


def prepare_secret(session: Session, settings: Settings, *, user_id: int) -> None:
    """Make the unconfirmed secret enrolment shows, unless one exists (no commit)."""
    if session.get(SecondFactor, user_id) is not None:
        return
    secret = _fernet(settings).encrypt(pyotp.random_base32().encode()).decode()
    session.add(SecondFactor(user_id=user_id, secret=secret, created_at=utcnow()))
    session.flush()


def enrolment(session: Session, settings: Settings, *, user: AnyUser) -> Enrolment | None:
    """The unconfirmed secret as text and QR code; None when there is none to show.

    A confirmed factor's secret is never shown again.
    """
    factor = session.get(SecondFactor, user.id)
    if factor is None or factor.confirmed_at is not None:
        return None
    secret = _secret(settings, factor)
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=settings.course_title)
    qr = segno.make(uri, error="m").svg_data_uri(scale=5, border=2, light="#fff")
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return Enrolment(secret=secret, grouped=grouped, qr_data_uri=qr, link=uri)


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step whose code this is (within the drift allowed), else None; constant work."""
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    found = None
    for offset in range(-VALID_WINDOW, VALID_WINDOW + 1):
        if hmac.compare_digest(totp.at(now, counter_offset=offset), code):
            found = current + offset
    return found


def _take_step(session: Session, *, user_id: int, step: int, confirm: bool) -> bool:
    """Record `step` as used if it is later than the last one; False if it was used already."""
    values: dict[str, object] = {"last_step": step}
    if confirm:
        values["confirmed_at"] = utcnow()
    taken = session.exec(
        update(SecondFactor)
        .where(
            col(SecondFactor.user_id) == user_id,
            or_(col(SecondFactor.last_step).is_(None), col(SecondFactor.last_step) < step),
        )
        .values(**values)
    ).rowcount
    return bool(taken)


def normalised(code: str) -> str:
    return _SPACES.sub("", code).upper()


def check_code(
    session: Session, settings: Settings, *, user_id: int, code: str, confirm: bool = False
) -> str:
    """Accept an authenticator code (or, unless confirming, a recovery code); no commit.

    Returns "totp" or "recovery"; raises FactorProblem otherwise. With `confirm`, the
    unconfirmed secret is checked and becomes the person's factor.
    """
    factor = session.get(SecondFactor, user_id)
    if factor is None or (factor.confirmed_at is None) != confirm:
        raise FactorProblem("There is no second factor to check. Sign in again.")
    code = normalised(code)
    if len(code) == 6 and code.isascii() and code.isdigit():
        step = _matching_step(_secret(settings, factor), code, utcnow())
        if step is not None and _take_step(session, user_id=user_id, step=step, confirm=confirm):
            return "totp"
        raise FactorProblem(WRONG_CODE)
    if not confirm and len(code) == 12 and set(code) <= set(CODE_ALPHABET):
        used = session.exec(
            update(RecoveryCode)
            .where(
                col(RecoveryCode.user_id) == user_id,
                col(RecoveryCode.code_hash) == _code_hash(settings, code),
                col(RecoveryCode.used_at).is_(None),
            )
            .values(used_at=utcnow())
        ).rowcount
        if used:
            return "recovery"
    raise FactorProblem(WRONG_CODE)


def new_recovery_codes(session: Session, settings: Settings, *, user_id: int) -> list[str]:
    """Ten fresh codes (shown once, formatted ABCD-EFGH-JKMN); every earlier code stops working."""
    session.exec(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user_id))
    codes = [random_code(12) for _ in range(RECOVERY_CODES)]
    now = utcnow()
    for code in codes:
        session.add(
            RecoveryCode(user_id=user_id, code_hash=_code_hash(settings, code), created_at=now)
        )
    return [f"{c[:4]}-{c[4:8]}-{c[8:]}" for c in codes]


def recovery_codes_left(session: Session, *, user_id: int) -> int:
    return len(
        session.exec(
            select(RecoveryCode.id).where(
                RecoveryCode.user_id == user_id, col(RecoveryCode.used_at).is_(None)
            )
        ).all()
    )


def remove(session: Session, *, user_id: int) -> None:
    """Delete the secret and every recovery code (turning off, or an admin's reset); no commit."""
    session.exec(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user_id))
    session.exec(delete(SecondFactor).where(col(SecondFactor.user_id) == user_id))


@dataclass(frozen=True)
class Status:
    """What the account and admin pages say about a person's factor (never the secret)."""

    on: bool
    enrolling: bool
    since: datetime | None
    codes_left: int


def status(session: Session, *, user_id: int) -> Status:
    row = session.get(SecondFactor, user_id)
    on = row is not None and row.confirmed_at is not None
    return Status(
        on=on,
        enrolling=row is not None and not on,
        since=row.confirmed_at if row is not None else None,
        codes_left=recovery_codes_left(session, user_id=user_id) if on else 0,
    )
