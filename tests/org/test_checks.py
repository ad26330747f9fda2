"""The pure checks behind the settings form: WCAG contrast, colours, links, Markdown."""

from __future__ import annotations

import pytest

from app.org.checks import colour_problem, contrast, markdown_problem, normalise_colour


@pytest.mark.parametrize(
    ("a", "b", "ratio"),
    [("#000000", "#ffffff", 21.0), ("#767676", "#ffffff", 4.54), ("#ffffff", "#ffffff", 1.0)],
)
def test_contrast_matches_wcag_reference_values(a: str, b: str, ratio: float) -> None:
    assert round(contrast(a, b), 2) == ratio


@pytest.mark.parametrize(
    ("field", "colour", "ok"),
    [
        ("accent_colour", "#2f5d8a", True),  # the course's own light accent
        ("accent_colour_dark", "#8cb8e6", True),  # and its dark one
        ("accent_colour", "#777777", False),  # 4.48:1 on white: just short
        ("accent_colour", "#767676", False),  # 4.54 on white, 4.35 on the page's #fbfaf7
        ("accent_colour", "#6f6f6f", True),
        ("accent_colour_dark", "#767676", False),
    ],
)
def test_colour_problem_checks_every_background_of_its_theme(
    field: str, colour: str, ok: bool
) -> None:
    assert (colour_problem(field, colour) == "") is ok


def test_short_hex_colours_are_stored_long_and_lower_case() -> None:
    assert normalise_colour("#ABC") == "#aabbcc" and normalise_colour("1a4d2e") == "#1a4d2e"


@pytest.mark.parametrize(
    "text",
    [
        "Talk to **Priya** in HR: [priya@example.org](mailto:priya@example.org)",
        "- Call [0800 123](tel:0800123)\n- Read [the page](https://intranet.example.org/hr)",
        "Use the <https://intranet.example.org/speak-up> form",
    ],
)
def test_markdown_with_safe_links_is_accepted(text: str) -> None:
    assert markdown_problem(text) == ""


@pytest.mark.parametrize(
    "text",
    [
        '<img src=x onerror="alert(1)">',
        "<a href='https://x.org'>x</a>",
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](vbscript:msgbox)",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "![tracker](https://evil.example/pixel.png)",
        "[x](//evil.example/)",
    ],
)
def test_markdown_with_html_or_unsafe_links_is_refused(text: str) -> None:
    assert markdown_problem(text) != ""
