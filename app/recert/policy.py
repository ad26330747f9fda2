"""The organisation's validity period: one row, changed by admins, every change audited."""

from __future__ import annotations

from sqlmodel import Session

from app import audit
from app.clock import utcnow
from app.db import RawQuery, Source, fetch_one, insert_ignore
from app.errors import Invalid
from app.models import RecertPolicy
from app.recert.status import parse_period

POLICY_ID = 1
_MONTHS = RawQuery.of("SELECT months FROM recertpolicy WHERE id = 1")


def validity_months(source: Source) -> int | None:
    """Months a completion stays valid; None (the default) means completions never expire."""
    row = fetch_one(source, _MONTHS, {})
    return None if row is None or row[0] is None else int(row[0])


def set_validity(session: Session, *, actor_id: int | None, period: str) -> int | None:
    """Store a new period (Invalid on bad input) and audit the change; commits.

    Expiry is worked out from the period in force, so a change moves every expiry at once.
    """
    try:
        months = parse_period(period)
    except ValueError as exc:
        raise Invalid(str(exc)) from exc
    # The row exists before it is locked, so two admins saving at once never both insert it.
    insert_ignore(session, RecertPolicy, [{"id": POLICY_ID, "updated_at": utcnow()}], ["id"])
    row = session.get(RecertPolicy, POLICY_ID, with_for_update=True, populate_existing=True)
    if row is None:  # pragma: no cover - inserted just above
        raise Invalid("The validity period could not be saved; try again.")
    before = row.months
    if before == months:  # saving the period in force changes nothing: no audit noise
        session.commit()
        return months
    row.months, row.updated_at, row.updated_by_id = months, utcnow(), actor_id
    session.add(row)
    audit.record(
        session,
        actor_id=actor_id,
        action="recert.period_change",
        target="validity period",
        before=before,
        after=months,
    )
    session.commit()
    return months
