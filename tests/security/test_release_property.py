"""Property: no sequence of views, moves, leavers, attempts and votes isolates fewer than 5 people.

The attacker keeps every released view, knows every membership change and, worst case, exactly
which people each released figure covers. It forms every linear combination of the figures
(differences, sums, "everyone minus the departments") and asks whether any of them depends on
fewer than 5 people only: for each set T of 1 to 4 contributors, a combination supported on T
exists exactly when deleting T's columns lowers the rank of the matrix of released sets.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import timedelta
from fractions import Fraction
from itertools import combinations

from fastapi import FastAPI
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.db import write_session
from app.hr import release
from app.hr.reports import hardest_scenarios, shown_percent
from app.live import released
from app.models import (
    AttemptAnswer,
    Department,
    LiveParticipant,
    LiveRelease,
    LiveSession,
    LiveVote,
    QuizAttempt,
    ReleaseBlock,
    ReleasedScore,
    ReleaseMember,
    ReleaseScan,
    User,
)
from app.privacy import MIN_GROUP
from tests.conftest import ON_POSTGRES
from tests.hr.factories import make_attempt

PEOPLE, DEPARTMENTS = 12, 3
EXAMPLES = 15 if ON_POSTGRES else 40
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def rank(rows: Sequence[Sequence[int]]) -> int:
    """Exact rank over the rationals (Gaussian elimination on Fractions)."""
    matrix = [[Fraction(v) for v in row] for row in rows]
    found, width = 0, len(matrix[0]) if matrix else 0
    for c in range(width):
        pivot = next((r for r in range(found, len(matrix)) if matrix[r][c]), None)
        if pivot is None:
            continue
        matrix[found], matrix[pivot] = matrix[pivot], matrix[found]
        for r in range(len(matrix)):
            if r != found and matrix[r][c]:
                factor = matrix[r][c] / matrix[found][c]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[found], strict=True)]
        found += 1
    return found


def smallest_isolated(views: Iterable[frozenset[int]]) -> frozenset[int] | None:
    """A set of fewer than MIN_GROUP people some combination of the views depends on alone."""
    rows = sorted({v for v in views if v}, key=sorted)
    people = sorted(set().union(*rows)) if rows else []
    if not rows:
        return None
    matrix = [[1 if p in row else 0 for p in people] for row in rows]
    full = rank(matrix)
    for size in range(1, MIN_GROUP):
        for group in combinations(range(len(people)), size):
            rest = [[v for i, v in enumerate(row) if i not in group] for row in matrix]
            if rank(rest) < full:
                return frozenset(people[i] for i in group)
    return None


def test_the_attacker_finds_what_per_view_suppression_leaks() -> None:
    six, five = frozenset(range(6)), frozenset(range(5))
    assert smallest_isolated([six, five]) == {5}  # one first attempt between two views
    a, b, everyone = frozenset(range(6)), frozenset(range(6, 12)), frozenset(range(14))
    assert smallest_isolated([everyone, a, b]) == {12, 13}  # everyone minus the departments
    assert smallest_isolated([frozenset(range(10)), five]) is None  # blocks of 5 are fine


ATTEMPT = st.tuples(
    st.just("attempt"),
    st.integers(0, PEOPLE - 1),
    st.integers(0, 2),
    st.integers(0, 2),
    st.booleans(),
)
CHANGE = st.one_of(
    st.tuples(st.just("move"), st.integers(0, PEOPLE - 1), st.integers(0, DEPARTMENTS)),
    st.tuples(st.just("leave"), st.integers(0, PEOPLE - 1)),
)
VIEW = st.tuples(st.just("view"), st.integers(0, DEPARTMENTS))
# Rounds: some first (or later) attempts, some moves and leavers, then views with any filter.
HR_OPS = st.lists(
    st.tuples(
        st.lists(ATTEMPT, max_size=6),
        st.lists(CHANGE, max_size=3),
        st.lists(VIEW, min_size=1, max_size=4),
    ),
    min_size=1,
    max_size=8,
).map(lambda rounds: [op for a, c, v in rounds for op in (*a, *c, *v)])


def _clear(session: Session, *models: type) -> None:
    for model in models:
        session.exec(delete(model))  # type: ignore[call-overload]
    session.commit()


def _stored(session: Session, department_id: int | None) -> dict[tuple[int, str], tuple[int, int]]:
    """(true points, noisy points) per (block, scenario) of the blocks a view covers."""
    stmt = select(
        ReleasedScore.block_id,
        ReleasedScore.scenario_id,
        ReleasedScore.points,
        ReleasedScore.noisy_points,
    ).join(ReleaseBlock, col(ReleaseBlock.id) == ReleasedScore.block_id)
    if department_id is not None:
        stmt = stmt.where(ReleaseBlock.department_id == department_id, ~col(ReleaseBlock.pooled))
    return {(b, s): (p, q) for b, s, p, q in session.exec(stmt).all()}


def _released_set(session: Session, department_id: int | None) -> frozenset[int]:
    stmt = select(ReleaseMember.user_id).join(
        ReleaseBlock, col(ReleaseBlock.id) == ReleaseMember.block_id
    )
    if department_id is not None:
        stmt = stmt.where(ReleaseBlock.department_id == department_id, ~col(ReleaseBlock.pooled))
    return frozenset(session.exec(stmt).all())


MOVE_ONE_OUT = [
    *(("attempt", i, 2, 2, False) for i in range(5)),
    ("attempt", 5, 0, 1, False),
    ("view", 0),
    ("move", 5, 1),
    ("view", 0),
]
ONE_FIRST_ATTEMPT = [
    *(("attempt", i, 2, 2, False) for i in range(5)),
    ("view", DEPARTMENTS),
    ("attempt", 5, 0, 0, False),
    ("view", DEPARTMENTS),
    ("view", 0),
]


@PROPERTY
@example(start=[0] * PEOPLE, ops=MOVE_ONE_OUT)
@example(start=[0] * PEOPLE, ops=ONE_FIRST_ATTEMPT)
@given(start=st.lists(st.integers(0, DEPARTMENTS), min_size=PEOPLE, max_size=PEOPLE), ops=HR_OPS)
def test_no_sequence_of_hr_views_isolates_fewer_than_five(
    app: FastAPI, session: Session, start: list[int], ops: list[tuple]
) -> None:
    _clear(
        session, ReleaseScan, ReleasedScore, ReleaseMember, ReleaseBlock, AttemptAnswer, QuizAttempt
    )
    _clear(session, User)
    _clear(session, Department)
    depts: list[int | None] = []
    for i in range(DEPARTMENTS):
        dept = Department(name=f"D{i}")
        session.add(dept)
        session.commit()
        depts.append(dept.id)
    depts.append(None)
    people = []
    for i, d in enumerate(start):
        user = User(email=f"p{i}@example.com", name=f"P{i}", department_id=depts[d])
        session.add(user)
        session.commit()
        people.append(user)
    first: dict[int, tuple[int, int]] = {}
    seen: list[frozenset[int]] = []
    noisy_once: dict[tuple[int, str], tuple[int, int]] = {}
    catalog = app.state.catalog
    for op in ops:
        kind, *args = op
        if kind == "attempt":
            who, standup, review, old = args
            at = utcnow() - (release.POOL_AFTER + timedelta(days=1) if old else timedelta(0))
            person = people[who]
            make_attempt(session, person, points={"standup": standup, "review": review}, at=at)
            first.setdefault(person.id or 0, (standup, review))
        elif kind in ("move", "leave"):
            person = people[args[0]]
            if kind == "move":
                person.department_id = depts[args[1]]
            else:
                person.active = False
            session.add(person)
            session.commit()
        else:
            department_id = depts[args[0]] if args[0] < DEPARTMENTS else None
            rows = hardest_scenarios(app.state.engine, catalog, department_id=department_id)
            shown = {r.scenario_id: r for r in rows if r.module_id == "first-steps"}
            covered = _released_set(session, department_id)
            totals = release.scenario_totals(session, department_id=department_id)
            stored = _stored(session, department_id)
            for key, sums in stored.items():  # a block's noise is drawn once and kept
                assert noisy_once.setdefault(key, sums) == sums
            for index, scenario_id in enumerate(("standup", "review")):
                people_n, noisy = totals.get(("first-steps", scenario_id), (0, 0))
                of_scenario = [v for (_, s), v in stored.items() if s == scenario_id]
                # The blocks hold exactly the covered people's first-attempt points, and
                # the figure is the sum of those blocks' noisy sums, never the true ones.
                assert people_n == len(covered) == shown[scenario_id].people
                assert sum(p for p, _ in of_scenario) == sum(first[u][index] for u in covered)
                assert noisy == sum(q for _, q in of_scenario)
                assert covered == frozenset() or len(covered) >= MIN_GROUP
                expected = shown_percent(noisy, 2 * people_n) if people_n else None
                assert shown[scenario_id].percent == expected
            seen.append(covered)
            # Nothing is skipped: every first attempt is counted, and no group of 5 waits.
            counted = session.exec(select(ReleaseMember.user_id)).all()
            assert sorted(counted) == sorted(first)
            waiting = session.exec(
                select(func.count())
                .select_from(ReleaseMember)
                .where(col(ReleaseMember.block_id).is_(None))
                .group_by(col(ReleaseMember.department_id))
            ).all()
            assert all(n < MIN_GROUP for n in waiting)
    assert smallest_isolated(seen) is None


VOTE = st.tuples(
    st.just("vote"), st.integers(0, PEOPLE - 1), st.sampled_from(["credit", "private", "silent"])
)
# Rounds of votes (new voters and changed votes), each followed by a reveal.
LIVE_OPS = st.lists(
    st.lists(VOTE, max_size=8).map(lambda votes: [*votes, ("reveal",)]), min_size=1, max_size=8
).map(lambda rounds: [op for r in rounds for op in r])


ONE_MORE_VOTE = [
    *(("vote", i, "credit") for i in range(5)),
    ("reveal",),
    ("vote", 5, "silent"),
    ("reveal",),
]


@PROPERTY
@given(ops=LIVE_OPS)
@example(ops=ONE_MORE_VOTE)
def test_no_sequence_of_reveals_isolates_fewer_than_five_votes(
    app: FastAPI, session: Session, ops: list[tuple]
) -> None:
    _clear(session, LiveRelease, LiveVote, LiveParticipant, LiveSession, User)
    host = User(email="fay@example.com", name="Fay", role="facilitator")
    session.add(host)
    session.commit()
    live = LiveSession(
        code="ABCDEF",
        module_id="first-steps",
        quiz_hash="test",
        facilitator_id=host.id or 0,
        scenario_ids="standup",
    )
    session.add(live)
    session.commit()
    phones = []
    for _ in range(PEOPLE):
        phone = LiveParticipant(session_id=live.id or 0, token_hash=uuid.uuid4().hex)
        session.add(phone)
        session.commit()
        phones.append(phone.id or 0)
    scenario = app.state.catalog.get("first-steps").quiz.scenario("standup")
    votes: dict[str, str] = {}
    frozen: dict[str, str] = {}  # each vote as it was when first released
    seen: list[frozenset[int]] = []
    for op in ops:
        if op[0] == "vote":
            _, who, choice = op
            key = str(phones[who])
            existing = session.exec(
                select(LiveVote).where(LiveVote.participant_id == phones[who])
            ).first()
            row = existing or LiveVote(
                session_id=live.id or 0,
                scenario_id="standup",
                participant_id=phones[who],
                choice_id=choice,
            )
            row.choice_id = choice
            session.add(row)
            session.commit()
            votes[key] = choice
            continue
        with write_session(app.state.engine) as writer:
            released.release(writer, session_id=live.id or 0, scenario_id="standup")
            writer.commit()
        with Session(app.state.engine) as reader:  # what a new request would see
            shown = released.shown_now(reader, session_id=live.id or 0, scenario=scenario)
            stored = reader.exec(select(LiveRelease)).first()
            covered = json.loads(stored.votes) if stored else {}
        for key in covered:
            frozen.setdefault(key, votes[key])
        assert covered == {k: frozen[k] for k in covered}  # released votes never change
        if shown.shares is None:
            assert not covered
            continue
        assert {s.choice.id: s.count for s in shown.shares if s.count} == Counter(covered.values())
        assert shown.total == len(covered) >= MIN_GROUP
        seen.append(frozenset(int(k) for k in covered))
    assert smallest_isolated(seen) is None
