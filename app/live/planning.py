"""Planned group sessions: schedule ahead, change or cancel (invitees are told), open on the day.

Every change is one `UPDATE ... SET sequence = sequence + 1 WHERE sequence = :seen AND still
open`, so two editors (or an edit racing an opening) never both apply, and each invitation
update carries the next SEQUENCE (RFC 5545) exactly once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from app.auth.lookup import AnyUser
from app.clock import utcnow
from app.config import Settings
from app.content.catalog import Catalog
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.live import facilitator, planning_mail
from app.models import LivePlan, LivePlanInvitee, LiveSession, User, row_id

MAX_INVITEES = facilitator.HEADCOUNT_MAX
MAX_DAYS_AHEAD = 366
OPEN_EARLY = timedelta(hours=12)  # "on the day": from 12 hours before the planned start
MINUTES = (30, 45, 60, 90, 120, 180)
HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class PlanInvalid(Invalid):
    """A plan field the form must show its message next to."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class PlanForm:
    """What the plan form sends, before checking."""

    module_id: str
    scenario_ids: list[str]
    day: str  # YYYY-MM-DD, in the organisation's time zone
    time: str  # HH:MM
    minutes: int
    headcount: int | None
    invitee_ids: list[int]
    department_id: int | None = None


@dataclass(frozen=True)
class CheckedPlan:
    module_id: str
    scenario_ids: list[str]
    starts_at: datetime
    minutes: int
    headcount: int
    invitees: list[User]


def check_plan(session: Session, catalog: Catalog, form: PlanForm, zone: ZoneInfo) -> CheckedPlan:
    """Every field checked, with a message saying what to change (PlanInvalid)."""
    module = catalog.get(form.module_id)
    if module is None:
        raise PlanInvalid("module_id", "There is no module with that id. Choose one from the list.")
    known = [s.id for s in module.quiz.scenarios]
    unknown = [s for s in form.scenario_ids if s not in known]
    if unknown:
        raise PlanInvalid("scenario", f"“{unknown[0][:60]}” is not a scenario of {module.title}.")
    chosen = [s for s in known if s in form.scenario_ids]
    if not chosen:
        raise PlanInvalid("scenario", "Choose at least one of this module's scenarios.")
    starts_at = _start(form.day, form.time, zone)
    if form.minutes not in MINUTES:
        raise PlanInvalid("minutes", "Choose one of the offered lengths.")
    top = facilitator.HEADCOUNT_MAX
    if form.headcount is None or not 1 <= form.headcount <= top:
        raise PlanInvalid("headcount", f"Expected people: enter a number from 1 to {top}.")
    invitees = _invitees(session, form.invitee_ids, form.department_id)
    return CheckedPlan(module.id, chosen, starts_at, form.minutes, form.headcount, invitees)


def _start(day: str, hhmm: str, zone: ZoneInfo) -> datetime:
    try:
        on = date.fromisoformat(day.strip())
    except ValueError:
        raise PlanInvalid("day", "Date: enter a date such as 2027-03-15.") from None
    found = HHMM.match(hhmm.strip())
    if not found:
        raise PlanInvalid("time", "Time: enter a time such as 09:30 (24-hour clock).")
    local = datetime.combine(on, time(int(found.group(1)), int(found.group(2))), tzinfo=zone)
    starts_at = local.astimezone(UTC)
    now = utcnow()
    if starts_at <= now:
        raise PlanInvalid("day", f"That date and time ({zone.key}) has passed: choose a later one.")
    if starts_at > now + timedelta(days=MAX_DAYS_AHEAD):
        raise PlanInvalid("day", "Plan at most a year ahead.")
    return starts_at


def _invitees(session: Session, ids: list[int], department_id: int | None) -> list[User]:
    """The people chosen, plus the active members of the department chosen; leavers refused."""
    wanted = set(ids)
    people = list(session.exec(select(User).where(col(User.id).in_(wanted))).all()) if ids else []
    if len(people) != len(wanted):
        raise PlanInvalid("invitee", "Someone chosen is not in the course. Choose again.")
    gone = [p for p in people if not p.active]
    if gone:
        raise PlanInvalid(
            "invitee", f"{gone[0].name} has left and cannot be invited. Untick them to go on."
        )
    if department_id is not None:
        members = session.exec(
            select(User).where(User.department_id == department_id, col(User.active).is_(True))
        ).all()
        if not members:
            raise PlanInvalid("department", "That department has no active people to invite.")
        people += [m for m in members if m.id not in wanted]
    if len(people) > MAX_INVITEES:
        raise PlanInvalid("invitee", f"Invite at most {MAX_INVITEES} people to one session.")
    return sorted(people, key=lambda p: p.name.casefold())


def create_plan(
    session: Session,
    catalog: Catalog,
    settings: Settings,
    *,
    user: AnyUser,
    form: PlanForm,
    zone: ZoneInfo,
) -> LivePlan:
    """Store the plan and queue each invitee's e-mail with its calendar invitation."""
    checked = check_plan(session, catalog, form, zone)
    plan = LivePlan(
        facilitator_id=row_id(user),
        module_id=checked.module_id,
        scenario_ids=",".join(checked.scenario_ids),
        headcount=checked.headcount,
        starts_at=checked.starts_at,
        minutes=checked.minutes,
        time_zone=zone.key,
    )
    session.add(plan)
    session.flush()
    for person in checked.invitees:
        session.add(LivePlanInvitee(plan_id=row_id(plan), user_id=row_id(person)))
    planning_mail.queue_invitations(session, catalog, settings, plan=plan, to=checked.invitees)
    session.commit()
    return plan


def owned_plan(session: Session, *, user: AnyUser, plan_id: int) -> LivePlan:
    """The plan if this user made it (admins may change or open any)."""
    plan = session.get(LivePlan, plan_id)
    if plan is None:
        raise NotFound("There is no such planned session.")
    if plan.facilitator_id != user.id and user.role != "admin":
        raise Forbidden("Only the facilitator who planned this session can change or open it.")
    return plan


def invitees_of(session: Session, plan_id: int) -> list[User]:
    rows = session.exec(
        select(User)
        .join(LivePlanInvitee, col(LivePlanInvitee.user_id) == User.id)
        .where(LivePlanInvitee.plan_id == plan_id)
        .order_by(col(User.name))
    ).all()
    return list(rows)


def update_plan(
    session: Session,
    catalog: Catalog,
    settings: Settings,
    *,
    user: AnyUser,
    plan_id: int,
    form: PlanForm,
    zone: ZoneInfo,
    seen_sequence: int,
) -> LivePlan:
    """Apply a change: invitees kept or added get the update, those removed a cancellation."""
    plan = owned_plan(session, user=user, plan_id=plan_id)
    checked = check_plan(session, catalog, form, zone)
    before = {row_id(p): p for p in invitees_of(session, row_id(plan))}
    values = {
        "module_id": checked.module_id,
        "scenario_ids": ",".join(checked.scenario_ids),
        "headcount": checked.headcount,
        "starts_at": checked.starts_at,
        "minutes": checked.minutes,
        "time_zone": zone.key,
    }
    _bump(session, plan, seen_sequence, values)
    after = {row_id(p): p for p in checked.invitees}
    if gone := set(before) - set(after):
        session.exec(
            delete(LivePlanInvitee).where(
                col(LivePlanInvitee.plan_id) == plan.id, col(LivePlanInvitee.user_id).in_(gone)
            )
        )
    for new in set(after) - set(before):
        session.add(LivePlanInvitee(plan_id=row_id(plan), user_id=new))
    session.flush()
    session.refresh(plan)
    removed = [before[i] for i in gone]
    planning_mail.queue_cancellations(session, catalog, settings, plan=plan, to=removed)
    planning_mail.queue_invitations(session, catalog, settings, plan=plan, to=checked.invitees)
    session.commit()
    return plan


def cancel_plan(
    session: Session,
    catalog: Catalog,
    settings: Settings,
    *,
    user: AnyUser,
    plan_id: int,
    seen_sequence: int,
) -> LivePlan:
    """Cancel the plan; every invitee gets METHOD:CANCEL with the next SEQUENCE."""
    plan = owned_plan(session, user=user, plan_id=plan_id)
    _bump(session, plan, seen_sequence, {"cancelled_at": utcnow()})
    session.refresh(plan)
    to = invitees_of(session, row_id(plan))
    planning_mail.queue_cancellations(session, catalog, settings, plan=plan, to=to)
    session.commit()
    return plan


def _bump(session: Session, plan: LivePlan, seen: int, values: dict[str, object]) -> None:
    """Write `values` and sequence + 1 only if nobody changed, cancelled or opened it since."""
    result = session.exec(
        update(LivePlan)
        .where(
            col(LivePlan.id) == plan.id,
            col(LivePlan.sequence) == seen,
            col(LivePlan.cancelled_at).is_(None),
            col(LivePlan.opened_at).is_(None),
        )
        .values(sequence=LivePlan.sequence + 1, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.rollback()
        session.refresh(plan)
        raise _why_not(plan, "changed")


def _why_not(plan: LivePlan, doing: str) -> Invalid | Conflict:
    if plan.cancelled_at is not None:
        return Invalid("This planned session was cancelled, so it cannot be " + doing + ".")
    if plan.opened_at is not None:
        return Invalid("This planned session has already been opened; run it from its page.")
    return Conflict(
        "Someone else changed this planned session meanwhile, so nothing was saved. "
        "This is the plan as it is now."
    )


def open_plan(session: Session, catalog: Catalog, *, user: AnyUser, plan_id: int) -> LiveSession:
    """Make the live session from the plan, once, from 12 hours before its start."""
    plan = owned_plan(session, user=user, plan_id=plan_id)
    if plan.session_id is not None:
        live = session.get(LiveSession, plan.session_id)
        if live is not None:
            return live  # a second click (or a second controller) goes to the same session
    if utcnow() < plan.starts_at - OPEN_EARLY:
        raise Invalid("You can open a planned session from 12 hours before it starts.")
    claimed = session.exec(
        update(LivePlan)
        .where(
            col(LivePlan.id) == plan.id,
            col(LivePlan.opened_at).is_(None),
            col(LivePlan.cancelled_at).is_(None),
        )
        .values(opened_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.commit()
    session.refresh(plan)
    if claimed.rowcount != 1:
        if plan.session_id is not None and (live := session.get(LiveSession, plan.session_id)):
            return live
        raise _why_not(plan, "opened")
    runner = session.get(User, plan.facilitator_id)
    try:
        live = facilitator.create_session(
            session,
            catalog,
            facilitator=runner or user,
            module_id=plan.module_id,
            scenario_ids=plan.scenario_list,
            headcount=plan.headcount,
        )
    except Exception:
        session.rollback()
        plan.opened_at = None
        session.add(plan)
        session.commit()
        raise
    plan.session_id = live.id
    session.add(plan)
    session.commit()
    return live


def list_plans(session: Session, *, user: AnyUser) -> list[LivePlan]:
    """This user's plans not yet opened or cancelled, soonest first (admins see everyone's)."""
    query = (
        select(LivePlan)
        .where(col(LivePlan.cancelled_at).is_(None), col(LivePlan.session_id).is_(None))
        .order_by(col(LivePlan.starts_at))
        .limit(200)
    )
    if user.role != "admin":
        query = query.where(LivePlan.facilitator_id == user.id)
    return list(session.exec(query).all())
