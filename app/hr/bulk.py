"""HR actions on many people at once: the people ticked, or everyone the filter matches now.

Each action runs a fixed number of statements whatever the number of people (`id_in` binds
the whole id list as one value), so "all 20,000 that match" costs what "3 ticked" costs.
"All that match" re-runs the filter inside the action's transaction and acts only if it
still matches as many people as the page showed; otherwise nothing changes and HR is told
how many match now. Actions on the same people are serialised (one bulk action at a time),
so two HR users acting at once never interleave half-way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, literal, update
from sqlmodel import Session, col, select

from app import audit
from app.auth.lookup import AnyUser
from app.clock import utcnow
from app.content.catalog import Catalog
from app.db import conflict_insert, day_text, id_in, lock_for_transaction, select_columns
from app.errors import Conflict, Invalid
from app.hr.account_changes import deactivated
from app.hr.assign_text import assigned_message, counted, people_text
from app.hr.assignments import check_modules, record_created, restart_finished
from app.hr.due import completed, due_in, due_problem, end_of_day
from app.hr.people import PeopleFilter, match_key, people_select
from app.models import Assignment, Role, User
from app.recert.policy import validity_months
from app.web.inputs import whole_number

NAMED = 3  # people named in a refusal; the rest are "and others"
MAX_TICKED = 500  # ten pages of the table; more people than that: use "all that match"
TOO_MANY = (
    f"tick at most {MAX_TICKED} people at once; for more, use “Select all … that match the "
    "filter”, which acts on everyone the filter matches. Nothing was changed."
)
LOCK_KEY = 0x62756C6B  # names the one lock every bulk action takes
ACTIONS = {
    "assign": "Assign modules",
    "due": "Set a due date",
    "remind": "Send a reminder now",
    "deactivate": "Deactivate",
}


@dataclass(frozen=True)
class Selection:
    """Who an action is for: ticked ids, or (`filters` set) all `seen` people that match."""

    ids: tuple[int, ...] = ()
    filters: PeopleFilter | None = None
    seen: int = 0
    seen_key: str = ""  # people.match_key() of those the page showed ("" from older pages)

    def describe(self) -> dict[str, object]:
        """The selection as the audit log records it."""
        if self.filters is None:
            return {"selected": "ticked"}
        return {"selected": "all matching", "filter": self.filters.params(), "seen": self.seen}


@dataclass(frozen=True)
class Outcome:
    """What an action did, in numbers the confirmation states."""

    action: str
    people: int
    changed: int = 0
    unchanged: int = 0
    due: date | None = None
    modules: int = 0
    cycles: int = 0  # finished people assigned again: each started a new cycle

    @property
    def message(self) -> str:
        """The confirmation, with the numbers that matter for this action."""
        who = people_text(self.people)
        if self.action == "assign":
            return assigned_message(
                people_count=self.people, created=self.changed, unchanged=self.unchanged,
                cycles=self.cycles, due=self.due, modules=self.modules,
            )  # fmt: skip
        if self.action == "due":
            return (
                f"Moved {counted(self.changed, 'open assignment')} of {who} to "
                f"{self.due:%-d %b %Y}."
            )
        if self.action == "remind":
            return (
                f"Queued a reminder for {self.changed:,} of {who}. The other {self.unchanged:,} "
                "had no open modules, have left, or were already reminded this week."
            )
        return f"Deactivated {self.changed:,} of {who}; {self.unchanged:,} had already left."

    def query(self) -> str:
        """The outcome as a redirect's query (numbers and a date only)."""
        due = f"&due={self.due.isoformat()}" if self.due else ""
        return (
            f"done={self.action}&people={self.people}&changed={self.changed}"
            f"&unchanged={self.unchanged}&modules={self.modules}&cycles={self.cycles}{due}"
        )


def outcome_from(query: Mapping[str, str]) -> Outcome | None:
    """The outcome a redirect carried, or None when the query holds none (or nonsense)."""
    action = query.get("done", "")
    numbers = [whole_number(query.get(k, "")) for k in ("people", "changed", "unchanged")]
    modules = whole_number(query.get("modules", "0")) or 0
    cycles = whole_number(query.get("cycles", "0")) or 0
    if action not in ACTIONS or any(n is None for n in numbers):
        return None
    try:
        due = date.fromisoformat(query["due"]) if query.get("due") else None
    except ValueError:
        return None
    if action in ("assign", "due") and due is None:
        return None
    people, changed, unchanged = (n or 0 for n in numbers)
    return Outcome(action, people, changed, unchanged, due, modules, cycles)


class SelectionChanged(Conflict):
    """The filter matches a different number of people than the page showed."""


def resolve(session: Session, selection: Selection) -> list[int]:
    """The ids to act on, checked; takes the bulk lock first (see the module docstring)."""
    lock_for_transaction(session, LOCK_KEY)
    if selection.filters is not None:
        months = validity_months(session)  # the recertification filter needs the period
        matching = people_select(selection.filters, now=utcnow(), months=months).subquery()
        ids = list(session.exec(select(matching.c.id)).all())
        if len(ids) != selection.seen:
            raise SelectionChanged(
                f"The filter now matches {people_text(len(ids))}, not the {selection.seen} shown "
                "when you chose, so nothing was changed. The table below shows who matches "
                "now: check it and apply the action again."
            )
        if selection.seen_key and match_key(ids) != selection.seen_key:
            raise SelectionChanged(
                f"The filter still matches {people_text(len(ids))}, but not the same people as "
                "when you chose (someone moved in or out meanwhile), so nothing was changed. "
                "The table below shows who matches now: check it and apply the action again."
            )
        return ids
    ids = sorted(set(selection.ids))
    if not ids:
        raise Invalid("Tick at least one person, or choose everyone who matches the filter.")
    if len(selection.ids) > MAX_TICKED:  # counted as sent: a repeated id is no way round
        raise Invalid(f"{len(selection.ids):,} people are ticked: {TOO_MANY}")
    found = set(session.exec(select(User.id).where(id_in(session, User.id, ids))).all())
    if missing := [i for i in ids if i not in found]:
        shown = ", ".join(str(i) for i in missing[:10])
        raise Invalid(f"No person has the id(s) {shown}; reload the page and tick again.")
    return ids


def assign(
    session: Session,
    catalog: Catalog,
    *,
    actor: AnyUser,
    selection: Selection,
    module_ids: list[str],
    due: date | None,
    default_due_days: int,
) -> Outcome:
    """Assign modules to the selected active people, one statement per module; commits."""
    now = utcnow()
    problems: dict[str, str] = {}
    modules = check_modules(catalog, module_ids, problems)
    if due is not None and (problem := due_problem(due, now.date())):
        problems["due"] = problem
    if problems:
        raise Invalid(" ".join(problems.values()))
    ids = resolve(session, selection)
    due_at = end_of_day(due) if due else due_in(now, default_due_days)
    active = id_in(session, User.id, ids) & col(User.active)
    people = session.exec(select(func.count()).select_from(User).where(active)).one()
    cycles = restart_finished(session, active, modules, actor_id=actor.id, due_at=due_at)
    columns = ["user_id", "module_id", "due_at", "assigned_by_id", "source", "created_at"]
    table = Assignment.__table__.c  # type: ignore[attr-defined]
    made: list[tuple[int, int, str, datetime, str]] = []
    for module in modules:
        rows = select_columns(
            col(User.id),
            literal(module, table.module_id.type),
            literal(due_at, table.due_at.type),
            literal(actor.id, table.assigned_by_id.type),
            literal("manual", table.source.type),
            literal(now, table.created_at.type),
        ).where(active)
        insert = conflict_insert(session, Assignment).from_select(columns, rows)
        # RETURNING the rows inserted: rowcount is not reliable for INSERT ... SELECT here.
        inserted = insert.on_conflict_do_nothing(index_elements=columns[:2]).returning(
            col(Assignment.id), col(Assignment.user_id)
        )
        made += [(aid, uid, module, due_at, "manual") for aid, uid in session.execute(inserted)]
    record_created(session, made)  # after every insert: the events lock is taken last
    created = len(made)
    outcome = Outcome(
        "assign",
        people,
        created,
        people * len(modules) - created,
        due_at.date(),
        len(modules),
        cycles,
    )
    audit.record(
        session,
        actor_id=actor.id,
        action="assignment.create",
        target=", ".join(modules),
        **selection.describe(),
        people=people,
        user_ids=ids,
        before={"assigned": outcome.unchanged},
        after={"assigned": outcome.unchanged + created, "due": due_at.date().isoformat()},
        cycles=cycles,
        via="people table",
    )
    session.commit()
    return outcome


def set_due(
    session: Session, catalog: Catalog, *, actor: AnyUser, selection: Selection, due: date | None
) -> Outcome:
    """Move every open assignment of the selected people to a new due date; commits."""
    now = utcnow()
    if due is None:
        raise Invalid("Due date: enter the new due date.")
    if problem := due_problem(due, now.date()):
        raise Invalid(f"Due date: {problem}")
    ids = resolve(session, selection)
    mine = id_in(session, Assignment.user_id, ids) & ~completed()
    day = day_text(session, Assignment.due_at)
    before = dict(session.exec(select(day, func.count()).where(mine).group_by(day)).all())
    moved = session.exec(update(Assignment).where(mine).values(due_at=end_of_day(due))).rowcount
    audit.record(
        session,
        actor_id=actor.id,
        action="assignment.due_change",
        target=people_text(len(ids)),
        **selection.describe(),
        user_ids=ids,
        before={"due": before},
        after={"due": due.isoformat()},
        moved=moved,
        via="people table",
    )
    session.commit()
    return Outcome("due", len(ids), int(moved or 0), due=due)


def deactivate(session: Session, *, actor: AnyUser, selection: Selection) -> Outcome:
    """Deactivate the selected people (records kept, sign-ins ended); all or nothing; commits.

    HR may not deactivate an hr or admin account (only an admin can), nor anyone their own: a
    selection with any such person is refused whole, so HR never wonders which part went
    through.
    """
    ids = resolve(session, selection)
    protected = col(User.id) == actor.id
    if actor.role != Role.admin:
        protected = protected | col(User.role).in_([Role.admin.value, Role.hr.value])
    refused = session.exec(
        select(User.email).where(id_in(session, User.id, ids), protected).order_by(User.email)
    ).all()
    if refused:
        raise Invalid(
            f"Nothing was changed: the selection includes {', '.join(refused[:NAMED])}"
            f"{' and others' if len(refused) > NAMED else ''}. HR cannot deactivate hr or admin accounts, "
            "and nobody can deactivate their own; leave them out and apply again."
        )
    now = utcnow()
    changed = list(
        session.exec(
            update(User)
            .where(id_in(session, User.id, ids), col(User.active))
            .values(active=False, deactivated_at=now)
            .returning(col(User.id))
        ).scalars()
    )
    deactivated(session, user_ids=changed)
    audit.record(
        session,
        actor_id=actor.id,
        action="user.deactivate",
        target=people_text(len(changed)),
        **selection.describe(),
        user_ids=changed,
        before={"active": True},
        after={"active": False},
        via="people table",
    )
    session.commit()
    return Outcome("deactivate", len(ids), len(changed), len(ids) - len(changed))
