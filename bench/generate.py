"""Benchmark data: people in departments, every module assigned, realistic progress.

`generate(url, catalog, people=20_000)` migrates an empty database and fills it with bulk
inserts (SQLAlchemy Core executemany, explicit ids, one transaction, one shared argon2
hash). At 20,000 people it writes about 200,000 assignments, 120,000 lesson-progress rows,
150,000 quiz attempts with their answers, 110,000 completions and a few thousand
certificates. Every person's password is BENCH_PASSWORD.

    python -m bench.generate sqlite:///var/bench.db --people 20000
"""

from __future__ import annotations

import argparse
import random
import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, create_engine, func, insert, select, text
from sqlalchemy.engine import Connection

from app.clock import utcnow
from app.content.catalog import Catalog
from app.content.schema import Module
from app.db.migrate import upgrade
from app.demo import random_score
from app.learning.scoring import Score
from app.models import (
    Assignment,
    AttemptAnswer,
    Certificate,
    Completion,
    Department,
    LessonProgress,
    QuizAttempt,
    User,
)
from app.security import format_certificate_code, hash_password

BENCH_PASSWORD = "bench-password-2024"
# (name, relative size); the last ones are small teams, as in a real organisation.
DEPARTMENTS = (
    ("Engineering", 30),
    ("Sales", 18),
    ("Operations", 14),
    ("Customer Support", 10),
    ("Finance", 7),
    ("Marketing", 6),
    ("People & Culture", 4),
    ("Legal", 3),
    ("Research", 3),
    ("Facilities", 2),
    ("Procurement", 2),
    ("Executive Office", 1),
)
# How many modules a person has completed (in course order): a deadline-day mix.
DONE_CHOICES = (0, 0, 1, 2, 3, 5, 7, 8, 10, 10, 10)
FAILED_FIRST = 0.42  # share of completed modules with a failed attempt before the pass
POOL = 64  # pre-scored answer sets per module and outcome
BATCH = 20_000
TABLES = ("user", "assignment", "lessonprogress", "quizattempt", "attemptanswer", "completion")


def email_of(index: int) -> str:
    """The sign-in email of person `index` (0-based); bench learners are the first ones."""
    return f"person{index:05d}@bench.example"


def _table(model: Any) -> Table:
    return model.__table__  # type: ignore[no-any-return]


def _answer_pool(rng: random.Random, module: Module, passing: bool) -> list[Score]:
    """Scored answer sets with one outcome (scored once, sampled many times)."""
    pool: list[Score] = []
    quiz = module.quiz
    while len(pool) < POOL:
        score = random_score(rng, quiz, best_rate=0.92 if passing else 0.5)
        if score.passed == passing:
            pool.append(score)
    return pool


class _Writer:
    """Buffers rows per table and flushes them with executemany in batches."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.tables: dict[str, Table] = {}
        self.counts: dict[str, int] = {}

    def add(self, model: Any, row: dict[str, Any]) -> None:
        table = _table(model)
        buffer = self.rows.setdefault(table.name, [])
        self.tables[table.name] = table
        buffer.append(row)
        if len(buffer) >= BATCH:
            # Every table, in the order first seen (parents before children): a full table
            # of answers must not reach PostgreSQL before the attempts it points at.
            self.flush()

    def flush(self, name: str | None = None) -> None:
        for table_name in [name] if name else list(self.rows):
            rows = self.rows.get(table_name)
            if rows:
                self.conn.execute(insert(self.tables[table_name]), rows)
                self.counts[table_name] = self.counts.get(table_name, 0) + len(rows)
                self.rows[table_name] = []


def _people(rng: random.Random, people: int, dept_ids: list[int]) -> Iterator[dict[str, Any]]:
    weights = [w for _, w in DEPARTMENTS]
    managers: dict[int, int] = {}
    for index in range(people):
        dept = rng.choices(dept_ids, weights)[0]
        uid = index + 1
        manager = managers.setdefault(dept, uid)
        yield {
            "id": uid,
            "email": email_of(index),
            "name": f"Person {index:05d}",
            "department_id": dept,
            "manager_id": None if manager == uid else manager,
            "external_id": f"E{index:05d}",
            # about 2% leavers, never among the first 100 (the signed-in bench learners)
            "active": index < 100 or rng.random() > 0.02,
        }


class AlreadyFilled(RuntimeError):
    """The database given to `generate` already has people in it."""


def generate(url: str, catalog: Catalog, *, people: int = 20_000, seed: int = 1) -> dict[str, int]:
    """Migrate the (empty) database at `url` and fill it; returns row counts per table."""
    upgrade(url)
    rng = random.Random(seed)
    now = utcnow()
    password_hash = hash_password(BENCH_PASSWORD)  # one hash for everyone: fast to generate
    pools = {m.id: {ok: _answer_pool(rng, m, ok) for ok in (True, False)} for m in catalog.modules}
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            if conn.execute(select(func.count()).select_from(_table(User))).scalar():
                raise AlreadyFilled("the database already has people; generate into an empty one")
            departments = [
                {"id": i + 1, "name": name, "created_at": now - timedelta(days=400)}
                for i, (name, _) in enumerate(DEPARTMENTS)
            ]
            conn.execute(insert(_table(Department)), departments)
            out = _Writer(conn)
            ids = _Ids()
            for person in _people(rng, people, [d["id"] for d in departments]):
                created = now - timedelta(days=rng.randint(120, 900))
                out.add(
                    User,
                    {
                        **person,
                        "role": "learner",
                        "password_hash": password_hash,
                        "created_at": created,
                    },
                )
                _progress(out, ids, rng, catalog, pools, person["id"], now)
            out.flush()
            _advance_sequences(conn, [_table(Department), *out.tables.values()])
    finally:
        engine.dispose()
    return {name: out.counts.get(name, 0) for name in (*TABLES, "certificate")}


def _advance_sequences(conn: Connection, tables: Iterable[Table]) -> None:
    """PostgreSQL: rows were inserted with explicit ids, so move each id sequence past them."""
    if conn.dialect.name != "postgresql":
        return  # SQLite's rowid carries on from the largest id by itself
    for table in tables:
        if "id" in table.c and table.c.id.autoincrement:
            quoted = conn.dialect.identifier_preparer.format_table(table)  # "user" is reserved
            following = conn.execute(select(func.coalesce(func.max(table.c.id), 0) + 1)).scalar()
            conn.execute(
                text("SELECT setval(pg_get_serial_sequence(:name, 'id'), :next, false)"),
                {"name": quoted, "next": following},
            )


class _Ids:
    """Explicit primary keys, so answers can point at attempts without reading them back."""

    def __init__(self) -> None:
        self.attempt = 0

    def next_attempt(self) -> int:
        self.attempt += 1
        return self.attempt


def _progress(
    out: _Writer,
    ids: _Ids,
    rng: random.Random,
    catalog: Catalog,
    pools: dict[str, dict[bool, list[Score]]],
    uid: int,
    now: datetime,
) -> None:
    """Assign every module; complete `done` of them in order, maybe start the next one."""
    assigned = now - timedelta(days=rng.randint(3, 100))
    due = assigned + timedelta(days=30)
    done = rng.choice(DONE_CHOICES)
    partial = rng.random() < 0.5
    clock = assigned
    for index, module in enumerate(catalog.modules):
        out.add(
            Assignment,
            {
                "user_id": uid,
                "module_id": module.id,
                "due_at": due,
                "source": "bench",
                "created_at": assigned,
            },
        )
        if index > done or (index == done and not partial):
            continue
        clock = min(clock + timedelta(hours=rng.randint(2, 72)), now)  # never in the future
        finished = index < done
        out.add(
            LessonProgress,
            {
                "user_id": uid,
                "module_id": module.id,
                "opened_at": clock,
                "completed_at": clock if finished else None,
                "via": "self-paced",
            },
        )
        if not finished:
            if rng.random() < 0.5:
                _attempt(out, ids, rng, pools[module.id][False], module, uid, clock)
            continue
        if rng.random() < FAILED_FIRST:
            _attempt(out, ids, rng, pools[module.id][False], module, uid, clock)
        clock = min(clock + timedelta(minutes=rng.randint(10, 90)), now)
        _attempt(out, ids, rng, pools[module.id][True], module, uid, clock)
        out.add(
            Completion,
            {"user_id": uid, "module_id": module.id, "completed_at": clock, "via": "self-paced"},
        )
    if done >= len(catalog.modules):
        code = format_certificate_code(f"{uid:012d}".translate(_DIGITS))
        out.add(Certificate, {"user_id": uid, "code": code, "issued_at": clock})


_DIGITS = str.maketrans("0123456789", "ABCDEFGHJK")


def _attempt(
    out: _Writer,
    ids: _Ids,
    rng: random.Random,
    pool: list[Score],
    module: Module,
    uid: int,
    at: datetime,
) -> None:
    score = rng.choice(pool)
    attempt_id = ids.next_attempt()
    out.add(
        QuizAttempt,
        {
            "id": attempt_id,
            "user_id": uid,
            "module_id": module.id,
            "submission_id": uuid.UUID(int=rng.getrandbits(128)).hex,
            "quiz_hash": module.quiz.content_hash,
            "started_at": at - timedelta(minutes=rng.randint(3, 15)),
            "submitted_at": at,
            "score": score.total,
            "max_score": score.max_score,
            "percent": score.percent,
            "pass_mark": score.pass_mark,
            "passed": score.passed,
        },
    )
    for result in score.results:
        out.add(
            AttemptAnswer,
            {
                "attempt_id": attempt_id,
                "scenario_id": result.scenario.id,
                "choice_id": result.chosen.id,
                "points": result.points,
            },
        )


def main() -> None:
    import time

    from app.config import PROJECT_ROOT
    from app.content.catalog import load_catalog

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="SQLAlchemy URL of an empty database")
    parser.add_argument("--people", type=int, default=20_000)
    args = parser.parse_args()
    started = time.perf_counter()
    counts = generate(args.url, load_catalog(PROJECT_ROOT), people=args.people)
    print(counts, f"in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
