"""The markup of a form shown again with problems (app/web/forms.py), as template globals.

`errors` maps a field name to its message. Plain functions rather than Jinja macros: they
run on every form page, including each lesson's reflection box, and a macro call cost
several times the markup it returns (bench/NOTES.md).
"""

from __future__ import annotations

from collections.abc import Mapping

from markupsafe import Markup, escape

NOTHING = Markup("")
SUMMARY = Markup(
    '<div class="error-summary" role="alert" tabindex="-1" data-focus>\n'
    "  <h2>There is a problem</h2>\n  <ul>{}</ul>\n</div>"
)


def error_summary(
    errors: Mapping[str, str] | None, anchors: Mapping[str, str] | None = None
) -> Markup:
    """The summary at the top of the form, each problem linked to its field."""
    if not errors:
        return NOTHING
    anchors = anchors or {}
    items = Markup("").join(
        Markup('<li><a href="#{}">{}</a></li>').format(anchors.get(name, name), message)
        for name, message in errors.items()
    )
    return SUMMARY.format(items)


def field_error(errors: Mapping[str, str] | None, name: str, id: str | None = None) -> Markup:
    """The message next to one field (its id is `<id>-error`)."""
    if errors and errors.get(name):
        where, message = escape(id or name), escape(errors[name])
        return Markup(f'<span class="field-error" id="{where}-error">{message}</span>')
    return NOTHING


def described(
    errors: Mapping[str, str] | None,
    name: str,
    id: str | None = None,
    hint: str | None = None,
) -> Markup:
    """A field's aria-invalid and aria-describedby attributes (its error, then its hint)."""
    if errors and errors.get(name):
        after = f" {escape(hint)}" if hint else ""
        return Markup(f'aria-invalid="true" aria-describedby="{escape(id or name)}-error{after}"')
    if hint:
        # f-strings with escape(): Markup.format goes through string.Formatter, several
        # times slower, and this runs on every lesson page.
        return Markup(f'aria-describedby="{escape(hint)}"')
    return NOTHING
