"""The one Markdown renderer: markdown-it-py's js-default preset (raw HTML off)."""

from __future__ import annotations

import re
from collections.abc import Callable

from markdown_it import MarkdownIt
from markdown_it.token import Token

from app.content.slots import MARKER, SLOTS, slot_name

MODULE_LINK = "module:"
_md = MarkdownIt("js-default")


def parse(text: str) -> list[Token]:
    return _md.parse(text)


def render_tokens(tokens: list[Token], module_url: Callable[[str], str] | None = None) -> str:
    """Render tokens, rewriting `module:slug` links to the module's page."""
    for token in tokens:
        for child in [token, *(token.children or [])]:
            href = child.attrGet("href") if child.type == "link_open" else None
            if isinstance(href, str) and href.startswith(MODULE_LINK) and module_url:
                child.attrSet("href", module_url(href.removeprefix(MODULE_LINK)))
    html: str = _md.renderer.render(tokens, _md.options, {})  # typed Any by markdown-it-py
    return html


def render(text: str) -> str:
    html: str = _md.render(text)
    return html


def module_links(tokens: list[Token]) -> list[tuple[str, int]]:
    """Every `module:slug` link target with the 0-based line it is on."""
    found: list[tuple[str, int]] = []
    for token in tokens:
        for child in token.children or []:
            href = child.attrGet("href") if child.type == "link_open" else None
            if isinstance(href, str) and href.startswith(MODULE_LINK):
                found.append((href.removeprefix(MODULE_LINK), token.map[0] if token.map else 0))
    return found


def mark_slots(tokens: list[Token]) -> list[Token]:
    """Each paragraph that is one slot becomes its marker (app/org fills it per page view).

    The marker keeps the slot's neutral sentence, so word counts and the reading grade
    measure what a learner reads when the organisation has filled nothing in.
    """
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        name = (
            slot_name(tokens[i + 1].content)
            if token.type == "paragraph_open" and i + 1 < len(tokens)
            else None
        )
        if name is None:
            out.append(token)
            i += 1
            continue
        marker = Token("html_block", "", 0, map=token.map, block=True)
        marker.content = MARKER.format(name) + "\n"
        marker.meta = {"slot_text": SLOTS[name].neutral}
        out.append(marker)
        i += 3  # paragraph_open, inline, paragraph_close
    return out


def plain_text(tokens: list[Token]) -> str:
    return " ".join(
        t.content if t.type == "inline" else t.meta["slot_text"]
        for t in tokens
        if t.type == "inline" or "slot_text" in (t.meta or {})
    ).strip()


def anchor(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
