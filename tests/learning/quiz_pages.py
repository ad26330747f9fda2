"""Reading a quiz page as a learner does: scenarios shown, options by letter."""

from __future__ import annotations

import re

from markupsafe import escape

from app.content.catalog import Catalog

LABEL = re.compile(
    r'<label for="c-([\w-]+)-([A-D])"><span class="letter">[A-D]\.</span> (.*?)</label>'
)
CHECKED = re.compile(r'name="answer-([\w-]+)" value="([A-D])"\s+checked')
DRAW = re.compile(r'name="draw_id" value="(\d+)"')


def shown(catalog: Catalog, module_id: str, html: str) -> dict[str, dict[str, str]]:
    """{scenario id: {letter: choice id}} for every scenario the page asks, in page order."""
    quiz = catalog.by_id[module_id].quiz
    out: dict[str, dict[str, str]] = {}
    for scenario_id, letter, text in LABEL.findall(html):
        scenario = quiz.scenario(scenario_id)
        assert scenario is not None, scenario_id
        choice = next(c for c in scenario.choices if str(escape(c.text)) == text)
        out.setdefault(scenario_id, {})[letter] = choice.id
    return out


def checked(catalog: Catalog, module_id: str, html: str) -> dict[str, str]:
    """The options the page shows as chosen, as {scenario id: choice id}."""
    letters = shown(catalog, module_id, html)
    return {sid: letters[sid][letter] for sid, letter in CHECKED.findall(html)}


def answer_fields(
    catalog: Catalog, module_id: str, html: str, picks: dict[str, str]
) -> dict[str, str]:
    """Form fields choosing `picks` ({scenario id: choice id}) by the letters the page shows."""
    letters = shown(catalog, module_id, html)
    out = {}
    for sid, choice_id in picks.items():
        by_id = {cid: letter for letter, cid in letters.get(sid, {}).items()}
        out[f"answer-{sid}"] = by_id.get(choice_id, choice_id)
    return out


def draw_id(html: str) -> str:
    found = DRAW.search(html)
    assert found, "the quiz page names its draw"
    return found.group(1)
