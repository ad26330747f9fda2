"""Each lesson's unchanging HTML, rendered once when the app starts.

A lesson page is mostly the module's own text: heading, objectives, sections and sources,
the same for every learner. Rendering it per request cost more than the page's queries
(bench/NOTES.md), so it is rendered once per module and the page only adds what belongs to
the learner: status, the private reflection box and the next step.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from app.content.catalog import Catalog
from app.templating import templates

REFLECTION_SLOT = "<!-- reflection box -->"


@dataclass(frozen=True)
class LessonBody:
    """The lesson's HTML around the learner's reflection box."""

    before_reflection: Markup
    after_reflection: Markup
    has_reflection: bool


def render_lesson_bodies(catalog: Catalog) -> dict[str, LessonBody]:
    template = templates.env.get_template("learning/_lesson_body.html")
    bodies = {}
    for module in catalog.modules:
        html = template.render(module=module, slot=Markup(REFLECTION_SLOT))
        before, found, after = html.partition(REFLECTION_SLOT)
        bodies[module.id] = LessonBody(Markup(before), Markup(after), bool(found))
    return bodies
