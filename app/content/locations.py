"""YAML parsing that remembers the line of every key, for `path:line:` messages."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

Path_ = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)
Explain = Callable[[ValidationError, str, dict[Path_, int]], Iterable["ContentProblem"]]


class ContentProblem(Exception):
    """One problem in one file, printed as `path:line: field: message`."""

    def __init__(self, path: str, line: int, field: str, message: str) -> None:
        super().__init__(f"{path}:{line}: {field}: {message}")
        self.path, self.line, self.field, self.message = path, line, field, message

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "field": self.field, "message": self.message}


def load_yaml_with_lines(
    text: str, path: str, line_offset: int = 0
) -> tuple[Any, dict[Path_, int]]:
    """Parse YAML safely; return the data and a map from key path to 1-based line."""
    try:
        # libyaml when present: the pure-Python parser was most of start-up (bench/NOTES.md).
        # One parse: the data is built from the same node tree whose lines are kept.
        loader = _FAST_LOADER(text)
        try:
            node = loader.get_single_node()
            data = None if node is None else loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.YAMLError:
        node, data = _parse_reporting_errors(text, path, line_offset)
    lines: dict[Path_, int] = {}
    if node is not None:
        _walk(node, (), lines, line_offset)
    return data, lines


def load_yaml_file(
    raw: bytes,
    path: str,
    model: type[M],
    shape: tuple[str, str],
    problems: list[ContentProblem],
    explain: Explain,
    broken: set[str] | None = None,
) -> tuple[M, dict[Path_, int]] | None:
    """One YAML content file validated as `model`, with its key lines; None when it is not.

    Every problem goes to `problems`, as `path:line:`; `shape` is the file's kind and the keys
    its mapping holds. A file whose `module` is readable but which fails validation adds
    that module to `broken`, so the module is reported, not silently left out.
    """
    data: Any = None
    lines: dict[Path_, int] = {}
    try:
        data, lines = load_yaml_with_lines(raw.decode("utf-8"), path)
        if not isinstance(data, dict):
            raise ContentProblem(path, 1, shape[0], f"must be a mapping with {shape[1]}")
        return model.model_validate(data), lines
    except ContentProblem as problem:
        problems.append(problem)
    except ValidationError as exc:
        problems.extend(explain(exc, path, lines))
        if broken is not None and isinstance(data.get("module"), str):
            broken.add(data["module"])
    except UnicodeDecodeError:
        problems.append(ContentProblem(path, 1, "encoding", "is not UTF-8; save the file as UTF-8"))
    return None


_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse_reporting_errors(text: str, path: str, line_offset: int) -> tuple[Any, Any]:
    """The pure-Python parser again, whose error messages the content checks report."""
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader), yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = (mark.line + 1 if mark else 1) + line_offset
        problem = getattr(exc, "problem", None) or str(exc)
        raise ContentProblem(
            path,
            line,
            "yaml",
            f"syntax error: {problem}; check indentation and quote text containing ': '",
        ) from exc


def _walk(node: yaml.Node, at: Path_, lines: dict[Path_, int], offset: int) -> None:
    lines.setdefault(at, node.start_mark.line + 1 + offset)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*at, str(key.value))
            lines[child] = key.start_mark.line + 1 + offset
            _walk(value, child, lines, offset)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*at, index)
            lines[child] = item.start_mark.line + 1 + offset
            _walk(item, child, lines, offset)


def line_of(lines: dict[Path_, int], at: Path_) -> int:
    """The line of the nearest known ancestor of `at` (missing fields point at their parent)."""
    for end in range(len(at), -1, -1):
        if at[:end] in lines:
            return lines[at[:end]]
    return 1


def dotted(at: Path_) -> str:
    """("scenarios", 0, "choices", 1, "feedback") -> "scenarios[0].choices[1].feedback"."""
    out = ""
    for part in at:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "(file)"
