"""Certificates: one per person once every module is complete, verifiable by code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.content.catalog import Catalog
from app.db import RawQuery, Source, columns_of, fetch_one, row_of, select_list
from app.errors import NotFound
from app.models import Certificate, Completion, User
from app.security import format_certificate_code, random_code


def issue_if_course_complete(
    session: Session, catalog: Catalog, *, user_id: int
) -> Certificate | None:
    """Issue the certificate when all modules are complete; at most one per person."""
    done = session.exec(
        select(func.count(func.distinct(Completion.module_id))).where(
            Completion.user_id == user_id,
            col(Completion.module_id).in_(catalog.module_ids),
        )
    ).one()
    if done < len(catalog.modules):
        return None
    existing = session.exec(select(Certificate).where(Certificate.user_id == user_id)).first()
    if existing:
        return existing
    try:
        with session.begin_nested():
            cert = Certificate(user_id=user_id, code=format_certificate_code(random_code(12)))
            session.add(cert)
    except IntegrityError:
        return session.exec(select(Certificate).where(Certificate.user_id == user_id)).first()
    return cert


@dataclass(frozen=True, slots=True)
class CertificateRow:
    """A certificate as read for a page (the `certificate` table's columns, in order)."""

    id: int
    user_id: int
    code: str
    issued_at: datetime


_CERTIFICATE_COLUMNS = columns_of(Certificate)
_CERTIFICATE_OF = RawQuery.of(
    f"SELECT {select_list(_CERTIFICATE_COLUMNS, 'c')} FROM certificate c WHERE c.user_id = :user_id"
)


def certificate_of(source: Source, *, user_id: int) -> CertificateRow | None:
    """The learner's certificate, read only (plain SQL: it is on the learner's dashboard)."""
    row = fetch_one(source, _CERTIFICATE_OF, {"user_id": user_id})
    return None if row is None else row_of(CertificateRow, _CERTIFICATE_COLUMNS, row)


def verify(session: Session, *, code: str) -> tuple[Certificate, User]:
    row = session.exec(
        select(Certificate, User)
        .join(User, col(User.id) == Certificate.user_id)
        .where(Certificate.code == code.strip().upper())
    ).first()
    if row is None:
        raise NotFound("No certificate has that verification code. Check it and try again.")
    return row
