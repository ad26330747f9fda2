"""The one sealing mechanism (app/auth/blocks.py): blocks of 5 or more, never fewer, never twice."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy import func
from sqlmodel import Session, col, select

from app.auth.blocks import (
    Raced,
    commit_unless_raced,
    full_groups,
    matching,
    seal,
    seal_full_groups,
)
from app.db import write_session
from app.models import Department, MeasureBlock, MeasureMember, row_id
from tests.factories import make_department
from tests.hr.factories import make_people


def _waiting(session: Session, count: int, department: Department | None, prefix: str) -> None:
    """`count` people of `department` whose change is counted and waits for a block."""
    for person in make_people(session, count, department, prefix=prefix):
        session.add(
            MeasureMember(
                user_id=row_id(person),
                department_id=department.id if department else None,
                items=1,
                change=1,
                looking_back=0,
            )
        )
    session.commit()


def _sales_and_legal(session: Session, in_sales: int) -> tuple[Department, Department]:
    """Two departments whose people wait: `in_sales` in Sales, 4 (too few) in Legal."""
    sales, legal = make_department(session, "Sales"), make_department(session, "Legal")
    _waiting(session, in_sales, sales, "s")
    _waiting(session, 4, legal, "l")
    return sales, legal


def _block(department: int | None) -> MeasureBlock:
    return MeasureBlock(
        department_id=department, people=0, items=0, noisy_change=0, noisy_looking_back=0
    )


def test_full_groups_lists_only_groups_of_five_or_more_waiting(session: Session) -> None:
    sales, _legal = _sales_and_legal(session, 5)
    _waiting(session, 5, None, "n")
    found = session.execute(full_groups(MeasureMember, MeasureMember.department_id)).all()
    assert sorted(found, key=str) == sorted([(sales.id,), (None,)], key=str)


def test_seal_refuses_a_block_under_five_and_stores_nothing(app: FastAPI, session: Session) -> None:
    legal = make_department(session, "Legal")
    _waiting(session, 4, legal, "l")
    same = matching(MeasureMember.department_id, legal.id)
    with pytest.raises(Raced), write_session(app.state.engine) as writing:
        seal(writing, _block(legal.id), MeasureMember, same)
    assert session.exec(select(func.count()).select_from(MeasureBlock)).one() == 0
    waiting = select(func.count()).where(col(MeasureMember.block_id).is_(None))
    assert session.exec(waiting).one() == 4


def test_seal_full_groups_seals_each_group_once_and_leaves_small_ones_waiting(
    app: FastAPI, session: Session
) -> None:
    sales, legal = _sales_and_legal(session, 6)
    _waiting(session, 5, None, "n")
    keys = (MeasureMember.department_id,)
    with write_session(app.state.engine) as writing:
        sealed = seal_full_groups(writing, MeasureMember, keys, _block)
        writing.commit()
    assert sorted((b.department_id or 0, n) for b, n in sealed) == [(0, 5), (row_id(sales), 6)]
    with write_session(app.state.engine) as writing:
        assert seal_full_groups(writing, MeasureMember, keys, _block) == []  # nothing twice
    left = session.exec(select(MeasureMember).where(col(MeasureMember.block_id).is_(None))).all()
    assert {m.department_id for m in left} == {legal.id} and len(left) == 4


def test_a_second_seal_of_the_same_members_is_refused(app: FastAPI, session: Session) -> None:
    sales = make_department(session, "Sales")
    _waiting(session, 5, sales, "s")
    same = matching(MeasureMember.department_id, sales.id)
    with write_session(app.state.engine) as writing:
        assert seal(writing, _block(sales.id), MeasureMember, same) == 5
        writing.commit()
    with write_session(app.state.engine) as writing, pytest.raises(Raced):
        seal(writing, _block(sales.id), MeasureMember, same)  # saw the same 5 waiting before
    assert len(session.exec(select(MeasureBlock)).all()) == 1


def test_a_raced_seal_is_rolled_back_whole_and_a_full_one_committed(
    app: FastAPI, session: Session
) -> None:
    sales, legal = _sales_and_legal(session, 5)

    def sealing(writing: Session, *departments: Department) -> None:
        for department in departments:
            same = matching(MeasureMember.department_id, department.id)
            seal(writing, _block(department.id), MeasureMember, same)

    with write_session(app.state.engine) as writing:  # Sales seals, then Legal is refused
        commit_unless_raced(writing, lambda: sealing(writing, sales, legal))
    assert session.exec(select(func.count()).select_from(MeasureBlock)).one() == 0
    with write_session(app.state.engine) as writing:
        commit_unless_raced(writing, lambda: sealing(writing, sales))
    assert [b.department_id for b in session.exec(select(MeasureBlock)).all()] == [sales.id]
