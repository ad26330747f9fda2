"""The cue checker: no content-blind strategy may find the best options or pass a quiz.

Rules (each message names the file, the line to start from and what to change):
- hit-rate: no strategy finds the best option in more than 35% of the course's scenarios;
- pass-mark: no strategy reaches the pass mark on any one quiz's pool;
- balance: quoted speech and questions are in the best options about as often as in the
  others (the shares differ by at most 15 points).
Positional strategies (first, last) are reported, never enforced: options are shuffled per
attempt. `python -m app.content.cues [course_dir] [--all]` prints the report.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from pathlib import Path

from app.content.catalog import read_quiz_files
from app.content.cue_strategies import (
    BALANCED_FEATURES,
    FEATURES,
    QuizCues,
    Strategy,
    analyse,
    balance,
    course_hit_rate,
    strategies,
)
from app.content.cue_words import course_hit_rate as word_hit_rate
from app.content.cue_words import leave_one_out, telling_words, word_problems
from app.content.locations import ContentProblem, Path_, dotted

HIT_RATE, PASS_MARK, BALANCE, WORDS = "hit-rate", "pass-mark", "balance", "learned-words"
ALL_RULES = frozenset({HIT_RATE, PASS_MARK, BALANCE, WORDS})
# The rules `allyship check` enforces on the course: all of them, the learned word model
# (app/content/cue_words.py) included. (`--cue-rules` forces all on for one run, for a
# course that sets this to fewer while its scenarios are being rewritten.)
ENFORCED_RULES: frozenset[str] = ALL_RULES
MAX_HIT_RATE = 0.35  # of the course's scenarios; chance is about 25-30%
MAX_GAP = 0.15  # share of best options with a feature minus share of the others

_ADVICE = {
    "quoted speech": "quote speech in weaker options as often, and make some best options plain actions",
    "question": "let weaker options ask questions as often, and make some best options plain actions",
    "ask/privately": "use “ask” and “privately” in weaker options too, or reword the best ones",
    "longest": "vary which option is longest (trim the best option or give a weaker one detail)",
    "shortest": "vary which option is shortest",
    "second longest": "vary the best option's length rank (not always second longest)",
    "second shortest": "vary the best option's length rank (not always second shortest)",
    "most cues": "spread quotes, questions and “ask” over the weaker options",
}


def enforced(all_rules: bool | None) -> frozenset[str]:
    """The rules to enforce: all, none, or (None) the course's ENFORCED_RULES."""
    return ENFORCED_RULES if all_rules is None else (ALL_RULES if all_rules else frozenset())


def check_cues(content_dir: Path, rules: frozenset[str] = ALL_RULES) -> list[ContentProblem]:
    """The breaches of `rules` in the course's quiz files."""
    sources, _ = read_quiz_files(content_dir)
    quizzes = analyse(sources)
    problems: list[ContentProblem] = []
    if HIT_RATE in rules:
        problems += hit_rate_problems(quizzes)
    if PASS_MARK in rules:
        problems += pass_mark_problems(quizzes)
    if BALANCE in rules:
        problems += balance_problems(quizzes)
    if WORDS in rules:
        problems += word_problems(leave_one_out(sources), WORDS, MAX_HIT_RATE)
    return problems


def content_blind() -> list[Strategy]:
    return [s for s in strategies() if not s.positional]


def _advice(strategy: Strategy) -> str:
    return "; ".join(dict.fromkeys(_ADVICE[step] for step in strategy.steps))


def _first_hit(quiz: QuizCues, strategy: Strategy) -> tuple[int, Path_]:
    found = quiz.outcomes[strategy]
    index = next((i for i, o in enumerate(found) if o.hit >= 0.5), 0)
    at: Path_ = ("scenarios", index, "choices")
    return quiz.line(at), at


def _hits(quiz: QuizCues, strategy: Strategy) -> list[str]:
    scenarios = quiz.quiz.scenarios
    return [s.id for s, o in zip(scenarios, quiz.outcomes[strategy], strict=True) if o.hit >= 0.5]


def hit_rate_problems(quizzes: list[QuizCues]) -> list[ContentProblem]:
    """Per quiz, the strategy over the course-wide limit that does best in it."""
    over = {s: r for s in content_blind() if (r := course_hit_rate(quizzes, s)) > MAX_HIT_RATE}
    problems = []
    for quiz in quizzes:
        mine = [s for s in over if quiz.hit_rate(s) > MAX_HIT_RATE]
        if not mine:
            continue
        worst = max(mine, key=quiz.hit_rate)
        line, at = _first_hit(quiz, worst)
        hits = _hits(quiz, worst)
        others = f"; {len(mine) - 1} more strategies also do" if len(mine) > 1 else ""
        problems.append(
            ContentProblem(
                quiz.path,
                line,
                dotted(at),
                f"cue rule {HIT_RATE}: “{worst.name}” finds the best option in "
                f"{over[worst]:.0%} of the course's scenarios (limit {MAX_HIT_RATE:.0%}) and in "
                f"{quiz.hit_rate(worst):.0%} of this quiz's, e.g. {', '.join(hits[:4])}{others}. "
                f"To fix: {_advice(worst)} (python -m app.content.cues shows every strategy)",
            )
        )
    return problems


def chance_score(quiz: QuizCues) -> float:
    """Expected share of the maximum when every option is picked at random."""
    scenarios = quiz.quiz.scenarios
    mean = sum(sum(c.points for c in s.choices) / len(s.choices) for s in scenarios)
    return mean / sum(s.max_points for s in scenarios)


def pass_mark_problems(quizzes: list[QuizCues]) -> list[ContentProblem]:
    """Per quiz, chance or the best-scoring strategy when it reaches the pass mark."""
    problems = []
    for quiz in quizzes:
        at: Path_ = ("pass_mark",)
        mark = quiz.quiz.pass_mark
        if chance_score(quiz) * 100 >= mark:
            message = (
                f"random answers score {chance_score(quiz):.0%} on average, reaching the pass "
                f"mark of {mark}%; raise `pass_mark` or make the partly right options weaker"
            )
        else:
            passing = [s for s in content_blind() if quiz.reaches_pass_mark(s)]
            if not passing:
                continue
            top = max(passing, key=quiz.score)
            others = f" ({len(passing) - 1} more strategies do too)" if len(passing) > 1 else ""
            message = (
                f"“{top.name}” scores {quiz.score(top):.0%} on this quiz's pool of "
                f"{len(quiz.quiz.scenarios)} without reading it, reaching the pass mark of "
                f"{mark}%{others}. To fix: {_advice(top)}; start with "
                f"{', '.join(_hits(quiz, top)[:4])}"
            )
        problems.append(
            ContentProblem(quiz.path, quiz.line(at), dotted(at), f"cue rule {PASS_MARK}: {message}")
        )
    return problems


def _lopsided(quiz: QuizCues, feature: str, sign: int) -> Path_:
    """The first scenario whose best option differs from all the others in the feature."""
    has = FEATURES[feature]
    for i, s in enumerate(quiz.quiz.scenarios):
        best = any(has(c.text) for c in s.best_choices)
        other = any(has(c.text) for c in s.choices if c not in s.best_choices)
        if (best and not other) if sign > 0 else (other and not best):
            return ("scenarios", i, "choices")
    return ("scenarios",)


def balance_problems(quizzes: list[QuizCues]) -> list[ContentProblem]:
    """Per feature out of balance course-wide, the quizzes that lean the same way."""
    problems = []
    for feature in BALANCED_FEATURES:
        course = balance((s for q in quizzes for s in q.quiz.scenarios), feature)
        if abs(course.gap) <= MAX_GAP:
            continue
        sign = 1 if course.gap > 0 else -1
        leaning = [(q, balance(q.quiz.scenarios, feature)) for q in quizzes]
        blamed = [(q, b) for q, b in leaning if b.gap * sign > MAX_GAP] or [
            max(leaning, key=lambda pair: pair[1].gap * sign)
        ]
        where = "best options" if sign > 0 else "weaker options"
        for quiz, mine in blamed:
            at = _lopsided(quiz, feature, sign)
            problems.append(
                ContentProblem(
                    quiz.path,
                    quiz.line(at),
                    dotted(at),
                    f"cue rule {BALANCE}: {feature} is in {course.best_with / course.best:.0%} of "
                    f"the course's best options but {course.other_with / course.other:.0%} of the "
                    f"others (limit {MAX_GAP * 100:.0f} points apart); here {mine.best_with} of "
                    f"{mine.best} best and {mine.other_with} of {mine.other} others. To fix: "
                    f"use {feature} less in the {where} and more in the rest",
                )
            )
    return problems


def report(quizzes: list[QuizCues], *, every: bool = False) -> Iterable[str]:
    """The report's lines: course-wide figures, then each quiz's."""
    scenarios = [s for q in quizzes for s in q.quiz.scenarios]
    chance = sum(len(s.best_choices) / len(s.choices) for s in scenarios) / max(len(scenarios), 1)
    yield f"{len(quizzes)} quizzes, {len(scenarios)} scenarios; chance finds the best option in {chance:.0%}."
    yield "first/last are reported, not enforced: options are shuffled on every attempt."
    yield f"\nCourse-wide hit rate (limit {MAX_HIT_RATE:.0%}) and quizzes whose pass mark it reaches:"
    ranked = sorted(strategies(), key=lambda s: -course_hit_rate(quizzes, s))
    for s in ranked if every else ranked[:12]:
        passed = sum(q.reaches_pass_mark(s) for q in quizzes)
        flag = "" if s.positional or course_hit_rate(quizzes, s) <= MAX_HIT_RATE else "  OVER"
        yield f"  {course_hit_rate(quizzes, s):4.0%}  passes {passed:2} of {len(quizzes)}  {s.name}{flag}"
    words = leave_one_out([q.source for q in quizzes])
    rate = word_hit_rate(words)
    flag = "  OVER" if rate > MAX_HIT_RATE else ""
    passed = sum(w.reaches_pass_mark() for w in words)
    yield f"  {rate:4.0%}  passes {passed:2} of {len(quizzes)}  words learned from the other quizzes' keys{flag}"
    best_words, other_words = telling_words(scenarios)
    yield f"  words that mark best options: {', '.join(best_words)}"
    yield f"  words that mark weaker options: {', '.join(other_words)}"
    for feature in BALANCED_FEATURES:
        b = balance(scenarios, feature)
        flag = "  OVER" if abs(b.gap) > MAX_GAP else ""
        yield (
            f"{feature}: in {b.best_with} of {b.best} best options, {b.other_with} of {b.other} "
            f"others (gap {b.gap * 100:+.0f} points, limit ±{MAX_GAP * 100:.0f}){flag}"
        )
    for quiz in quizzes:
        yield (
            f"\n{quiz.path}: pool {len(quiz.quiz.scenarios)}, draw {quiz.quiz.draw}, "
            f"pass mark {quiz.quiz.pass_mark}%, random answers score {chance_score(quiz):.0%}"
        )
        by_score = sorted(strategies(), key=lambda s: -quiz.score(s))
        shown = by_score if every else [s for s in by_score if not s.positional][:5]
        shown += [] if every else [s for s in by_score if s.positional]
        for s in shown:
            mark = "  PASSES" if quiz.reaches_pass_mark(s) else ""
            yield f"  hit {quiz.hit_rate(s):4.0%}  score {quiz.score(s):4.0%}  {s.name}{mark}"
        learned = next((w for w in words if w.path == quiz.path), None)
        if learned is not None:
            mark = "  PASSES" if learned.reaches_pass_mark() else ""
            yield f"  hit {learned.hit_rate:4.0%}  score {learned.score:4.0%}  learned words{mark}"
        for feature in BALANCED_FEATURES:
            b = balance(quiz.quiz.scenarios, feature)
            yield f"  {feature}: {b.best_with}/{b.best} best, {b.other_with}/{b.other} others"


def main(argv: list[str] | None = None) -> int:
    """Print the report and the problems each rule would raise; 1 when any rule is broken."""
    parser = argparse.ArgumentParser(prog="python -m app.content.cues", description=__doc__)
    # The current folder by default: content imports nothing else of app (docs/architecture.md).
    parser.add_argument("course_dir", nargs="?", type=Path, default=Path.cwd())
    parser.add_argument("--all", action="store_true", help="show every strategy")
    args = parser.parse_args(argv)
    sources, unreadable = read_quiz_files(args.course_dir)
    for problem in unreadable:
        print(f"skipped: {problem}")
    quizzes = analyse(sources)
    for line in report(quizzes, every=args.all):
        print(line)
    problems = check_cues(args.course_dir)
    enforced_now = ", ".join(sorted(ENFORCED_RULES)) or "none yet"
    print(f"\n{len(problems)} cue problem(s); `allyship check` enforces: {enforced_now}.")
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
