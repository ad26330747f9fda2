"""Demo data: four role accounts, five departments and sixty employees with varied progress."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta

from sqlmodel import Session, select

from app.clock import utcnow
from app.content.catalog import Catalog
from app.content.schema import Module, Quiz, Scenario
from app.learning.draws import draw
from app.learning.scoring import Score, score_answers
from app.models import (
    Assignment,
    AttemptAnswer,
    Certificate,
    Completion,
    Department,
    DrawnScenario,
    LessonProgress,
    QuizAttempt,
    QuizDraw,
    Role,
    User,
    row_id,
)
from app.security import format_certificate_code, hash_password, random_code

DEMO_PASSWORD = "allyship-demo"
DEPARTMENTS = ("Engineering", "Sales", "Operations", "Finance", "People & Culture")
FIRST = [
    "Amara",
    "Ben",
    "Carlos",
    "Dana",
    "Elif",
    "Farid",
    "Grace",
    "Hiro",
    "Ines",
    "Jonas",
    "Kavya",
    "Liam",
    "Mei",
    "Nadia",
    "Omar",
    "Priya",
    "Quentin",
    "Rosa",
    "Sven",
    "Tariq",
    "Uma",
    "Victor",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zanele",
    "Aleksander",
    "Bea",
    "Chidi",
    "Dmitri",
]
LAST = [
    "Okafor",
    "Lindqvist",
    "Haddad",
    "Moreno",
    "Nakamura",
    "Kowalski",
    "Mensah",
    "Dubois",
    "Rahman",
    "Costa",
    "Novak",
    "Park",
    "O'Brien",
    "Singh",
    "Alvarez",
    "Fischer",
]


class DemoRefused(Exception):
    pass


def load_demo(session: Session, catalog: Catalog, *, employees: int = 60, seed: int = 7) -> str:
    """Fill an empty database; refuse one that already has people in it."""
    if session.exec(select(User.id)).first() is not None:
        raise DemoRefused(
            "The database already has accounts; demo data is only loaded into an empty one."
        )
    rng = random.Random(seed)
    now = utcnow()
    departments = [Department(name=name) for name in DEPARTMENTS]
    session.add_all(departments)
    session.flush()
    password_hash = hash_password(
        DEMO_PASSWORD
    )  # one hash for all demo accounts keeps start-up fast

    def person(
        email: str, name: str, role: str, dept: Department, manager: User | None = None
    ) -> User:
        user = User(
            email=email,
            name=name,
            role=role,
            password_hash=password_hash,
            department_id=dept.id,
            manager_id=manager.id if manager else None,
            created_at=now - timedelta(days=95),
        )
        session.add(user)
        session.flush()
        return user

    staff = {
        "admin": person("admin@example.com", "Alex Admin", Role.admin, departments[4]),
        "hr": person("hr@example.com", "Hana Rivera", Role.hr, departments[4]),
        "facilitator": person(
            "facilitator@example.com", "Femi Adeyemi", Role.facilitator, departments[4]
        ),
    }
    managers = [
        person(
            f"manager{i + 1}@example.com",
            f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            Role.learner,
            d,
        )
        for i, d in enumerate(departments)
    ]
    learner = person(
        "learner@example.com", "Lee Learner", Role.learner, departments[0], managers[0]
    )
    _assign(session, learner, catalog, now - timedelta(days=20), now + timedelta(days=10))
    _progress(
        session,
        rng,
        catalog,
        learner,
        done=2,
        partial=True,
        start=now - timedelta(days=18),
        now=now,
    )
    people = [learner, *staff.values(), *managers]
    for i in range(employees):
        dept_index = i % len(departments)
        name = f"{FIRST[i % len(FIRST)]} {LAST[(i * 7) % len(LAST)]}"
        user = person(
            f"employee{i + 1:02d}@example.com",
            name,
            Role.learner,
            departments[dept_index],
            managers[dept_index],
        )
        assigned = now - timedelta(days=rng.randint(5, 90))
        _assign(session, user, catalog, assigned, assigned + timedelta(days=30))
        done = rng.choice((0, 0, 1, 2, 3, 5, 7, 10, 10, 10))
        _progress(
            session,
            rng,
            catalog,
            user,
            done=done,
            partial=rng.random() < 0.5,
            start=assigned,
            now=now,
        )
        people.append(user)
    session.commit()
    return f"Loaded demo data: {len(people)} people in {len(departments)} departments."


def _assign(session: Session, user: User, catalog: Catalog, at: datetime, due: datetime) -> None:
    for module in catalog.modules:
        session.add(
            Assignment(
                user_id=row_id(user), module_id=module.id, due_at=due, created_at=at, source="demo"
            )
        )


def _progress(
    session: Session,
    rng: random.Random,
    catalog: Catalog,
    user: User,
    *,
    done: int,
    partial: bool,
    start: datetime,
    now: datetime,
) -> None:
    """Complete `done` modules in order (some after a failed first try), maybe start the next.

    Every time is capped at `now`: demo data never lies in the future, where it would pass
    any "since" mark an integration keeps.
    """
    clock = start
    for index, module in enumerate(catalog.modules):
        if index > done or (index == done and not partial):
            break
        clock = min(clock + timedelta(hours=rng.randint(2, 120)), now)
        session.add(
            LessonProgress(
                user_id=row_id(user),
                module_id=module.id,
                opened_at=clock,
                completed_at=clock if index < done else None,
            )
        )
        if index == done:
            if rng.random() < 0.5:
                _attempt(session, rng, user, module, clock, passing=False)
            break
        if rng.random() < 0.35:
            _attempt(session, rng, user, module, clock, passing=False)
        clock = min(clock + timedelta(minutes=rng.randint(10, 90)), now)
        _attempt(session, rng, user, module, clock, passing=True)
        session.add(Completion(user_id=row_id(user), module_id=module.id, completed_at=clock))
    if done >= len(catalog.modules):
        session.add(
            Certificate(
                user_id=row_id(user), code=format_certificate_code(random_code(12)), issued_at=clock
            )
        )


def random_score(
    rng: random.Random, quiz: Quiz, *, best_rate: float, asked: list[Scenario] | None = None
) -> Score:
    """One plausible answer set, scored: the best choice with `best_rate`, else any choice."""
    asked = list(quiz.scenarios) if asked is None else asked
    answers = {
        s.id: s.best_choices[0].id if rng.random() < best_rate else rng.choice(s.choices).id
        for s in asked
    }
    return score_answers(quiz, answers, asked)


def _attempt(
    session: Session, rng: random.Random, user: User, module: Module, at: datetime, *, passing: bool
) -> None:
    quiz = module.quiz
    paper = draw(quiz, {}, rng)
    asked = [s for item in paper if (s := quiz.scenario(item.scenario_id)) is not None]
    for _ in range(50):
        score = random_score(rng, quiz, best_rate=0.9 if passing else 0.45, asked=asked)
        if score.passed == passing:
            break
    started = at - timedelta(minutes=rng.randint(3, 15))
    drawn = QuizDraw(
        user_id=row_id(user), module_id=module.id, quiz_hash=quiz.content_hash, drawn_at=started
    )
    session.add(drawn)
    session.flush()
    session.add_all(
        DrawnScenario(
            draw_id=row_id(drawn),
            position=n,
            scenario_id=item.scenario_id,
            choice_order=",".join(item.choice_ids),
        )
        for n, item in enumerate(paper)
    )
    attempt = QuizAttempt(
        user_id=row_id(user),
        module_id=module.id,
        submission_id=uuid.uuid4().hex,
        quiz_hash=quiz.content_hash,
        started_at=started,
        draw_id=drawn.id,
        submitted_at=at,
        score=score.total,
        max_score=score.max_score,
        percent=score.percent,
        pass_mark=score.pass_mark,
        passed=score.passed,
    )
    session.add(attempt)
    session.flush()
    session.add_all(
        AttemptAnswer(
            attempt_id=row_id(attempt),
            scenario_id=r.scenario.id,
            choice_id=r.chosen.id,
            points=r.points,
        )
        for r in score.results
    )
