"""Flesch-Kincaid grade of a lesson's prose (textstat, a dev dependency)."""

from __future__ import annotations

from app.content.schema import Module


def lesson_grade(module: Module) -> float:
    import textstat  # imported lazily: only checks and tests need it

    return float(textstat.flesch_kincaid_grade("\n\n".join(s.text for s in module.sections)))
