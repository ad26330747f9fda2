"""API v1 services: modules, one person by external id (read and upsert), completions since a time."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from app import audit
from app.api.schemas import (
    AssignmentOut,
    ModuleOut,
    PersonIn,
    PersonOut,
    ProgressItem,
    ProgressPage,
    RecertOut,
)
from app.auth import invites
from app.clock import utcnow
from app.config import Settings
from app.content.catalog import Catalog
from app.db import select_columns
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.hr import assignments
from app.hr.account_changes import (
    deactivated,
    email_changed,
    is_protected,
    protected_changes,
)
from app.hr.managers import loop_through, serialize_manager_changes
from app.hr.recert import person_recert
from app.models import (
    ApiKey,
    Assignment,
    Completion,
    Department,
    LessonProgress,
    QuizAttempt,
    User,
    row_id,
)
from app.recert.policy import validity_months
from app.recert.status import expiry_of
from app.web.inputs import email_problem, whole_number

PAGE_MAX = 1000


def modules(catalog: Catalog) -> list[ModuleOut]:
    return [
        ModuleOut(
            id=m.id,
            title=m.title,
            order=m.order,
            minutes=m.minutes,
            pass_mark=m.quiz.pass_mark,
            scenarios=len(m.quiz.scenarios),
        )
        for m in catalog.modules
    ]


def get_person(session: Session, *, external_id: str) -> PersonOut:
    """One person with their assignments and progress (no reflections, ever)."""
    user = session.exec(select(User).where(User.external_id == external_id)).first()
    if user is None:
        raise NotFound(f"No person has the external id “{external_id}”.")
    return _person_out(session, user)


def _person_out(session: Session, user: User) -> PersonOut:
    dept = session.get(Department, user.department_id) if user.department_id else None
    manager = session.get(User, user.manager_id) if user.manager_id else None
    uid = row_id(user)
    done = dict(
        session.exec(
            select(Completion.module_id, Completion.completed_at).where(
                Completion.user_id == uid,
                Completion.cycle == user.cycle,
                Completion.superseded_by == 0,
            )
        ).all()
    )
    started = set(
        session.exec(
            select(LessonProgress.module_id).where(
                LessonProgress.user_id == uid,
                LessonProgress.cycle == user.cycle,
                LessonProgress.superseded_by == 0,
            )
        ).all()
    )
    tries = {
        m: (n, best)
        for m, n, best in session.exec(
            select(QuizAttempt.module_id, func.count(), func.max(QuizAttempt.percent))
            .where(
                QuizAttempt.user_id == uid,
                QuizAttempt.cycle == user.cycle,
                QuizAttempt.superseded_by == 0,
            )
            .group_by(QuizAttempt.module_id)
        )
    }
    now = utcnow()
    items = []
    for a in session.exec(
        select(Assignment).where(Assignment.user_id == uid).order_by(Assignment.module_id)
    ):
        n, best = tries.get(a.module_id, (0, None))
        status = (
            "complete"
            if a.module_id in done
            else "in progress"
            if a.module_id in started or n
            else "not started"
        )
        items.append(
            AssignmentOut(
                module_id=a.module_id,
                assigned_at=a.created_at,
                due_at=a.due_at,
                status=status,
                overdue=a.module_id not in done and a.due_at < now,
                completed_at=done.get(a.module_id),
                attempts=n,
                best_score=best,
            )
        )
    return PersonOut(
        external_id=user.external_id or "",
        email=user.email,
        name=user.name,
        department=dept.name if dept else None,
        manager_email=manager.email if manager else None,
        role=user.role,
        active=user.active,
        assignments=items,
        recertification=_recert_out(session, user, [i.module_id for i in items], now),
    )


def _recert_out(session: Session, user: User, module_ids: list[str], now: datetime) -> RecertOut:
    found = person_recert(session, user=user, module_ids=module_ids, now=now)
    return RecertOut(
        status=found.status.value if found.status else None,
        valid_until=found.expires_on,
        cycle=found.cycle,
        validity_months=found.months,
    )


def put_person(
    session: Session, settings: Settings, *, key: ApiKey, external_id: str, body: PersonIn
) -> tuple[PersonOut, bool]:
    """Create or update the person with this external id; returns (person, created)."""
    external_id = external_id.strip()
    email = body.email.strip().lower()
    if not external_id or len(external_id) > 200:
        raise Invalid("external_id: use 1 to 200 characters.")
    if (problem := email_problem(email)) is not None:
        raise Invalid(f"email: {problem}.")
    if body.manager_email:
        serialize_manager_changes(session)  # before reading any chain: see its docstring
    user = session.exec(select(User).where(User.external_id == external_id)).first()
    other = session.exec(select(User).where(User.email == email)).first()
    if other is not None and (user is None or other.id != user.id):
        if user is None and other.external_id is None:
            if is_protected(other.role):
                raise Forbidden(
                    f"email: {email} belongs to an hr or admin account, which an API key "
                    "cannot link to an external id or change; leave it out of the sync."
                )
            user = other  # an account made before the HR system knew it: adopt it
        else:
            raise Conflict(f"email: {email} already belongs to another person.")
    if user is not None and (changed := protected_changes(user, email, body.role, body.active)):
        raise Forbidden(
            f"{', '.join(changed)}: this is an hr or admin account; an API key cannot change "
            "its e-mail, role or active state. Send the values it has, or leave role and "
            "active out; role and active state are changed on the person's page in the app."
        )
    manager_id = _manager_id(session, body, email, user)
    created = user is None
    before = (user.role, user.department_id, user.active, user.email) if user else None
    current_role = user.role if user else None
    if body.role is not None and body.role != current_role and is_protected(body.role):
        # A leaked key must not mint an account that sees everyone's records.
        raise Forbidden(
            f"role: an API key can give only the learner or facilitator role, not {body.role}; "
            "an admin gives the hr and admin roles on the person's page in the app."
        )
    if user is None:
        user = User(email=email, name=body.name, external_id=external_id)
    user.email, user.name, user.external_id = email, body.name, external_id
    if body.role is not None:
        user.role = body.role
    if "department" in body.model_fields_set:
        user.department_id = department_id(session, body.department)
    if "manager_email" in body.model_fields_set:
        user.manager_id = manager_id
    if body.active is not None and body.active != user.active:
        user.active, user.deactivated_at = body.active, None if body.active else utcnow()
    session.add(user)
    session.flush()
    uid = row_id(user)
    if created:
        invites.queue(session, user_ids=[uid], actor_id=None)
    if before and before[2] and not user.active:
        deactivated(session, user_ids=[uid])
    elif not user.active:
        invites.revoke_for(session, user_ids=[uid])
    if before and before[3] != user.email:
        email_changed(
            session,
            settings,
            user_id=uid,
            name=user.name,
            old=before[3],
            new=user.email,
            actor_id=None,
            via=f"api:{key.name}",
        )
    if created or before is None or before[1:3] != (user.department_id, user.active):
        assignments.apply_rules(session, user_ids=[uid], now=utcnow())
    if before and before[0] != user.role:
        audit.record(
            session,
            actor_id=None,
            action="user.role_change",
            target=email,
            old=before[0],
            new=user.role,
            via=f"api:{key.name}",
        )
    audit.record(
        session,
        actor_id=None,
        action="api.person_create" if created else "api.person_update",
        target=email,
        key=key.name,
        external_id=external_id,
    )
    session.commit()
    session.refresh(user)
    return _person_out(session, user), created


def _manager_id(session: Session, body: PersonIn, email: str, user: User | None) -> int | None:
    if not body.manager_email:
        return None
    manager_email = body.manager_email.strip().lower()
    if manager_email == email:
        raise Invalid("manager_email: a person cannot be their own manager.")
    manager = session.exec(select(User.id).where(User.email == manager_email)).first()
    if manager is None:
        raise Invalid(
            f"manager_email: no account has the email {manager_email}; create the manager first."
        )
    if user is not None and user.id is not None:
        loop = loop_through(session, user_id=user.id, manager_id=manager, email=email)
        if loop:
            raise Invalid(
                f"manager_email: this would make a management loop ({loop}): nobody may "
                "manage, directly or through others, their own manager."
            )
    return manager


def department_id(session: Session, name: str | None) -> int | None:
    """The id of the department with this name (any case), created if new; None for no name."""
    if not name:
        return None
    # Match case-insensitively in Python: SQLite's lower() folds ASCII only, so "Ø" and "ø"
    # would look different to it and the insert below would hit the unique name.
    found = next(
        (d for d in session.exec(select(Department)) if d.name.casefold() == name.casefold()),
        None,
    )
    if found is None:
        found = Department(name=name)
        session.add(found)
        session.flush()
    return found.id


def _encode_cursor(at: datetime, completion_id: int) -> str:
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{completion_id}".encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        at, text = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        when, row = datetime.fromisoformat(at), whole_number(text)
        if when.tzinfo is None or row is None:
            raise ValueError("not a cursor this API made")
        return when.astimezone(UTC), row
    except (ValueError, OverflowError, binascii.Error, UnicodeDecodeError) as exc:
        raise Invalid("cursor: not a cursor from a previous page; start again without it.") from exc


def progress(
    session: Session, *, since: datetime | None, cursor: str | None, limit: int
) -> ProgressPage:
    """Completions in (completed_at, id) order from `since`, a page at a time (keyset paging)."""
    if since is not None and since.tzinfo is None:
        raise Invalid("since: include a time zone, for example 2026-01-31T00:00:00Z.")
    stmt = (
        select(Completion, User.external_id, User.email)
        .join(User, col(User.id) == Completion.user_id)
        .order_by(col(Completion.completed_at), col(Completion.id))
        .limit(limit + 1)
    )
    if since is not None:
        stmt = stmt.where(col(Completion.completed_at) >= since)
    if cursor:
        at, after_id = _decode_cursor(cursor)
        stmt = stmt.where(
            or_(
                col(Completion.completed_at) > at,
                and_(col(Completion.completed_at) == at, col(Completion.id) > after_id),
            )
        )
    rows = session.exec(stmt).all()
    page, more = rows[:limit], len(rows) > limit
    pairs = {(c.user_id, c.module_id) for c, _, _ in page}
    users = {u for u, _ in pairs}
    stats = (
        {
            (u, m, cycle): (n, best)
            for u, m, cycle, n, best in session.exec(
                select_columns(
                    col(QuizAttempt.user_id),
                    col(QuizAttempt.module_id),
                    col(QuizAttempt.cycle),
                    func.count(),
                    func.max(QuizAttempt.percent),
                )
                .where(col(QuizAttempt.user_id).in_(users))
                .group_by(
                    col(QuizAttempt.user_id), col(QuizAttempt.module_id), col(QuizAttempt.cycle)
                )
            )
        }
        if users
        else {}
    )
    months = validity_months(session)
    items = [
        ProgressItem(
            external_id=ext,
            email=email,
            module_id=c.module_id,
            completed_at=c.completed_at,
            via=c.via,
            attempts=stats.get((c.user_id, c.module_id, c.cycle), (0, None))[0],
            best_score=stats.get((c.user_id, c.module_id, c.cycle), (0, None))[1],
            cycle=c.cycle,
            valid_until=expiry_of(c.completed_at, months),
        )
        for c, ext, email in page
    ]
    last = page[-1][0] if page else None
    return ProgressPage(
        items=items,
        next_cursor=_encode_cursor(last.completed_at, row_id(last)) if more and last else None,
    )
