"""Each module's unchanging HTML, rendered once when the app starts.

A lesson page is mostly the module's own text (heading, objectives, sections, sources) and
a dashboard card mostly its title and summary, the same for every learner. Rendering them
per request cost more than the pages' queries (bench/NOTES.md), so each module's pieces are
rendered once and a page only adds what belongs to the learner: status, dates, scores, the
private reflection box. A template marks where the learner's part goes with `{{ slot }}`.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from app.content.catalog import Catalog
from app.content.schema import Module
from app.templating import templates

SLOT = "<!-- learner's part -->"


@dataclass(frozen=True)
class ModuleHtml:
    """A module's fixed HTML, in pieces that go around the learner's part."""

    lesson: tuple[Markup, ...]  # two pieces around the reflection box, or one without it
    card: tuple[Markup, ...]  # the dashboard card: heading | status badge | summary


def render_module_html(catalog: Catalog) -> dict[str, ModuleHtml]:
    return {
        module.id: ModuleHtml(
            lesson=_pieces("learning/_lesson_body.html", module),
            card=_pieces("learning/_module_card.html", module),
        )
        for module in catalog.modules
    }


def _pieces(template_name: str, module: Module) -> tuple[Markup, ...]:
    html = templates.env.get_template(template_name).render(module=module, slot=Markup(SLOT))
    return tuple(Markup(piece) for piece in html.split(SLOT))
