"""Which scenarios an attempt asks: unseen ones first, every objective covered, options shuffled.

A quiz's pool holds more scenarios than one attempt asks (`draw:`), so knowing the key of
one attempt does not pass the next. The draw is made on the server when the learner opens
the quiz and stored (QuizDraw, DrawnScenario); the page, the scoring, the result page and
HR's records all read it back, so everyone sees what the learner saw. Attempts from before
draws have none: they asked the whole quiz, in file order, and their answers say which
scenarios that was.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlmodel import Session

from app.clock import utcnow
from app.content.schema import Choice, Module, Quiz, Scenario
from app.db import RawQuery, Source, bind_values, execute, fetch_all, in_transaction
from app.models import QuizAttempt, QuizDraw

LETTERS = "ABCD"


@dataclass(frozen=True)
class Drawn:
    """One drawn scenario and the order its options are shown in."""

    scenario_id: str
    choice_ids: tuple[str, ...]


@dataclass(frozen=True)
class Shown:
    """A drawn scenario as the learner saw it: options in display order, lettered A-D."""

    scenario: Scenario
    choices: tuple[Choice, ...]

    def lettered(self) -> list[tuple[str, Choice]]:
        return list(zip(LETTERS, self.choices, strict=False))

    def letter_of(self, choice_id: str) -> str:
        return next((k for k, c in self.lettered() if c.id == choice_id), "")


@dataclass(frozen=True)
class Paper:
    """What one attempt asks. draw_id is None for attempts from before draws."""

    draw_id: int | None
    quiz_hash: str
    items: tuple[Drawn, ...]

    @property
    def scenario_ids(self) -> list[str]:
        return [item.scenario_id for item in self.items]

    def shown(self, quiz: Quiz) -> list[Shown]:
        """The drawn scenarios the quiz still has, options in the stored order."""
        out = []
        for item in self.items:
            scenario = quiz.scenario(item.scenario_id)
            if scenario is None:
                continue
            listed = [c for cid in item.choice_ids if (c := scenario.choice(cid)) is not None]
            listed += [c for c in scenario.choices if c.id not in item.choice_ids]
            out.append(Shown(scenario, tuple(listed)))
        return out

    def scenarios(self, quiz: Quiz) -> list[Scenario]:
        return [shown.scenario for shown in self.shown(quiz)]

    def resolve(self, quiz: Quiz, answers: Mapping[str, str]) -> dict[str, str]:
        """Answers by choice id: the page posts the letter shown (A-D), never a choice id.

        Letters keep the file's choice ids (and so its order) off the page; a value that is
        not a letter of a drawn scenario passes through for scoring to accept or refuse.
        """
        letters = {s.scenario.id: dict(s.lettered()) for s in self.shown(quiz)}
        out = {}
        for scenario_id, value in answers.items():
            choice = letters.get(scenario_id, {}).get(value)
            out[scenario_id] = choice.id if choice else value
        return out


def draw(quiz: Quiz, seen: Mapping[str, int], rng: random.Random) -> tuple[Drawn, ...]:
    """`quiz.draw` scenarios (all when the pool is smaller): unseen first, objectives covered.

    `seen` counts how often the learner was asked each scenario. Scenarios asked less often
    come first, at random among equals; coverage picks, for each objective still uncovered,
    the least-seen scenario covering the most uncovered objectives. The order shown and
    each scenario's option order are shuffled too.
    """
    pool = list(quiz.scenarios)
    rng.shuffle(pool)
    pool.sort(key=lambda s: seen.get(s.id, 0))  # stable: random among equally seen
    count = min(quiz.draw, len(pool))
    chosen: list[Scenario] = []
    uncovered = {n for s in pool for n in s.objectives}
    while uncovered and len(chosen) < count:
        covering = [s for s in pool if s not in chosen and uncovered & set(s.objectives)]
        if not covering:
            break
        pick = min(covering, key=lambda s: (seen.get(s.id, 0), -len(uncovered & set(s.objectives))))
        chosen.append(pick)
        uncovered -= set(pick.objectives)
    chosen += [s for s in pool if s not in chosen][: count - len(chosen)]
    rng.shuffle(chosen)
    return tuple(
        Drawn(s.id, tuple(rng.sample([c.id for c in s.choices], len(s.choices)))) for s in chosen
    )


def whole_quiz(quiz: Quiz, scenario_ids: Sequence[str] | None = None) -> tuple[Drawn, ...]:
    """The paper of an attempt from before draws: its scenarios in file order, options too."""
    wanted = set(scenario_ids) if scenario_ids is not None else None
    return tuple(
        Drawn(s.id, tuple(c.id for c in s.choices))
        for s in quiz.scenarios
        if wanted is None or s.id in wanted
    )


_SEEN = RawQuery.of(
    """
    SELECT ds.scenario_id, COUNT(*) FROM drawnscenario ds
      JOIN quizdraw d ON d.id = ds.draw_id
     WHERE d.user_id = :user_id AND d.module_id = :module_id
     GROUP BY ds.scenario_id
    UNION ALL
    SELECT aa.scenario_id, COUNT(*) FROM attemptanswer aa
      JOIN quizattempt a ON a.id = aa.attempt_id
     WHERE a.user_id = :user_id AND a.module_id = :module_id AND a.draw_id IS NULL
     GROUP BY aa.scenario_id
    """
)


def seen_counts(source: Source, *, user_id: int, module_id: str) -> dict[str, int]:
    """How often this learner was asked each scenario of the module (draws and older attempts)."""
    counts: dict[str, int] = {}
    for scenario_id, n in fetch_all(source, _SEEN, {"user_id": user_id, "module_id": module_id}):
        counts[scenario_id] = counts.get(scenario_id, 0) + int(n)
    return counts


_ITEMS = (
    "SELECT d.id, d.quiz_hash, ds.scenario_id, ds.choice_order FROM quizdraw d"
    " JOIN drawnscenario ds ON ds.draw_id = d.id"
)
_OPEN_DRAW = RawQuery.of(
    f"""{_ITEMS} WHERE d.id = (
        SELECT MAX(o.id) FROM quizdraw o
         WHERE o.user_id = :user_id AND o.module_id = :module_id AND o.quiz_hash = :quiz_hash
           AND NOT EXISTS (SELECT 1 FROM quizattempt a WHERE a.draw_id = o.id))
    ORDER BY ds.position"""
)
_DRAW = RawQuery.of(
    f"{_ITEMS} WHERE d.id = :draw_id AND d.user_id = :user_id AND d.module_id = :module_id"
    " ORDER BY ds.position"
)


def _paper(rows: Sequence[Sequence[object]]) -> Paper | None:
    if not rows:
        return None
    items = tuple(Drawn(str(r[2]), tuple(str(r[3]).split(","))) for r in rows)
    return Paper(int(str(rows[0][0])), str(rows[0][1]), items)


def open_paper(source: Source, *, user_id: int, module: Module) -> Paper | None:
    """The learner's newest unsubmitted draw of the current quiz, if any."""
    params = {"user_id": user_id, "module_id": module.id, "quiz_hash": module.quiz.content_hash}
    return _paper(fetch_all(source, _OPEN_DRAW, params))


def paper_of_draw(source: Source, *, draw_id: int, user_id: int, module_id: str) -> Paper | None:
    """One of the learner's own draws of this module; anyone else's is simply not found."""
    params = {"draw_id": draw_id, "user_id": user_id, "module_id": module_id}
    return _paper(fetch_all(source, _DRAW, params))


def paper_of_attempt(
    source: Source, attempt: QuizAttempt, quiz: Quiz, answered: Sequence[str]
) -> Paper:
    """What a stored attempt asked: its draw, or for an older attempt the scenarios it answered."""
    if attempt.draw_id is not None:
        found = paper_of_draw(
            source, draw_id=attempt.draw_id, user_id=attempt.user_id, module_id=attempt.module_id
        )
        if found is not None:
            return found
    return Paper(None, attempt.quiz_hash, whole_quiz(quiz, answered))


_INSERT_DRAW = RawQuery.of(
    "INSERT INTO quizdraw (user_id, module_id, quiz_hash, drawn_at)"
    " VALUES (:user_id, :module_id, :quiz_hash, :drawn_at) RETURNING id"
)


def new_paper(
    session: Session, *, user_id: int, module: Module, rng: random.Random | None = None
) -> Paper:
    """Draw and store a paper for the learner in the session's transaction (caller commits)."""
    connection = in_transaction(session)
    seen = seen_counts(connection, user_id=user_id, module_id=module.id)
    items = draw(module.quiz, seen, rng or secrets.SystemRandom())
    values = {
        "user_id": user_id,
        "module_id": module.id,
        "quiz_hash": module.quiz.content_hash,
        "drawn_at": utcnow(),
    }
    draw_id = int(
        fetch_all(connection, _INSERT_DRAW, bind_values(QuizDraw, connection, values))[0][0]
    )
    rows = ", ".join(f"(:draw_id, {n}, :s{n}, :c{n})" for n in range(len(items)))
    params: dict[str, object] = {"draw_id": draw_id}
    for n, item in enumerate(items):
        params |= {f"s{n}": item.scenario_id, f"c{n}": ",".join(item.choice_ids)}
    insert = RawQuery.of(
        f"INSERT INTO drawnscenario (draw_id, position, scenario_id, choice_order) VALUES {rows}"
    )
    execute(connection, insert, params)
    return Paper(draw_id, module.quiz.content_hash, items)


def paper_to_answer(
    session: Session, *, user_id: int, module: Module, rng: random.Random | None = None
) -> Paper:
    """The learner's open paper for this quiz, drawn now if there is none (one write)."""
    found = open_paper(in_transaction(session), user_id=user_id, module=module)
    return found or new_paper(session, user_id=user_id, module=module, rng=rng)
