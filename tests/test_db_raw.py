"""Plain SQL on the hot paths (app/db/raw.py): read models hold exactly what the tables hold."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlmodel import Session, select

from app.auth.account import change_password
from app.auth.lookup import LoginRow, UserRow, find_login
from app.auth.service import end_sessions_of, open_session
from app.config import PROJECT_ROOT, Settings
from app.db import RawQuery, utc
from app.db.raw import columns_match
from app.learning import certificates
from app.learning.attempts import AttemptRow
from app.learning.progress import ReflectionRow
from app.models import Certificate, LoginSession, QuizAttempt, Reflection, User
from tests.factories import make_user

# Reaching into a library's internals: SQLAlchemy's instance state and identity keys, and
# any attribute or name of sqlalchemy/sqlmodel/starlette/fastapi starting with "_".
PRIVATE = re.compile(r"_sa_instance_state|_identity_class|instance_state\b|\bstate\.key\b")


def test_postgresql_text_names_parameters_and_leaves_casts_and_percent_alone() -> None:
    query = RawQuery.of("SELECT x::int, '10:30', a % 2 FROM t\n  WHERE id = :id AND n = :n")
    assert query.sqlite == "SELECT x::int, '10:30', a % 2 FROM t WHERE id = :id AND n = :n"
    assert query.postgresql == (
        "SELECT x::int, '10:30', a %% 2 FROM t WHERE id = %(id)s AND n = %(n)s"
    )


def _signed_in(
    app: FastAPI, session: Session, settings: Settings
) -> tuple[User, str, LoginRow, UserRow]:
    """A person, their sign-in token, and what the plain-SQL lookup returns for it."""
    user = make_user(session, "ana@example.com")
    token = open_session(session, settings, user=user, replace_token=None)
    found = find_login(app.state.engine, settings, token)
    assert found is not None
    return user, token, found[0], found[1]


def test_sign_in_lookup_returns_what_the_tables_hold(
    app: FastAPI, session: Session, settings: Settings
) -> None:
    user, token, login, signed_in = _signed_in(app, session, settings)
    with Session(app.state.engine) as fresh:
        stored_user = fresh.get(User, user.id)
        assert stored_user is not None
        # The lookup adds one fact the table does not hold: whether anyone reports to them.
        assert dataclasses.asdict(signed_in) == {**stored_user.model_dump(), "has_reports": False}
        stored = fresh.exec(select(LoginSession).where(LoginSession.user_id == user.id)).one()
        assert dataclasses.asdict(login) == stored.model_dump()
    assert signed_in.created_at.tzinfo is not None and isinstance(signed_in.active, bool)
    assert find_login(app.state.engine, settings, token + "x") is None
    end_sessions_of(session, user_id=user.id or 0)
    session.commit()
    assert find_login(app.state.engine, settings, token) is None


def test_a_read_model_cannot_be_changed_so_changes_load_the_row(
    app: FastAPI, session: Session, settings: Settings
) -> None:
    user, token, _login, signed_in = _signed_in(app, session, settings)
    with pytest.raises(dataclasses.FrozenInstanceError):
        signed_in.name = "Ana Renamed"  # type: ignore[misc]
    with Session(app.state.engine) as writer:
        change_password(
            writer,
            user=signed_in,
            current="correct-horse-battery",
            new="a much longer passphrase 91",
            confirm="a much longer passphrase 91",
        )
    with Session(app.state.engine) as fresh:
        stored = fresh.get(User, user.id)
        assert stored is not None and stored.password_changed_at is not None
    assert find_login(app.state.engine, settings, token) is None  # that sign-in has ended


def test_certificate_read_matches_the_table(app: FastAPI, session: Session) -> None:
    user = make_user(session, "ana@example.com")
    assert certificates.certificate_of(app.state.engine, user_id=user.id or 0) is None
    session.add(Certificate(user_id=user.id or 0, code="ABCD-EFGH-JKLM"))
    session.commit()
    read = certificates.certificate_of(app.state.engine, user_id=user.id or 0)
    stored = session.exec(select(Certificate)).one()
    assert read is not None and dataclasses.asdict(read) == stored.model_dump()


@pytest.mark.parametrize(
    ("row", "table"),
    [
        (UserRow, User),
        (LoginRow, LoginSession),
        (certificates.CertificateRow, Certificate),
        (ReflectionRow, Reflection),
        (AttemptRow, QuizAttempt),
    ],
)
def test_each_read_model_has_its_tables_columns_in_order(row: type, table: type) -> None:
    """A column added by a migration must be added to its read model, or reads go wrong."""
    assert columns_match(row, table)
    assert dataclasses.is_dataclass(row) and row.__dataclass_params__.frozen  # type: ignore[attr-defined]


def test_no_code_reaches_into_sqlalchemys_private_state() -> None:
    found = [
        f"{path.relative_to(PROJECT_ROOT)}:{n}: {line.strip()}"
        for path in sorted(Path(PROJECT_ROOT, "app").rglob("*.py"))
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if PRIVATE.search(line)
    ]
    assert found == []


def test_the_private_state_check_would_catch_the_old_code() -> None:
    old = 'row["_sa_instance_state"].key = (shape.identity_class, (row["id"],), None)'
    assert PRIVATE.search(old) and PRIVATE.search("mapper._identity_class")


def test_stored_datetimes_come_back_as_aware_utc_whatever_their_form() -> None:
    expected = datetime(2026, 10, 7, 12, 34, 56, 123456, tzinfo=UTC)
    assert utc("2026-10-07 12:34:56.123456") == expected
    assert utc("2026-10-07 12:34:56") == expected.replace(microsecond=0)
    assert utc("2026-10-07 14:34:56.123456+02:00") == expected
    assert utc(datetime(2026, 10, 7, 12, 34, 56, 123456)) == expected  # PostgreSQL, naive
    plus_two = timezone(timedelta(hours=2))
    assert utc(datetime(2026, 10, 7, 14, 34, 56, 123456, tzinfo=plus_two)) == expected
    assert all(utc(v).tzinfo == UTC for v in ("2026-10-07 12:34:56", "2026-10-07 12:34:56.5"))  # type: ignore[union-attr]
    assert utc(None) is None


def test_no_name_of_the_data_package_is_shadowed_by_one_of_its_modules() -> None:
    """`from app.db import writer` must be the function, not a submodule of the same name."""
    import types

    import app.db

    shadowed = [n for n in app.db.__all__ if isinstance(getattr(app.db, n), types.ModuleType)]
    assert shadowed == []
