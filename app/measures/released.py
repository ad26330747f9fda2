"""Change in self-assessed confidence by department, released only in blocks of 5 or more.

A person's change is counted once, when they have sent both forms, under the department they
had then (a later move changes nothing counted). Counted changes wait per department until
MIN_GROUP of them can be sealed into a block; each block's two sums (after minus before,
after minus looking back) get noise drawn once at sealing (app.privacy.noise) and stored, so
every view adds up the same figures and the true sums are never read again. Any difference
between views, at any times, covers whole blocks of 5 or more people (docs/privacy.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from app.auth.blocks import commit_unless_raced, full_groups, released_view, seal_full_groups
from app.clock import utcnow
from app.content.measures import HIGH, LOW
from app.db import select_columns, write_session
from app.models import Department, MeasureBlock, MeasureMember, row_id
from app.privacy import MIN_GROUP, noise


@dataclass(frozen=True)
class DepartmentChange:
    """Released figures of one department; `hidden` until a block of MIN_GROUP is sealed."""

    name: str
    people: int = 0
    change: float = 0.0  # mean per rating, after minus before
    looking_back: float = 0.0  # mean per rating, after minus the looking-back rating

    @property
    def hidden(self) -> bool:
        return self.people < MIN_GROUP


def catch_up(engine: Engine, *, now: datetime | None = None) -> None:
    """Seal every department with MIN_GROUP or more waiting changes (one read when none has)."""
    with Session(engine) as session:
        if not _due(session):
            return
    with write_session(engine) as session:
        commit_unless_raced(session, lambda: _seal(session, now or utcnow()))


def _due(session: Session) -> bool:
    return bool(
        session.exec(select(full_groups(MeasureMember, MeasureMember.department_id).exists())).one()
    )


def _seal(session: Session, now: datetime) -> None:
    def new_block(department: int | None) -> MeasureBlock:
        block = MeasureBlock(
            department_id=department, people=0, items=0, noisy_change=0, noisy_looking_back=0
        )
        block.released_at = now
        return block

    keys = (MeasureMember.department_id,)
    for block, _people in seal_full_groups(session, MeasureMember, keys, new_block):
        _add_noisy_sums(session, block)


def _add_noisy_sums(session: Session, block: MeasureBlock) -> None:
    people, items, change, back, most = session.execute(
        select_columns(
            func.count(),
            func.sum(MeasureMember.items),
            func.sum(MeasureMember.change),
            func.sum(MeasureMember.looking_back),
            func.max(MeasureMember.items),
        ).where(col(MeasureMember.block_id) == row_id(block))
    ).one()
    # One person moves either sum by at most (HIGH - LOW) per item they rated.
    sensitivity = (HIGH - LOW) * int(most)
    block.people, block.items = int(people), int(items)
    block.noisy_change = int(change) + noise(sensitivity)
    block.noisy_looking_back = int(back) + noise(sensitivity)
    session.add(block)
    session.flush()


def department_changes(engine: Engine) -> list[DepartmentChange]:
    """Every department's released change (hidden below MIN_GROUP), sealing what is due first."""
    return released_view(engine, due=_due, catch_up=lambda: catch_up(engine), read=_released)


def _released(session: Session) -> list[DepartmentChange]:
    sums = {
        d: (int(p), int(i), int(c), int(b))
        for d, p, i, c, b in session.execute(
            select_columns(
                col(MeasureBlock.department_id),
                func.sum(MeasureBlock.people),
                func.sum(MeasureBlock.items),
                func.sum(MeasureBlock.noisy_change),
                func.sum(MeasureBlock.noisy_looking_back),
            ).group_by(col(MeasureBlock.department_id))
        ).all()
    }
    names = session.exec(select(Department.id, Department.name).order_by(Department.name)).all()
    rows = [(d, n) for d, n in names] + ([(None, "No department")] if None in sums else [])
    return [_figures(name, sums.get(d)) for d, name in rows]


def _figures(name: str, found: tuple[int, int, int, int] | None) -> DepartmentChange:
    if found is None:
        return DepartmentChange(name)
    people, items, change, back = found
    return DepartmentChange(name, people, round(change / items, 1), round(back / items, 1))
