"""Refresher participation for HR: rates only, released in blocks of 5 or more with noise.

Whether one person took a refresher, and what they answered, is private. HR sees, per module
and department, the share of people who took at least one refresher round. Each person is
counted once per module, when the module's last round has closed (CLOSED_AFTER the first
pass), under the department they have then; counted outcomes wait until MIN_GROUP or more of
the same module and department can be sealed into a block. A block never changes and its
count carries noise drawn once (app/privacy.py), so no sequence of views, before and after a
move, a leaver or one more refresher, isolates fewer than 5 people. Same rule as HR's
scenario scores (app/hr/release.py) and lasting's check-in figures (docs/privacy.md).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, exists, func, literal
from sqlmodel import Session, col, select
from sqlmodel.sql.sqltypes import UTCDateTime

from app.auth.blocks import commit_unless_raced, full_groups, released_view, seal_full_groups
from app.auth.counted import counted_person
from app.clock import utcnow
from app.content.catalog import Catalog
from app.db import conflict_insert, select_columns, write_session
from app.models import (
    Completion,
    Department,
    RefresherAnswer,
    RefresherBlock,
    RefresherMember,
    User,
    row_id,
)
from app.privacy import noise
from app.refreshers.links import LINK_DAYS
from app.refreshers.service import ROUND_DAYS

# The last round opens ROUND_DAYS[-1] days after the pass, and its link works LINK_DAYS.
CLOSED_AFTER = timedelta(days=ROUND_DAYS[-1] + LINK_DAYS)
EVERYONE = "No department"


def _final_outcomes(now: datetime) -> Any:
    """Each counted person's module whose refresher window closed and is not counted yet."""
    first = (
        select(
            Completion.user_id,
            Completion.module_id,
            func.min(Completion.completed_at).label("passed_at"),
        )
        .group_by(col(Completion.user_id), col(Completion.module_id))
        .subquery("first")
    )
    took = exists().where(
        col(RefresherAnswer.user_id) == first.c.user_id,
        col(RefresherAnswer.module_id) == first.c.module_id,
    )
    counted = exists().where(
        col(RefresherMember.user_id) == first.c.user_id,
        col(RefresherMember.module_id) == first.c.module_id,
    )
    return (
        select_columns(first.c.user_id, first.c.module_id, col(User.department_id))
        .add_columns(took.label("took"), literal(now, type_=UTCDateTime()))
        .join(User, col(User.id) == first.c.user_id)
        .where(first.c.passed_at <= now - CLOSED_AFTER, col(User.active), ~counted)
        .where(counted_person())
    )


def due_work(session: Session, *, now: datetime | None = None) -> bool:
    """Whether catch_up has anything to do (one read), so a page view with nothing new writes nothing."""
    now = now or utcnow()
    sealable = full_groups(
        RefresherMember, RefresherMember.module_id, RefresherMember.department_id
    )
    waiting = _final_outcomes(now).exists() | sealable.exists()
    return bool(session.exec(select(waiting)).one())


def catch_up(session: Session, *, now: datetime | None = None) -> None:
    """Count every outcome that became final, then seal each group of 5 or more. Commits."""
    now = now or utcnow()
    names = ["user_id", "module_id", "department_id", "took", "counted_at"]
    session.execute(
        conflict_insert(session, RefresherMember)
        .from_select(names, _final_outcomes(now))
        .on_conflict_do_nothing()
    )
    commit_unless_raced(session, lambda: _seal(session, now))


def _seal(session: Session, now: datetime) -> None:
    """Seal each (module, department) with MIN_GROUP or more counted; store the noisy count."""
    keys = (RefresherMember.module_id, RefresherMember.department_id)

    def new_block(module_id: str, department_id: int | None) -> RefresherBlock:
        return RefresherBlock(
            module_id=module_id, department_id=department_id, people=0, noisy_took=0, sealed_at=now
        )

    for block, people in seal_full_groups(session, RefresherMember, keys, new_block):
        mine = col(RefresherMember.block_id) == row_id(block)
        took = session.exec(select(func.count()).where(mine, col(RefresherMember.took))).one()
        block.people, block.noisy_took = people, took + noise(1)
        session.add(block)


@dataclass(frozen=True)
class DepartmentRate:
    """One department's released figure for a module."""

    name: str
    people: int
    percent: int  # share of the released people who took at least one refresher round


@dataclass(frozen=True)
class ModuleParticipation:
    module_id: str
    title: str
    departments: list[DepartmentRate]


def participation(session: Session, catalog: Catalog) -> list[ModuleParticipation]:
    """Per module (course order), each department's released rate: sums of whole blocks only."""
    names = {row_id(d): d.name for d in session.exec(select(Department)).all()}
    sums: dict[str, dict[int | None, list[int]]] = defaultdict(dict)
    for module_id, department_id, people, took in session.exec(
        select(
            RefresherBlock.module_id,
            RefresherBlock.department_id,
            func.sum(RefresherBlock.people),
            func.sum(RefresherBlock.noisy_took),
        ).group_by(col(RefresherBlock.module_id), col(RefresherBlock.department_id))
    ).all():
        sums[module_id][department_id] = [int(people), int(took)]
    found = []
    for module in catalog.modules:
        rows = [
            DepartmentRate(
                names.get(d, EVERYONE) if d is not None else EVERYONE,
                people,
                min(100, max(0, round(100 * took / people))),
            )
            for d, (people, took) in sums.get(module.id, {}).items()
        ]
        found.append(
            ModuleParticipation(module.id, module.title, sorted(rows, key=lambda r: r.name))
        )
    return found


def refresher_panel(engine: Engine, catalog: Catalog) -> list[ModuleParticipation]:
    """HR's "Refreshers taken" figures: counts what became final first, then reads released blocks."""

    def catch_up_now() -> None:
        with write_session(engine) as session:
            catch_up(session)

    return released_view(
        engine,
        due=due_work,
        catch_up=catch_up_now,
        read=lambda session: participation(session, catalog),
    )
