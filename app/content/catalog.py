"""Load, validate and render the whole course once; collect every problem with its place."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from app.content import markdown, refreshers
from app.content.locations import (
    ContentProblem,
    Path_,
    dotted,
    line_of,
    load_yaml_file,
    load_yaml_with_lines,
)
from app.content.measures import Measures, check_measures
from app.content.schema import (
    LESSON_SECTIONS,
    LessonMeta,
    LessonSection,
    Module,
    Quiz,
    QuizFile,
)
from app.content.slots import slot_problems

# A quiz file as read: its model, content hash, path in the course and the line of each key.
QuizSource = tuple[QuizFile, str, str, dict[Path_, int]]
LESSON_NAME = re.compile(r"^(\d{2})-([a-z0-9-]+)\.md$")
QUIZ_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Catalog:
    modules: tuple[Module, ...]
    by_id: dict[str, Module] = field(default_factory=dict)
    measures: Measures | None = None  # the optional self-assessment (measures.yaml)

    def get(self, module_id: str) -> Module | None:
        return self.by_id.get(module_id)

    @property
    def module_ids(self) -> list[str]:
        return [m.id for m in self.modules]

    def counts(self) -> dict[str, int]:
        scenarios = [s for m in self.modules for s in m.quiz.scenarios]
        return {
            "modules": len(self.modules),
            "lessons": len(self.modules),
            "scenarios": len(scenarios),
            "choices": sum(len(s.choices) for s in scenarios),
            "refreshers": sum(len(m.quiz.refreshers) for m in self.modules),
        }


class ContentError(Exception):
    """The course content is invalid; `problems` says where and how to fix each one."""

    def __init__(self, problems: list[ContentProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class _Lesson:
    meta: LessonMeta
    tokens: list[Any]
    body_offset: int
    path: str
    lines: dict[Path_, int]


def module_url(module_id: str) -> str:
    return f"/modules/{module_id}"


def load_catalog(content_dir: Path) -> Catalog:
    """The validated catalog, or ContentError listing every problem."""
    catalog, problems = check_content(content_dir)
    if problems or catalog is None:
        raise ContentError(problems)
    return catalog


def check_content(content_dir: Path) -> tuple[Catalog | None, list[ContentProblem]]:
    problems: list[ContentProblem] = []
    lessons = _load_lessons(content_dir, problems)
    broken: set[str] = set()
    quizzes = _load_quizzes(content_dir, problems, broken)
    pools = refreshers.load_refresher_files(content_dir, problems, _validation_problems)
    modules = _assemble(lessons, quizzes, problems, broken)
    modules = _with_refreshers(modules, pools, problems, broken)
    measures, measure_problems = check_measures(content_dir, {m.id for m in modules})
    problems.extend(measure_problems)
    if problems:
        return None, problems
    ordered = tuple(sorted(modules, key=lambda m: m.order))
    return Catalog(modules=ordered, by_id={m.id: m for m in ordered}, measures=measures), []


def read_quiz_files(content_dir: Path) -> tuple[list[QuizSource], list[ContentProblem]]:
    """The quiz files that parse and validate on their own, lessons aside (the cue report)."""
    problems: list[ContentProblem] = []
    quizzes = _load_quizzes(content_dir, problems, set())
    pools = refreshers.load_refresher_files(content_dir, problems, _validation_problems)
    return quizzes + refreshers.as_quiz_source(pools), problems


def _with_refreshers(
    modules: list[Module],
    pools: list[refreshers.RefresherSource],
    problems: list[ContentProblem],
    broken: set[str],
) -> list[Module]:
    """Each module with its refresher pool, which may not repeat any quiz scenario.

    A pool of a module whose quiz has problems is not reported again as a pool of no module.
    """
    by_id = {m.id: m for m in modules}
    every_quiz = refreshers.wordings(s for m in modules for s in m.quiz.scenarios)
    seen: dict[str, str] = {}
    for source in pools:
        pool, path, lines = source
        module = by_id.get(pool.module)
        where = (path, line_of(lines, ("module",)), "module")
        if module is None:
            if pool.module not in broken:
                problems.append(
                    ContentProblem(*where, f"no module has id `{pool.module}`; fix the id")
                )
            continue
        if pool.module in seen:
            problems.append(
                ContentProblem(
                    *where,
                    f"`{pool.module}` already has refreshers in {seen[pool.module]}; keep one file",
                )
            )
            continue
        seen[pool.module] = path
        problems.extend(refreshers.reuse_problems(source, list(module.quiz.scenarios), every_quiz))
        problems.extend(refreshers.objective_problems(source, len(module.meta.objectives)))
        quiz = replace(module.quiz, refreshers=tuple(pool.scenarios), refresher_path=path)
        by_id[pool.module] = replace(module, quiz=quiz)
    return [by_id[m.id] for m in modules]


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _validation_problems(
    exc: ValidationError, path: str, lines: dict[Path_, int], prefix: Path_ = ()
) -> Iterable[ContentProblem]:
    for err in exc.errors():
        at: Path_ = (*prefix, *(p for p in err["loc"] if isinstance(p, str | int)))
        yield ContentProblem(path, line_of(lines, at), dotted(at), _explain(err))


def _explain(err: Any) -> str:
    kind, loc = err["type"], err["loc"]
    name = loc[-1] if loc else "value"
    if kind == "missing":
        return f"is required; add `{name}:` here"
    if kind == "extra_forbidden" and loc == ("minutes",):
        return (
            "is worked out from the lesson's and quiz's words now; remove this line "
            "(see docs/writing-a-module.md)"
        )
    if kind == "extra_forbidden":
        return "is not a known field; remove it or fix its spelling (see docs/writing-a-module.md)"
    if name == "pass_mark" and kind == "less_than_equal":
        return "is more than 100%, so no set of answers can reach it; use a percent from 1 to 100"
    if name == "choices" and kind == "too_short":
        return "needs at least 3 choices; add choices so the learner has a real decision"
    if name == "choices" and kind == "too_long":
        return "has more than 4 choices; keep the 3 or 4 that people really make"
    if kind == "string_pattern_mismatch":
        return "must be a slug of lowercase letters, digits and hyphens, e.g. `credit-ideas`"
    return f"{err['msg']}; fix the value (input was {err.get('input')!r:.60})"


def _split_front_matter(text: str, path: str) -> tuple[str, str, int]:
    if not text.startswith("---\n"):
        raise ContentProblem(path, 1, "front matter", "missing; start the file with a `---` line")
    end = text.find("\n---\n", 4)
    if end == -1:
        raise ContentProblem(path, 1, "front matter", "not closed; add a `---` line after it")
    front = text[4 : end + 1]
    body_offset = front.count("\n") + 2
    return front, text[end + 5 :], body_offset


def _load_lessons(root: Path, problems: list[ContentProblem]) -> list[_Lesson]:
    lessons: list[_Lesson] = []
    directory = root / "lessons"
    if not directory.is_dir():
        problems.append(ContentProblem("lessons", 1, "lessons", "folder missing; create lessons/"))
        return lessons
    for file in sorted(directory.glob("*.md")):
        path = _rel(file, root)
        name = LESSON_NAME.match(file.name)
        if not name:
            problems.append(
                ContentProblem(
                    path, 1, "file name", "must look like NN-slug.md, e.g. 06-credit-ideas.md"
                )
            )
            continue
        try:
            front, body, offset = _split_front_matter(file.read_text(encoding="utf-8"), path)
            data, lines = load_yaml_with_lines(front, path, line_offset=1)
            if not isinstance(data, dict):
                raise ContentProblem(
                    path, 2, "front matter", "must be a mapping of `field: value` lines"
                )
            meta = LessonMeta.model_validate(data)
        except ContentProblem as problem:
            problems.append(problem)
            continue
        except ValidationError as exc:
            problems.extend(_validation_problems(exc, path, lines))
            continue
        if name.group(2) != meta.id:
            problems.append(
                ContentProblem(
                    path,
                    line_of(lines, ("id",)),
                    "id",
                    f"`{meta.id}` differs from the file name's slug `{name.group(2)}`; make them the same",
                )
            )
        for line, message in slot_problems(body):
            problems.append(ContentProblem(path, line + offset + 1, "slot", message))
        tokens = markdown.mark_slots(markdown.parse(body))
        lessons.append(_Lesson(meta, tokens, offset, path, lines))
    return lessons


def _load_quizzes(root: Path, problems: list[ContentProblem], broken: set[str]) -> list[QuizSource]:
    """Valid quizzes; `broken` collects module ids whose quiz exists but has problems."""
    quizzes: list[QuizSource] = []
    directory = root / "quizzes"
    if not directory.is_dir():
        problems.append(ContentProblem("quizzes", 1, "quizzes", "folder missing; create quizzes/"))
        return quizzes
    for file in sorted(p for p in directory.iterdir() if p.suffix in QUIZ_SUFFIXES):
        path = _rel(file, root)
        raw = file.read_bytes()
        shape = ("quiz", "module, pass_mark, scenarios")
        loaded = load_yaml_file(raw, path, QuizFile, shape, problems, _validation_problems, broken)
        if loaded is not None:
            quiz, lines = loaded
            problems.extend(_quiz_rules(quiz, path, lines))
            quizzes.append((quiz, hashlib.sha256(raw).hexdigest(), path, lines))
    return quizzes


def _duplicates(values: Iterable[str]) -> set[str]:
    return {v for v, n in Counter(values).items() if n > 1}


def _quiz_rules(quiz: QuizFile, path: str, lines: dict[Path_, int]) -> Iterable[ContentProblem]:
    yield from refreshers.scenario_rules(quiz.scenarios, path, lines)
    notes = quiz.facilitator
    if notes is not None:
        known = {s.id for s in quiz.scenarios}
        for j, sid in enumerate(notes.vote_scenarios):
            if sid not in known:
                at: Path_ = ("facilitator", "vote_scenarios", j)
                yield ContentProblem(
                    path,
                    line_of(lines, at),
                    dotted(at),
                    f"`{sid}` is not a scenario of this quiz; use one of its scenario ids",
                )
        at = ("facilitator", "disclosure")
        for line, message in slot_problems(notes.disclosure):
            yield ContentProblem(path, line_of(lines, at) + 1 + line, dotted(at), message)
        total = sum(step.minutes for step in notes.timing)
        if total != notes.minutes:
            at = ("facilitator", "timing")
            yield ContentProblem(
                path,
                line_of(lines, at),
                dotted(at),
                f"steps add up to {total} minutes but `minutes` is {notes.minutes}; make them agree",
            )


def _objective_problems(
    quiz: QuizFile, path: str, lines: dict[Path_, int], objective_count: int
) -> Iterable[ContentProblem]:
    """Scenario `objectives` must name objectives the module's lesson has."""
    for i, scenario in enumerate(quiz.scenarios):
        for k, number in enumerate(scenario.objectives):
            if not 1 <= number <= objective_count:
                at: Path_ = ("scenarios", i, "objectives", k)
                yield ContentProblem(
                    path,
                    line_of(lines, at),
                    dotted(at),
                    f"objective {number} does not exist; the lesson has objectives 1 to {objective_count}",
                )


def _sections(lesson: _Lesson, problems: list[ContentProblem]) -> tuple[LessonSection, ...]:
    tokens, found = lesson.tokens, []
    starts = [i for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h2"]
    for n, start in enumerate(starts):
        title = tokens[start + 1].content.strip()
        end = starts[n + 1] if n + 1 < len(starts) else len(tokens)
        body = tokens[start + 3 : end]
        found.append((title, body, (tokens[start].map or [0])[0] + lesson.body_offset + 1))
    titles = [title for title, _, _ in found]
    if titles != list(LESSON_SECTIONS):
        line = next(
            (ln for (t, _, ln), want in zip(found, LESSON_SECTIONS, strict=False) if t != want),
            lesson.body_offset + 1,
        )
        problems.append(
            ContentProblem(
                lesson.path,
                line,
                "sections",
                f"found {titles}; the body needs these `##` headings in this order: {list(LESSON_SECTIONS)}",
            )
        )
    return tuple(
        LessonSection(
            title,
            markdown.anchor(title),
            markdown.render_tokens(body, module_url),
            markdown.plain_text(body),
        )
        for title, body, _ in found
    )


def _assemble(
    lessons: list[_Lesson],
    quizzes: list[QuizSource],
    problems: list[ContentProblem],
    broken: set[str],
) -> list[Module]:
    ids = {lesson.meta.id for lesson in lessons}
    for key in ("id", "order"):
        dups = _duplicates(str(getattr(lesson.meta, key)) for lesson in lessons)
        for lesson in lessons:
            if str(getattr(lesson.meta, key)) in dups:
                problems.append(
                    ContentProblem(
                        lesson.path,
                        line_of(lesson.lines, (key,)),
                        key,
                        f"`{getattr(lesson.meta, key)}` is used by another lesson; make it unique",
                    )
                )
    by_module: dict[str, QuizSource] = {}
    for quiz_file, digest, path, lines in quizzes:
        if quiz_file.module not in ids:
            problems.append(
                ContentProblem(
                    path,
                    line_of(lines, ("module",)),
                    "module",
                    f"no lesson has id `{quiz_file.module}`; add lessons/NN-{quiz_file.module}.md or fix the id",
                )
            )
        elif quiz_file.module in by_module:
            problems.append(
                ContentProblem(
                    path,
                    line_of(lines, ("module",)),
                    "module",
                    f"`{quiz_file.module}` already has a quiz in {by_module[quiz_file.module][2]}; keep one",
                )
            )
        else:
            by_module[quiz_file.module] = (quiz_file, digest, path, lines)
    modules: list[Module] = []
    for lesson in lessons:
        for target, line in markdown.module_links(lesson.tokens):
            if target not in ids:
                problems.append(
                    ContentProblem(
                        lesson.path,
                        line + lesson.body_offset + 1,
                        "link",
                        f"`module:{target}` is not a module; use one of {sorted(ids)}",
                    )
                )
        sections = _sections(lesson, problems)
        if lesson.meta.id not in by_module:
            if lesson.meta.id in broken:
                continue
            problems.append(
                ContentProblem(
                    lesson.path,
                    line_of(lesson.lines, ("id",)),
                    "quiz",
                    f"lesson `{lesson.meta.id}` has no quiz; add quizzes/NN-{lesson.meta.id}.yaml",
                )
            )
            continue
        quiz_file, digest, quiz_path, quiz_lines = by_module[lesson.meta.id]
        problems.extend(
            _objective_problems(quiz_file, quiz_path, quiz_lines, len(lesson.meta.objectives))
        )
        quiz = Quiz(
            lesson.meta.id,
            quiz_file.pass_mark,
            tuple(quiz_file.scenarios),
            quiz_file.facilitator,
            digest,
            quiz_path,
            quiz_file.draw,
        )
        words = sum(len(s.text.split()) for s in sections)
        modules.append(Module(lesson.meta, sections, quiz, lesson.path, words))
    return modules


def as_dict(model: BaseModel) -> dict[str, Any]:
    return model.model_dump()
