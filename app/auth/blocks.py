"""Sealing counted contributions into blocks of MIN_GROUP or more: the one release mechanism.

HR's scenario scores, lasting learning's check-ins, refresher participation and self-assessed
change each count a person's contribution once, as a member row whose `block_id` is NULL
while it waits, under the group (module, department) it had then. Members are released only
by sealing MIN_GROUP or more of one group into a block that never changes; the block's
figures carry noise drawn in the sealing transaction (app.privacy). So every released figure
is a sum of whole blocks, and no two views, at any times, differ by fewer than MIN_GROUP
people (docs/privacy.md). Each feature keeps its own tables and figures; the rule lives here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Engine, Select, func, select, update
from sqlmodel import Session, col

from app.models.stored import Stored, row_id
from app.privacy import MIN_GROUP

B = TypeVar("B", bound=Stored)
T = TypeVar("T")


class Raced(Exception):
    """Another transaction sealed some of the same members first; its blocks stand."""


def matching(column: Any, value: object) -> ColumnElement[bool]:
    """`column` equals `value`, where None matches NULL (people without a department)."""
    return col(column).is_(None) if value is None else col(column) == value


def full_groups(member: Any, *keys: Any) -> Select[Any]:
    """The keys of every group with MIN_GROUP or more waiting members (one statement)."""
    return (
        select(*keys)
        .where(col(member.block_id).is_(None))
        .group_by(*(col(k) for k in keys))
        .having(func.count() >= MIN_GROUP)
    )


def seal(session: Session, block: Stored, member: Any, *where: ColumnElement[bool]) -> int:
    """Store `block` and move into it every waiting member matching `where`; the people moved.

    Raises Raced when fewer than MIN_GROUP moved (another request sealed them first): the
    caller rolls back, so a block under MIN_GROUP is never stored.
    """
    session.add(block)
    session.flush()
    moved = session.exec(
        update(member)
        .where(col(member.block_id).is_(None), *where)
        .values(block_id=row_id(block))
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved < MIN_GROUP:
        raise Raced
    return int(moved)


def commit_unless_raced(session: Session, work: Callable[[], None]) -> None:
    """Run `work` and commit; if another request sealed the same members first, roll back.

    The other request's blocks stand, and this one's noise draws go with its rollback, so
    each block only ever has one set of noisy figures.
    """
    try:
        work()
    except Raced:
        session.rollback()
        return
    session.commit()


def seal_full_groups(
    session: Session, member: Any, keys: Sequence[Any], new_block: Callable[..., B]
) -> list[tuple[B, int]]:
    """Seal each group of MIN_GROUP or more waiting members into `new_block(*group keys)`.

    Returns each new block with its people; the caller stores the block's noisy figures.
    """
    sealed = []
    for group in session.execute(full_groups(member, *keys)).all():
        block = new_block(*group)
        where = (matching(k, v) for k, v in zip(keys, group, strict=True))
        sealed.append((block, seal(session, block, member, *where)))
    return sealed


def released_view(
    engine: Engine,
    *,
    due: Callable[[Session], bool],
    catch_up: Callable[[], None],
    read: Callable[[Session], T],
) -> T:
    """Released figures, sealing what is due first; a view with nothing due only reads.

    When nothing is due (most views) the check and the figures share one read session.
    """
    with Session(engine) as session:
        if not due(session):
            return read(session)
    catch_up()
    with Session(engine) as session:
        return read(session)
