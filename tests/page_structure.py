"""What a page's HTML says about its structure: h1s, title, tables, captions, row headers."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

SITE = " · Allies in Practice"


@dataclass
class Table:
    caption: str = ""
    in_caption: bool = False
    in_body: bool = False
    rows: list[list[tuple[str, str | None, bool]]] = field(default_factory=list)


class Structure(HTMLParser):
    """Collects the parts of a page that WCAG 1.3.1, 2.4.2 and 2.4.6 are about."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.h1: list[str] = []
        self.title = ""
        self.tables: list[Table] = []
        self.ids: list[str] = []
        self.aria_live: list[str] = []
        self._open: list[Table] = []
        self._in_title = self._in_h1 = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.append(str(attributes["id"]))
        if "aria-live" in attributes:
            self.aria_live.append(str(attributes.get("id") or tag))
        if tag == "title":
            self._in_title = True
        elif tag == "h1":
            self._in_h1 = True
            self.h1.append("")
        elif tag == "table":
            self._open.append(Table())
        elif self._open:
            table = self._open[-1]
            if tag == "caption":
                table.in_caption = True
            elif tag == "tbody":
                table.in_body = True
            elif tag == "tr" and table.in_body:
                table.rows.append([])
            elif tag in ("th", "td") and table.in_body and table.rows:
                table.rows[-1].append((tag, attributes.get("scope"), "colspan" in attributes))

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag == "h1":
            self._in_h1 = False
        elif tag == "table" and self._open:
            self.tables.append(self._open.pop())
        elif tag == "caption" and self._open:
            self._open[-1].in_caption = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        if self._in_h1:
            self.h1[-1] += data
        if self._open and self._open[-1].in_caption:
            self._open[-1].caption += data

    @property
    def where(self) -> str:
        """The title's own part, before the site's name."""
        title = " ".join(self.title.split())
        return title[: -len(SITE)] if title.endswith(SITE) else title


def problems(html: str) -> list[str]:
    """Everything wrong with one page's structure; empty when it is sound."""
    page = Structure(html)
    found = []
    if len(page.h1) != 1:
        found.append(f"{len(page.h1)} h1 elements: {page.h1}")
    if not page.where.strip() or page.where.strip() == "Allies in Practice":
        found.append(f"title says nothing about the page: {page.title!r}")
    for number, table in enumerate(page.tables, 1):
        if not table.caption.strip():
            found.append(f"table {number} has no caption")
        for row in table.rows:
            if len(row) == 1 and row[0][2]:
                continue  # one cell across the row: a message, not a record
            if row and ("th", "row") not in [cell[:2] for cell in row]:
                found.append(f"table {number} ({table.caption.strip()}): row without a row header")
                break
    return found
