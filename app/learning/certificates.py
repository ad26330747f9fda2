"""Certificates: one per person and cycle once every module is complete, verifiable by code.

A certificate shows its own cycle's dates (completed, valid until), and an earlier cycle's
certificate still verifies with its own dates after a new cycle has begun.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.content.catalog import Catalog
from app.db import RawQuery, Source, columns_of, fetch_all, fetch_one, row_of, select_list, utc
from app.errors import NotFound
from app.events import record_event
from app.models import Certificate, Completion, User, row_id
from app.recert.cycles import current_cycle
from app.recert.policy import validity_months
from app.recert.status import counted_from, expiry_of
from app.security import format_certificate_code, random_code


def issue_if_course_complete(
    session: Session, catalog: Catalog, *, user_id: int
) -> Certificate | None:
    """Issue this cycle's certificate when all modules are complete in it; one per cycle."""
    cycle = current_cycle(session, user_id=user_id)
    done = session.exec(
        select(func.count(func.distinct(Completion.module_id))).where(
            Completion.user_id == user_id,
            Completion.cycle == cycle,
            Completion.superseded_by == 0,  # a module a content release reopened is to do
            col(Completion.module_id).in_(catalog.module_ids),
        )
    ).one()
    if done < len(catalog.modules):
        return None
    mine = select(Certificate).where(Certificate.user_id == user_id, Certificate.cycle == cycle)
    existing = session.exec(mine).first()
    if existing:
        return existing
    try:
        with session.begin_nested():
            code = format_certificate_code(random_code(12))
            cert = Certificate(user_id=user_id, code=code, cycle=cycle)
            session.add(cert)
    except IntegrityError:
        return session.exec(mine).first()
    record_event(
        session,
        "certificate.issued",
        f"certificate/{row_id(cert)}",
        {"code": cert.code, "issued_at": cert.issued_at, "cycle": cycle},
        person_id=user_id,
    )
    return cert


@dataclass(frozen=True, slots=True)
class CertificateRow:
    """A certificate as read for a page (the `certificate` table's columns, in order)."""

    id: int
    user_id: int
    code: str
    issued_at: datetime
    cycle: int


@dataclass(frozen=True, slots=True)
class CycleDates:
    """The dates a certificate shows: the day its cycle's course was complete, and, with a
    period, the expiry of the completion it counts from (the oldest module's: HR's rule)."""

    cycle: int
    completed_at: datetime
    valid_until: date | None
    counted_from: datetime


_CERTIFICATE_COLUMNS = columns_of(Certificate)
_CERTIFICATE_OF = RawQuery.of(
    f"SELECT {select_list(_CERTIFICATE_COLUMNS, 'c')} FROM certificate c"
    ' WHERE c.user_id = :user_id AND c.cycle = (SELECT u.cycle FROM "user" u WHERE u.id = :user_id)'
)
_CERTIFICATES_OF = RawQuery.of(
    f"SELECT {select_list(_CERTIFICATE_COLUMNS, 'c')} FROM certificate c"
    " WHERE c.user_id = :user_id ORDER BY c.cycle DESC"
)
# Each module's latest completion in the certificate's cycle: the last of them is the day the
# course was complete, the oldest the one its validity counts from (app/recert/status.py).
_LATEST_IN = RawQuery.of(
    "SELECT module_id, MAX(completed_at) FROM completion"
    " WHERE user_id = :user_id AND cycle = :cycle GROUP BY module_id"
)


def certificate_of(source: Source, *, user_id: int) -> CertificateRow | None:
    """The learner's certificate for their current cycle, read only (on the dashboard)."""
    row = fetch_one(source, _CERTIFICATE_OF, {"user_id": user_id})
    return None if row is None else row_of(CertificateRow, _CERTIFICATE_COLUMNS, row)


def certificates_of(source: Source, *, user_id: int) -> list[CertificateRow]:
    """Every certificate of the learner, newest cycle first: earlier ones stay theirs."""
    rows = fetch_all(source, _CERTIFICATES_OF, {"user_id": user_id})
    return [row_of(CertificateRow, _CERTIFICATE_COLUMNS, row) for row in rows]


def cycle_dates(source: Source, *, user_id: int, cycle: int, issued_at: datetime) -> CycleDates:
    """The certificate's own cycle's dates; it is valid until its oldest module completion
    expires, the same day HR's pages give for that cycle (period in force; outside test F20)."""
    rows = fetch_all(source, _LATEST_IN, {"user_id": user_id, "cycle": cycle})
    latest = [utc(row[1]) for row in rows]
    completed_at = max((d for d in latest if d is not None), default=None) or issued_at
    first = counted_from(latest) or completed_at
    return CycleDates(cycle, completed_at, expiry_of(first, validity_months(source)), first)


def pick(
    dated: list[tuple[CertificateRow, CycleDates]], *, current: int, asked: int | None, today: date
) -> tuple[CertificateRow, CycleDates] | None:
    """The certificate /certificate shows: the one asked for; else the current cycle's; else,
    in a new cycle, the newest earlier one still valid (or, if none is, the newest)."""
    if asked is not None:
        return next((d for d in dated if d[0].cycle == asked), None)
    if mine := next((d for d in dated if d[0].cycle == current), None):
        return mine
    valid = [d for d in dated if d[1].valid_until is None or d[1].valid_until > today]
    chosen = valid or dated
    return chosen[0] if chosen else None


def verify(session: Session, *, code: str) -> tuple[Certificate, User]:
    row = session.exec(
        select(Certificate, User)
        .join(User, col(User.id) == Certificate.user_id)
        .where(Certificate.code == code.strip().upper())
    ).first()
    if row is None:
        raise NotFound("No certificate has that verification code. Check it and try again.")
    return row
