"""Taking a refresher round: which scenario, when it opens, scoring it once, and its link.

Round 1, 2 and 3 of a module open 2, 7 and 28 days after the person first passed it (the
days of lasting learning's schedule, app/lasting/schedule.py, which sends the nudges). Each
round shows one scenario of the module's refresher pool that the person has not answered,
chosen in an order of their own that stays the same between showing and scoring. The answer
is stored once per round (a unique key); the server scores it and the browser never sees the
key before it answers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.config import Settings
from app.content.catalog import Catalog
from app.content.schema import Module, Scenario
from app.db import RawQuery, Source, chunks, conflict_insert, fetch_all, select_columns, utc
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.models import Completion, RefresherAnswer, RefresherLinkUse, User
from app.refreshers.links import ROUNDS, LinkGone, read_link, refresher_link

ROUND_DAYS = (2, 7, 28)  # days after first passing the module that rounds 1, 2 and 3 open
NOT_PASSED = "Refreshers open after you pass a module. This one is still ahead of you."
ANSWERED = "You have already answered this refresher round; your answer is kept below."
CHANGED = (
    "This refresher changed while you had it open, so nothing was saved. Here it is as it "
    "stands now: please answer again."
)
OTHER_PERSON = (
    "This refresher link was sent to someone else, so it cannot open here. If you have your "
    "own refreshers, they are on your dashboard."
)
LEFT = "This link belongs to an account that is no longer active."
USED = (
    "This refresher link was already used. If the refresher is still open, it is on your dashboard."
)


@dataclass(frozen=True)
class RefresherPick:
    """The scenario a round shows, and the order of its options for this person."""

    module_id: str
    module_title: str
    round: int
    scenario: Scenario
    choice_order: tuple[str, ...]


@dataclass(frozen=True)
class WaitingRefresher:
    """A refresher the person may take now (lasting's dashboard card)."""

    module_title: str
    href: str


def page_path(module_id: str, round: int) -> str:
    return f"/refreshers/{module_id}/{round}"


def _order(user_id: int, key: str, ids: Iterable[str]) -> list[str]:
    """A stable order of its own per person and key: the same on every view."""
    return sorted(ids, key=lambda i: hashlib.sha256(f"{user_id}:{key}:{i}".encode()).digest())


def module_with_pool(catalog: Catalog, module_id: str) -> Module:
    module = catalog.get(module_id)
    if module is None or not module.quiz.refreshers:
        raise NotFound(
            "There is no refresher for that module. Your refreshers are on your dashboard."
        )
    return module


def first_passed(session: Session, user_id: int, module_id: str) -> datetime | None:
    """When the person first completed the module (the day the rounds count from)."""
    return session.exec(
        select(func.min(Completion.completed_at)).where(
            Completion.user_id == user_id, Completion.module_id == module_id
        )
    ).one()


def opens_on(passed_at: datetime, round: int) -> date:
    return passed_at.date() + timedelta(days=ROUND_DAYS[round - 1])


def check_open(session: Session, user_id: int, module_id: str, round: int, now: datetime) -> None:
    """Refuse a round that does not exist, a module not passed, or a round not open yet.

    Not a role check: a 409 like other "not yet" answers (a retake that waits, for one)."""
    if round not in ROUNDS:
        raise NotFound(
            "Refreshers come in rounds 1, 2 and 3. Your refreshers are on your dashboard."
        )
    passed_at = first_passed(session, user_id, module_id)
    if passed_at is None:
        raise Conflict(NOT_PASSED)
    if now.date() < opens_on(passed_at, round):
        raise Conflict(
            f"Round {round} of this refresher opens on {opens_on(passed_at, round):%d %B %Y}, "
            f"{ROUND_DAYS[round - 1]} days after you passed the module."
        )


def answer_of(session: Session, user_id: int, module_id: str, round: int) -> RefresherAnswer | None:
    return session.exec(
        select(RefresherAnswer).where(
            RefresherAnswer.user_id == user_id,
            RefresherAnswer.module_id == module_id,
            RefresherAnswer.round == round,
        )
    ).first()


def next_refresher(
    session: Session, catalog: Catalog, user_id: int, module_id: str, round: int
) -> RefresherPick | None:
    """The scenario this round shows: never one the person already answered (None if none)."""
    module = catalog.get(module_id)
    if module is None or not module.quiz.refreshers:
        return None
    answered = set(
        session.exec(
            select(RefresherAnswer.scenario_id).where(
                RefresherAnswer.user_id == user_id, RefresherAnswer.module_id == module_id
            )
        ).all()
    )
    ids = [s.id for s in module.quiz.refreshers if s.id not in answered]
    if not ids:
        return None
    scenario = module.quiz.refresher(_order(user_id, module_id, ids)[0])
    assert scenario is not None
    order = _order(user_id, f"{module_id}:{scenario.id}", (c.id for c in scenario.choices))
    return RefresherPick(module_id, module.title, round, scenario, tuple(order))


def submit_refresher(
    session: Session,
    catalog: Catalog,
    *,
    user_id: int,
    module_id: str,
    round: int,
    scenario_id: str,
    choice_id: str,
    now: datetime | None = None,
) -> RefresherAnswer:
    """Score and store one answer; commits. Conflict when the round was answered already."""
    now = now or utcnow()
    module = module_with_pool(catalog, module_id)
    check_open(session, user_id, module_id, round, now)
    if answer_of(session, user_id, module_id, round) is not None:
        raise Conflict(ANSWERED)
    pick = next_refresher(session, catalog, user_id, module_id, round)
    if pick is None or pick.scenario.id != scenario_id:
        raise Conflict(CHANGED)
    choice = pick.scenario.choice(choice_id)
    if choice is None:
        raise Invalid("Choose one of the options, then send your answer.")
    inserted = session.execute(
        conflict_insert(session, RefresherAnswer)
        .values(
            user_id=user_id,
            module_id=module_id,
            round=round,
            scenario_id=scenario_id,
            choice_id=choice.id,
            points=choice.points,
            max_points=pick.scenario.max_points,
            content_hash=module.content_hash,
            answered_at=now,
        )
        .on_conflict_do_nothing(index_elements=["user_id", "module_id", "round"])
        .returning(col(RefresherAnswer.id))
    ).scalar()
    if inserted is None:
        session.rollback()
        raise Conflict(ANSWERED)
    session.commit()
    found = session.get(RefresherAnswer, inserted)
    assert found is not None
    return found


def open_link(
    session: Session, settings: Settings, catalog: Catalog, *, user_id: int, token: str
) -> str:
    """Where a signed link leads its own signed-in person; uses the link up. Commits."""
    now = utcnow()
    claim = read_link(settings, token, now=now)
    if claim.user_id != user_id:
        raise Forbidden(OTHER_PERSON)
    person = session.get(User, user_id)
    if person is None or not person.active:
        raise LinkGone(LEFT)
    module_with_pool(catalog, claim.module_id)
    check_open(session, user_id, claim.module_id, claim.round, now)
    used = session.execute(
        conflict_insert(session, RefresherLinkUse)
        .values(digest=claim.digest, user_id=user_id, used_at=now)
        .on_conflict_do_nothing(index_elements=["digest"])
        .returning(col(RefresherLinkUse.digest))
    ).scalar()
    if used is None:
        session.rollback()
        raise LinkGone(USED)
    session.commit()
    return page_path(claim.module_id, claim.round)


def rounds_done(session: Session, user_ids: Iterable[int]) -> set[tuple[int, str, int]]:
    """(person, module, round) for every refresher round these people answered."""
    found: set[tuple[int, str, int]] = set()
    for part in chunks(sorted(set(user_ids))):
        rows = session.exec(
            select_columns(
                col(RefresherAnswer.user_id),
                col(RefresherAnswer.module_id),
                col(RefresherAnswer.round),
            ).where(col(RefresherAnswer.user_id).in_(part))
        ).all()
        found |= {(int(u), str(m), int(r)) for u, m, r in rows}
    return found


_PASSED_AND_DONE = RawQuery.of(
    """
    SELECT module_id, MIN(completed_at), NULL FROM completion
    WHERE user_id = :user_id GROUP BY module_id
    UNION ALL
    SELECT module_id, NULL, round FROM refresheranswer WHERE user_id = :user_id
    """
)


def waiting_refreshers(
    source: Source, catalog: Catalog, user_id: int, *, now: datetime | None = None
) -> list[WaitingRefresher]:
    """Per module passed, the earliest open round not answered yet (in course order).

    One small read on any source (the dashboard reads on the event loop's connection): first
    passes and rounds answered, side by side."""
    today = (now or utcnow()).date()
    passed: dict[str, datetime] = {}
    done: set[tuple[str, int]] = set()
    for module_id, passed_at, round in fetch_all(source, _PASSED_AND_DONE, {"user_id": user_id}):
        if round is not None:
            done.add((str(module_id), int(round)))
        elif (first := utc(passed_at)) is not None:
            passed[str(module_id)] = first
    waiting = []
    for module in catalog.modules:
        passed_at = passed.get(module.id)
        if passed_at is None or not module.quiz.refreshers:
            continue
        taken = sum(1 for m, _ in done if m == module.id)
        due = [r for r in ROUNDS if opens_on(passed_at, r) <= today and (module.id, r) not in done]
        if due and taken < len(module.quiz.refreshers):
            waiting.append(WaitingRefresher(module.title, page_path(module.id, due[0])))
    return waiting


def stop_nudges_link(session: Session, settings: Settings, user_id: int) -> str:
    """Where a signed-in learner stops (or resumes) every nudge: their commitments page's switch.

    The e-mails carry lasting's signed stop link instead; on this page the learner is
    already signed in, so the switch itself is one click away.
    """
    return "/commitments#nudges"


class RefresherPool:
    """The refresher pool as lasting learning's sender and dashboard ask for it (its seam)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def rounds_done(self, session: Session, user_ids: Iterable[int]) -> set[tuple[int, str, int]]:
        return rounds_done(session, user_ids)

    def link(self, settings: Settings, user_id: int, module_id: str, round: int) -> str | None:
        module = self.catalog.get(module_id)
        if module is None or not module.quiz.refreshers or round not in ROUNDS:
            return None
        return settings.public_url + refresher_link(settings, user_id, module_id, round)

    def waiting(self, source: Source, user_id: int) -> list[WaitingRefresher]:
        return waiting_refreshers(source, self.catalog, user_id)
