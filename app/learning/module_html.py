"""Each module's HTML that does not change per request: lesson text and dashboard cards.

A lesson page is mostly the module's own text (heading, objectives, sections, sources), the
same for every learner, so it is rendered once when the app starts; the page only adds the
learner's status, private reflection box and next step. A dashboard card shows the module
and a few facts of the learner's progress (status, best score, due and completion dates);
many learners share each combination, so each distinct card is rendered once and kept.
The organisation's slots in a lesson (app/content/slots.py) stay markers in the kept HTML
and are filled on each view.
Rendering both per request cost more than the pages' queries (bench/NOTES.md).
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

from markupsafe import Markup

from app.clock import utcnow
from app.content.catalog import Catalog
from app.learning.progress import ModuleProgress, Status
from app.org.settings_store import OrgSettings
from app.org.slots import fill_slots
from app.web.templating import format_date, templates

SLOT = "<!-- learner's part -->"
CARDS_KEPT = 4096  # distinct cards; a few hundred bytes each
LESSONS_KEPT = 64  # (module, settings) pairs: every module for the current settings and more


class CardFacts(NamedTuple):
    """Everything a dashboard card shows besides the module itself (the cache key)."""

    module_id: str
    status: Status
    best_percent: int | None
    due: str
    overdue: bool
    completed: str


class ModuleHtml:
    """One app's rendered module HTML (kept in app.state)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        lesson = templates.env.get_template("learning/_lesson_body.html")
        self.lessons = {
            module.id: tuple(
                Markup(piece)
                for piece in lesson.render(module=module, slot=Markup(SLOT)).split(SLOT)
            )
            for module in catalog.modules
        }
        self._card = lru_cache(maxsize=CARDS_KEPT)(self._render_card)
        # Keyed by the settings themselves (frozen, so hashable): a saved change is a new key.
        self._lesson = lru_cache(maxsize=LESSONS_KEPT)(self._fill_lesson)

    def lesson(self, module_id: str, org: OrgSettings) -> tuple[Markup, ...]:
        """The lesson's text in two pieces around the reflection box (one if it has none).

        Its slots are filled here, on each view, from the settings this request read: the
        kept HTML holds only markers, so a saved setting shows on the next page everywhere.
        Each module's pieces are kept filled for the settings last seen.
        """
        return self._lesson(module_id, org)

    def _fill_lesson(self, module_id: str, org: OrgSettings) -> tuple[Markup, ...]:
        return tuple(fill_slots(piece, org) for piece in self.lessons[module_id])

    def cards(self, rows: list[ModuleProgress]) -> Markup:
        """Every module's card, as one piece of the page."""
        now = utcnow()
        return Markup("").join([self.card(row, now) for row in rows])

    def card(self, row: ModuleProgress, now: datetime | None = None) -> Markup:
        """The dashboard card for one module of one learner's progress."""
        return self._card(
            CardFacts(
                row.module.id,
                row.status,
                row.best_percent,
                format_date(row.due_at),
                row.overdue_at(now or utcnow()),
                format_date(row.completed_at),
            )
        )

    def _render_card(self, facts: CardFacts) -> Markup:
        template = templates.env.get_template("learning/_module_card.html")
        return Markup(template.render(module=self.catalog.by_id[facts.module_id], card=facts))
