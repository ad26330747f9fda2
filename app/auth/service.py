"""Sign-in services: verify credentials with throttling, open and close sessions."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, func, update
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.config import Settings
from app.db import writer
from app.errors import TooManyRequests
from app.models import LoginFailure, LoginSession, User
from app.security import hash_password, new_token, password_problem, token_digest, verify_password

LOGIN_FAILED = "That email and password do not match an account. Check both and try again."


class LoginFailed(Exception):
    pass


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _recent_failures(session: Session, settings: Settings, **where: str) -> int:
    since = utcnow() - timedelta(minutes=settings.login_window_minutes)
    column = getattr(LoginFailure, next(iter(where)))
    stmt = (
        select(func.count())
        .select_from(LoginFailure)
        .where(column == next(iter(where.values())), LoginFailure.at >= since)
    )
    return session.exec(stmt).one()


def authenticate(
    session: Session, settings: Settings, *, email: str, password: str, address: str
) -> User:
    """The user for these credentials, or LoginFailed/TooManyRequests; failures are recorded."""
    email = normalise_email(email)
    if (
        _recent_failures(session, settings, email=email) >= settings.login_max_failures_per_account
        or _recent_failures(session, settings, address=address)
        >= settings.login_max_failures_per_address
    ):
        raise TooManyRequests(
            f"Too many failed sign-ins. Wait {settings.login_window_minutes} minutes, "
            "then try again, or ask your HR team to reset your password."
        )
    user = session.exec(select(User).where(User.email == email)).first()
    ok = verify_password(password, user.password_hash if user else None)
    if not ok or user is None or not user.active:
        session.add(LoginFailure(email=email, address=address[:64]))
        session.commit()
        raise LoginFailed(LOGIN_FAILED)
    return user


def open_session(
    session: Session, settings: Settings, *, user: User, replace_token: str | None
) -> str:
    """Start a fresh sign-in (new id) and end the one the browser had, if any."""
    if replace_token:
        close_session(session, token=replace_token, commit=False)
    token = new_token()
    now = utcnow()
    session.add(
        LoginSession(
            token_hash=token_digest(token),
            user_id=user.id or 0,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=settings.session_absolute_hours),
        )
    )
    session.commit()
    return token


TOUCH_EVERY = timedelta(minutes=1)


def needs_touch(login: LoginSession) -> bool:
    return login.last_seen_at <= utcnow() - TOUCH_EVERY


def touch_session(engine: Engine, login: LoginSession) -> None:
    """Move the idle deadline forward, at most once a minute, in its own short write.

    Its own transaction keeps a GET's reads off the write lock (SQLite) and keeps the
    one bookkeeping write of a page view apart from the request's data.
    """
    now = utcnow()
    if login.last_seen_at > now - TOUCH_EVERY:
        return
    with Session(writer(engine)) as session:
        session.execute(
            update(LoginSession)
            .where(
                col(LoginSession.id) == login.id,
                col(LoginSession.last_seen_at) <= now - TOUCH_EVERY,
            )
            .values(last_seen_at=now)
        )
        session.commit()


def end_sessions_of(session: Session, *, user_id: int) -> None:
    """Revoke every open sign-in of a person (deactivation, password change)."""
    session.execute(
        update(LoginSession)
        .where(col(LoginSession.user_id) == user_id, col(LoginSession.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )


def close_session(session: Session, *, token: str, commit: bool = True) -> None:
    login = session.exec(
        select(LoginSession).where(LoginSession.token_hash == token_digest(token))
    ).first()
    if login and not login.revoked_at:
        login.revoked_at = utcnow()
        session.add(login)
    if commit:
        session.commit()


def create_user(
    session: Session, *, email: str, name: str, role: str, password: str | None
) -> User:
    """Create an account; the password (if given) must pass the password rules."""
    if password is not None and (problem := password_problem(password)):
        raise ValueError(problem)
    user = User(
        email=normalise_email(email),
        name=name.strip(),
        role=role,
        password_hash=hash_password(password) if password else None,
    )
    session.add(user)
    session.commit()
    session.refresh(user)
    return user


def safe_next(target: str | None) -> str:
    """Only same-site paths: '/x' yes; '//evil', '/\\evil', 'https://evil' no."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target
