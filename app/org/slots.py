"""Slots filled with the organisation's text on each page view (app/content/slots.py)."""

from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from app.content.slots import MARKER_PATTERN, SLOTS, Slot, split_slots
from app.org.checks import SAFE_LINK_SCHEMES, url_problem
from app.org.settings_store import OrgSettings

_md = MarkdownIt("js-default").disable("image")


@lru_cache(maxsize=64)
def safe_markdown(text: str) -> Markup:
    """Markdown with raw HTML off, no images, and links only to https:, mailto: and tel:.

    Kept by the text itself, so a changed text is simply another key: nothing goes stale.
    """
    tokens = _md.parse(text)
    for token in tokens:
        for child in token.children or []:
            href = child.attrGet("href") if child.type == "link_open" else None
            if href is not None and not str(href).startswith(SAFE_LINK_SCHEMES):
                child.attrs.pop("href", None)
            elif href is not None:
                child.attrSet("rel", "noopener noreferrer")
    return Markup(_md.renderer.render(tokens, _md.options, {}))


def slot_html(slot: Slot, org: OrgSettings) -> Markup:
    """The slot with the organisation's text, or its neutral sentence when that is unset."""
    value = getattr(org, slot.setting, "").strip()
    if slot.kind == "link" and url_problem(value):
        value = ""
    if not value:
        body = Markup("<p>{}</p>").format(slot.neutral)
    elif slot.kind == "link":
        body = Markup('<p><a href="{}" rel="noopener noreferrer">{}</a></p>').format(
            value, slot.label
        )
    elif slot.kind == "markdown":
        body = safe_markdown(value)
    else:
        body = Markup("<p>{}: {}</p>").format(slot.label, value)
    state = "set" if value else "neutral"
    return Markup('<div class="org-slot org-slot-{}" data-slot="{}">{}</div>').format(
        state, slot.name, body
    )


def fill_slots(html: str, org: OrgSettings) -> Markup:
    """Lesson HTML with each slot marker replaced by the slot as the organisation has it."""
    if "<!-- org-slot:" not in html:
        return Markup(html)
    return Markup(MARKER_PATTERN.sub(lambda m: str(slot_html(SLOTS[m.group(1)], org)), html))


def text_with_slots(text: str, org: OrgSettings) -> Markup:
    """Plain text (facilitator notes) in paragraphs, with its slots filled in."""
    return Markup("").join(
        Markup('<p class="prewrap">{}</p>').format(escape(piece))
        if isinstance(piece, str)
        else slot_html(piece, org)
        for piece in split_slots(text)
    )
