"""What each organisation setting may hold: one clear sentence per field when it may not."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit
from zoneinfo import available_timezones

from markdown_it import MarkdownIt

MIN_CONTRAST = 4.5
# The page backgrounds an accent colour sits on (static/css/app.css: --bg and --surface).
THEMES = {
    "accent_colour": ("light", ("#fbfaf7", "#ffffff")),
    "accent_colour_dark": ("dark", ("#15181c", "#1d2126")),
}
HEX = re.compile(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
SAFE_LINK_SCHEMES = ("https:", "mailto:", "tel:")
TAG = re.compile(r"<\s*/?\s*[A-Za-z][A-Za-z0-9-]*(\s|/|>)|<!")
BAD_SCHEME = re.compile(r"(?i)\b(javascript|vbscript)\s*:")


class _EveryLink(MarkdownIt):
    """Keeps links the renderer would drop, so the admin is told which one is refused."""

    def validateLink(self, url: str) -> bool:
        return True


_links = _EveryLink("js-default")
NAME_MAX, URL_MAX, CONTACT_MAX, MARKDOWN_MAX = 120, 500, 300, 3000


def normalise_colour(value: str) -> str:
    """#abc or abc as #aabbcc, lower case; anything else unchanged."""
    found = HEX.match(value.strip())
    if not found:
        return value.strip()
    digits = found.group(1).lower()
    return "#" + ("".join(c * 2 for c in digits) if len(digits) == 3 else digits)


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a #rrggbb colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def colour_problem(field: str, value: str) -> str:
    theme, backgrounds = THEMES[field]
    if not value:
        return ""
    if not HEX.match(value):
        return "Enter a colour as # and six hex digits, such as #2f5d8a."
    colour = normalise_colour(value)
    worst = min(contrast(colour, bg) for bg in backgrounds)
    if worst < MIN_CONTRAST:
        return (
            f"{colour} has {worst:.2f}:1 contrast against the {theme} theme's background; "
            f"it needs at least {MIN_CONTRAST}:1 ({MIN_CONTRAST - worst:.2f} short). "
            + ("Choose a darker colour." if theme == "light" else "Choose a lighter colour.")
        )
    return ""


def url_problem(value: str) -> str:
    if not value:
        return ""
    if len(value) > URL_MAX:
        return f"Use at most {URL_MAX} characters (this has {len(value)})."
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname or re.search(r"\s", value):
        return "Enter a full https:// address, such as https://intranet.example.org/policy."
    return ""


def name_problem(value: str) -> str:
    if not value:
        return "Enter the organisation's name."
    return _length(value, NAME_MAX) or _one_line(value)


def contact_problem(value: str) -> str:
    return _length(value, CONTACT_MAX) or _one_line(value)


def markdown_problem(value: str) -> str:
    """Markdown without HTML, and links only to https:, mailto: and tel: addresses."""
    if problem := _length(value, MARKDOWN_MAX):
        return problem
    if TAG.search(value):
        return "Remove the HTML tags: write plain text or Markdown, such as **bold** or [a link](https://…)."
    children = [child for token in _links.parse(value) for child in token.children or []]
    if any(child.type == "image" for child in children):
        return "Images are not shown here; link to the page instead."
    hrefs = [str(c.attrGet("href")) for c in children if c.type == "link_open"]
    if BAD_SCHEME.search(value) or any(not h.startswith(SAFE_LINK_SCHEMES) for h in hrefs):
        return "Links may only go to https://, mailto: or tel: addresses."
    return ""


def _length(value: str, most: int) -> str:
    return f"Use at most {most} characters (this has {len(value)})." if len(value) > most else ""


def zone_problem(value: str) -> str:
    """An IANA time zone name, such as Europe/London ("" keeps UTC)."""
    if value and value not in available_timezones():
        return "Enter a time zone name such as Europe/London, America/New_York or UTC."
    return ""


def _one_line(value: str) -> str:
    return "Keep this to one line." if re.search(r"[\r\n\t\x00-\x1f]", value) else ""


CHECKS: dict[str, Callable[[str], str]] = {
    "organisation_name": name_problem,
    "accent_colour": lambda v: colour_problem("accent_colour", v),
    "accent_colour_dark": lambda v: colour_problem("accent_colour_dark", v),
    "harassment_policy_url": url_problem,
    "equality_policy_url": url_problem,
    "who_to_talk_to": markdown_problem,
    "employee_network_contact": contact_problem,
    "mentoring_programme_contact": contact_problem,
    "external_reporting_line": contact_problem,
    "support_line": contact_problem,
    "time_zone": zone_problem,
}


def problems(values: dict[str, str]) -> dict[str, str]:
    """A message for each field whose value may not be saved, in the form's order."""
    found = {name: check(values.get(name, "")) for name, check in CHECKS.items()}
    return {name: message for name, message in found.items() if message}


def cleaned(values: dict[str, str]) -> dict[str, str]:
    """Values as stored: trimmed, colours as #rrggbb, line endings as \\n."""
    out = {k: v.replace("\r\n", "\n").strip() for k, v in values.items()}
    for field in THEMES:
        if out.get(field):
            out[field] = normalise_colour(out[field])
    return out
