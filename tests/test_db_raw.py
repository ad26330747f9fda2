"""Plain SQL on the hot paths (app/rawsql.py) gives exactly what the ORM would have loaded."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import inspect
from sqlmodel import Session, select

from app.auth.lookup import find_login
from app.auth.service import end_sessions_of, open_session
from app.config import Settings
from app.db import RawQuery
from app.learning import certificates
from app.models import Certificate, LoginSession, User
from tests.factories import make_user


def test_postgresql_text_names_parameters_and_leaves_casts_and_percent_alone() -> None:
    query = RawQuery.of("SELECT x::int, '10:30', a % 2 FROM t\n  WHERE id = :id AND n = :n")
    assert query.sqlite == "SELECT x::int, '10:30', a % 2 FROM t WHERE id = :id AND n = :n"
    assert query.postgresql == (
        "SELECT x::int, '10:30', a %% 2 FROM t WHERE id = %(id)s AND n = %(n)s"
    )


def _signed_in(
    app: FastAPI, session: Session, settings: Settings
) -> tuple[User, str, LoginSession, User]:
    """A person, their sign-in token, and what the plain-SQL lookup returns for it."""
    user = make_user(session, "ana@example.com")
    token = open_session(session, settings, user=user, replace_token=None)
    found = find_login(app.state.engine, settings, token)
    assert found is not None
    return user, token, found[0], found[1]


def test_sign_in_lookup_returns_the_rows_the_orm_loads(
    app: FastAPI, session: Session, settings: Settings
) -> None:
    user, token, login, signed_in = _signed_in(app, session, settings)
    with Session(app.state.engine) as fresh:
        assert signed_in.model_dump() == fresh.get(User, user.id).model_dump()  # type: ignore[union-attr]
        stored = fresh.exec(select(LoginSession).where(LoginSession.user_id == user.id)).one()
        assert login.model_dump() == stored.model_dump()
    assert inspect(signed_in).detached and signed_in.created_at.tzinfo is not None
    assert find_login(app.state.engine, settings, token + "x") is None
    end_sessions_of(session, user_id=user.id or 0)
    session.commit()
    assert find_login(app.state.engine, settings, token) is None


def test_a_detached_user_changed_and_added_is_saved(
    app: FastAPI, session: Session, settings: Settings
) -> None:
    user, _token, _login, signed_in = _signed_in(app, session, settings)
    with Session(app.state.engine) as writer:
        signed_in.name = "Ana Renamed"
        writer.add(signed_in)
        writer.commit()
    with Session(app.state.engine) as fresh:
        assert fresh.get(User, user.id).name == "Ana Renamed"  # type: ignore[union-attr]


def test_certificate_read_matches_the_orm(app: FastAPI, session: Session) -> None:
    user = make_user(session, "ana@example.com")
    assert certificates.certificate_of(app.state.engine, user_id=user.id or 0) is None
    session.add(Certificate(user_id=user.id or 0, code="ABCD-EFGH-JKLM"))
    session.commit()
    read = certificates.certificate_of(app.state.engine, user_id=user.id or 0)
    stored = session.exec(select(Certificate)).one()
    assert read is not None and read.model_dump() == stored.model_dump()


def test_stored_datetimes_come_back_as_aware_utc_whatever_their_form() -> None:
    from datetime import UTC, datetime, timedelta, timezone

    from app.db import utc

    expected = datetime(2026, 10, 7, 12, 34, 56, 123456, tzinfo=UTC)
    assert utc("2026-10-07 12:34:56.123456") == expected
    assert utc("2026-10-07 12:34:56") == expected.replace(microsecond=0)
    assert utc("2026-10-07 14:34:56.123456+02:00") == expected
    assert utc(datetime(2026, 10, 7, 12, 34, 56, 123456)) == expected  # PostgreSQL, naive
    plus_two = timezone(timedelta(hours=2))
    assert utc(datetime(2026, 10, 7, 14, 34, 56, 123456, tzinfo=plus_two)) == expected
    assert all(utc(v).tzinfo == UTC for v in ("2026-10-07 12:34:56", "2026-10-07 12:34:56.5"))  # type: ignore[union-attr]
    assert utc(None) is None
