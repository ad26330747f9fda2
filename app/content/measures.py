"""The self-assessment's wording, read from the course content and checked like it."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationError

from app.content.locations import ContentProblem, Path_, dotted, line_of, load_yaml_with_lines
from app.content.schema import SLUG, Strict

FILE = "lessons/measures.yaml"
LOW, HIGH = 1, 7


class Scale(Strict):
    low: str = Field(min_length=1, max_length=60)
    high: str = Field(min_length=1, max_length=60)


class Item(Strict):
    id: str = Field(pattern=SLUG, max_length=40)
    module: str = Field(pattern=SLUG, max_length=100)
    text: str = Field(min_length=10, max_length=200)


class Measures(Strict):
    scale: Scale
    why: str = Field(min_length=1, max_length=600)
    who_sees: str = Field(min_length=1, max_length=600)
    retrospective: str = Field(min_length=1, max_length=200)
    items: list[Item] = Field(min_length=3, max_length=10)

    @property
    def ids(self) -> list[str]:
        return [i.id for i in self.items]


def check_measures(
    content_dir: Path, module_ids: set[str] | None = None
) -> tuple[Measures | None, list[ContentProblem]]:
    """The self-assessment, or the problems with its file (ids unique, modules known).

    A course without the file simply offers no self-assessment (no problem is reported).
    """
    file = content_dir / FILE
    if not file.is_file():
        return None, []
    lines: dict[Path_, int] = {}
    try:
        data, lines = load_yaml_with_lines(file.read_text(encoding="utf-8"), FILE)
        measures = Measures.model_validate(data)
    except ContentProblem as problem:
        return None, [problem]
    except ValidationError as exc:
        return None, [
            ContentProblem(FILE, line_of(lines, at), dotted(at), f"{e['msg']}; fix the value")
            for e in exc.errors()
            for at in [tuple(p for p in e["loc"] if isinstance(p, str | int))]
        ]
    problems = []
    seen: set[str] = set()
    for n, item in enumerate(measures.items):
        at: Path_ = ("items", n, "id")
        if item.id in seen:
            problems.append(ContentProblem(FILE, line_of(lines, at), dotted(at), "is used twice"))
        seen.add(item.id)
        if module_ids is not None and item.module not in module_ids:
            where: Path_ = ("items", n, "module")
            message = f"`{item.module}` is not a module of the course; use a module's id"
            problems.append(ContentProblem(FILE, line_of(lines, where), dotted(where), message))
    return (None if problems else measures), problems
