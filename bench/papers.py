"""Quiz papers drawn ahead of a submission benchmark, so every post stores a new attempt.

Since issue 15 an attempt answers a stored draw, and a draw is answered once. Measuring how
fast submissions are scored and stored (the quiz target, against the bare insert) needs a
fresh draw per post; drawing them through the quiz page would measure the page too (that is
the deadline burst's job, bench/take_quiz.lua). So the bench writes the draws straight into
the database before the run: per learner, blocks of draws with the quiz's first `draw`
scenarios in file order, options in file order (A is each scenario's first option). Each
wrk run takes a block of its own (`PaperBlocks.next_env`), so runs never share a draw.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlencode

from sqlalchemy import Connection, create_engine, func, select
from sqlalchemy import Table as CoreTable

from app.content.schema import Module
from app.models import DrawnScenario, QuizDraw, User
from bench.generate import _advance_sequences, email_of

CHUNK = 5_000


def _table(model: type) -> CoreTable:
    return model.__table__  # type: ignore[attr-defined, no-any-return]


@dataclass
class PaperBlocks:
    """Prepared draws: for each learner, `blocks` blocks of `per_block` consecutive draw ids."""

    module: Module
    firsts: list[int]  # per learner, in the order of `people`: the first draw id
    per_block: int
    blocks: int
    used: int = 0
    fields: str = field(init=False)

    def __post_init__(self) -> None:
        quiz = self.module.quiz
        scenarios = quiz.scenarios[: min(quiz.draw, len(quiz.scenarios))]
        answers = {f"answer-{s.id}": "A" for s in scenarios}
        self.fields = urlencode({"quiz_hash": quiz.content_hash, **answers})

    def next_env(self) -> dict[str, str]:
        """BENCH_PAPERS and BENCH_QUIZ_FIELDS for the next wrk run: a block nobody used."""
        if self.used >= self.blocks:
            raise RuntimeError(f"all {self.blocks} blocks of prepared quiz papers are used")
        start = self.used * self.per_block
        self.used += 1
        lines = [f"{first + start}|{self.per_block}" for first in self.firsts]
        return {"BENCH_PAPERS": "\n".join(lines), "BENCH_QUIZ_FIELDS": self.fields}


def prepare_papers(
    db_url: str, module: Module, people: range, *, per_block: int, blocks: int
) -> PaperBlocks:
    """Insert blocks x per_block draws of `module` for each person (bench learners by index)."""
    quiz = module.quiz
    scenarios = quiz.scenarios[: min(quiz.draw, len(quiz.scenarios))]
    per_person = per_block * blocks
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            emails = [email_of(i) for i in people]
            found = dict(
                conn.execute(
                    select(_table(User).c.email, _table(User).c.id).where(
                        _table(User).c.email.in_(emails)
                    )
                ).all()
            )
            missing = [e for e in emails if e not in found]
            if missing:
                raise RuntimeError(f"bench learners missing from the database: {missing[:3]}")
            next_id = (
                int(
                    conn.execute(
                        select(func.coalesce(func.max(_table(QuizDraw).c.id), 0))
                    ).scalar_one()
                )
                + 1
            )
            firsts = []
            now = datetime.now(UTC)
            for email in emails:
                firsts.append(next_id)
                _insert_draws(conn, found[email], module, scenarios, next_id, per_person, now)
                next_id += per_person
            _advance_sequences(conn, [_table(QuizDraw)])
    finally:
        engine.dispose()
    return PaperBlocks(module, firsts, per_block, blocks)


def _insert_draws(
    conn: Connection,
    user_id: int,
    module: Module,
    scenarios: tuple,  # type: ignore[type-arg]
    first_id: int,
    count: int,
    now: datetime,
) -> None:
    draws, drawn = _table(QuizDraw), _table(DrawnScenario)
    orders = [",".join(c.id for c in s.choices) for s in scenarios]
    for start in range(first_id, first_id + count, CHUNK):
        ids = range(start, min(start + CHUNK, first_id + count))
        conn.execute(
            draws.insert(),
            [
                {
                    "id": i,
                    "user_id": user_id,
                    "module_id": module.id,
                    "quiz_hash": module.quiz.content_hash,
                    "drawn_at": now,
                }
                for i in ids
            ],
        )
        conn.execute(
            drawn.insert(),
            [
                {"draw_id": i, "position": n, "scenario_id": s.id, "choice_order": orders[n]}
                for i in ids
                for n, s in enumerate(scenarios)
            ],
        )
