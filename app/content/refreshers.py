"""Refresher pools: quizzes/refreshers/NN-slug.yaml, checked like quizzes and against them.

A refresher is a new scenario a learner meets days after passing a module (issue 21). It is
written and validated in the quiz's scenario format, by the same rules, and it must not be
a quiz scenario again: the same id or title as one of the module's quiz scenarios, or a
situation that shares much of its wording with any quiz scenario of the course, is an error.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from app.content.locations import (
    ContentProblem,
    Explain,
    Path_,
    dotted,
    line_of,
    load_yaml_file,
)
from app.content.schema import QuizFile, RefresherFile, Scenario

FOLDER = "quizzes/refreshers"
# The module's quiz pass mark stands in when the cue checker treats a pool as a quiz.
CUE_PASS_MARK = 80
# Runs of this many words shared with a quiz scenario count as copied wording ...
SHINGLE = 5
# ... and a refresher whose situation and choices repeat this share of them is a near-copy.
NEAR_COPY = 0.2
RefresherSource = tuple[RefresherFile, str, dict[Path_, int]]


def load_refresher_files(
    root: Path, problems: list[ContentProblem], explain: Explain
) -> list[RefresherSource]:
    """The refresher files that parse and validate; problems collects the rest."""
    found: list[RefresherSource] = []
    directory = root / FOLDER
    if not directory.is_dir():
        return found
    for file in sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml")):
        path = f"{FOLDER}/{file.name}"
        shape = ("refreshers", "module, scenarios")
        loaded = load_yaml_file(file.read_bytes(), path, RefresherFile, shape, problems, explain)
        if loaded is not None:
            pool, lines = loaded
            problems.extend(scenario_rules(pool.scenarios, path, lines))
            found.append((pool, path, lines))
    return found


def scenario_rules(
    scenarios: list[Scenario], path: str, lines: dict[Path_, int]
) -> Iterable[ContentProblem]:
    """Unique scenario and choice ids, and a best choice worth 2 points, in one pool."""
    dup_scenarios = {v for v, n in Counter(s.id for s in scenarios).items() if n > 1}
    for i, scenario in enumerate(scenarios):
        at: Path_ = ("scenarios", i)
        if scenario.id in dup_scenarios:
            yield _problem(
                path,
                lines,
                (*at, "id"),
                f"`{scenario.id}` is used by another scenario; ids must be unique",
            )
        for choice_id in {v for v, n in Counter(c.id for c in scenario.choices).items() if n > 1}:
            yield _problem(
                path,
                lines,
                (*at, "choices"),
                f"choice id `{choice_id}` appears twice; give each choice its own id",
            )
        if scenario.max_points < 2:
            yield _problem(
                path, lines, (*at, "choices"), "no best choice: give the best choice 2 points"
            )


def _problem(path: str, lines: dict[Path_, int], at: Path_, message: str) -> ContentProblem:
    return ContentProblem(path, line_of(lines, at), dotted(at), message)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("\u2019", "'"))


def _shingles(scenario: Scenario) -> set[tuple[str, ...]]:
    words = _words(" ".join([scenario.situation, *(c.text for c in scenario.choices)]))
    return {tuple(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


def _share(mine: set[tuple[str, ...]], theirs: set[tuple[str, ...]]) -> float:
    return len(mine & theirs) / len(mine) if mine else 0.0


def copied_share(refresher: Scenario, quiz_scenario: Scenario) -> float:
    """The share of the refresher's five-word runs that the quiz scenario also has."""
    return _share(_shingles(refresher), _shingles(quiz_scenario))


Wording = tuple[Scenario, set[tuple[str, ...]]]


def wordings(scenarios: Iterable[Scenario]) -> list[Wording]:
    """Each quiz scenario with its five-word runs, worked out once for every refresher pool."""
    return [(s, _shingles(s)) for s in scenarios]


def reuse_problems(
    source: RefresherSource, own_quiz: list[Scenario], every_quiz: list[Wording]
) -> Iterable[ContentProblem]:
    """A refresher may not repeat a quiz scenario: same id or title in its module, or wording.

    `every_quiz` is `wordings(...)` of every module's quiz scenarios.
    """
    pool, path, lines = source
    own_ids = {s.id for s in own_quiz}
    own_titles = {s.title.casefold(): s.id for s in own_quiz}
    for i, scenario in enumerate(pool.scenarios):
        at: Path_ = ("scenarios", i)
        if scenario.id in own_ids:
            yield _problem(
                path,
                lines,
                (*at, "id"),
                f"`{scenario.id}` is a quiz scenario's id; a refresher must be a new scenario with its own id",
            )
        if scenario.title.casefold() in own_titles:
            quiz_id = own_titles[scenario.title.casefold()]
            yield _problem(
                path,
                lines,
                (*at, "title"),
                f"quiz scenario `{quiz_id}` has this title; write a new scenario, not a copy",
            )
        mine = _shingles(scenario)
        for other, theirs in every_quiz:
            share = _share(mine, theirs)
            if share >= NEAR_COPY:
                yield _problem(
                    path,
                    lines,
                    (*at, "situation"),
                    f"repeats {share:.0%} of quiz scenario `{other.id}`'s wording (limit "
                    f"{NEAR_COPY:.0%}); a refresher must be a new situation in new words",
                )
                break


def objective_problems(source: RefresherSource, objective_count: int) -> Iterable[ContentProblem]:
    pool, path, lines = source
    for i, scenario in enumerate(pool.scenarios):
        for k, number in enumerate(scenario.objectives):
            if not 1 <= number <= objective_count:
                yield _problem(
                    path,
                    lines,
                    ("scenarios", i, "objectives", k),
                    f"objective {number} does not exist; the lesson has objectives 1 to {objective_count}",
                )


def as_quiz_source(
    pools: list[RefresherSource],
) -> list[tuple[QuizFile, str, str, dict[Path_, int]]]:
    """Every refresher as one pool for the cue checker, under the quizzes' pass mark.

    One pool, not one per module: a module's three or four refreshers are too few for the
    pass-mark rule to mean anything, while the whole set is as large as two quizzes. The
    checker's messages name the scenario ids; each file's own lines are not kept.
    """
    scenarios = [s for pool, _, _ in pools for s in pool.scenarios]
    if not scenarios:
        return []
    quiz = QuizFile(module="refreshers", pass_mark=CUE_PASS_MARK, scenarios=scenarios)
    digest = hashlib.sha256(quiz.model_dump_json().encode()).hexdigest()
    return [(quiz, digest, FOLDER, {})]
