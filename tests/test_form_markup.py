"""The markup of forms shown again with problems (app/web/form_markup.py)."""

from __future__ import annotations

from app.web.form_markup import described, error_summary, field_error


def test_nothing_is_added_when_there_is_no_problem() -> None:
    assert error_summary(None) == error_summary({}) == ""
    assert field_error({}, "due") == field_error(None, "due") == ""
    assert described(None, "due") == ""
    assert described({}, "due", hint="due-hint") == 'aria-describedby="due-hint"'


def test_summary_links_each_problem_to_its_field_and_escapes_messages() -> None:
    html = error_summary({"text": "Too <long>", "form": "Try again"}, {"text": "reflection-text"})
    assert 'role="alert"' in html and "There is a problem" in html
    assert '<a href="#reflection-text">Too &lt;long&gt;</a>' in html
    assert '<a href="#form">Try again</a>' in html


def test_field_error_and_aria_attributes_refer_to_each_other() -> None:
    errors = {"due": "Enter a date as YYYY-MM-DD."}
    assert field_error(errors, "due", "due-date") == (
        '<span class="field-error" id="due-date-error">Enter a date as YYYY-MM-DD.</span>'
    )
    assert described(errors, "due", "due-date", hint="due-hint") == (
        'aria-invalid="true" aria-describedby="due-date-error due-hint"'
    )
    assert described(errors, "due") == 'aria-invalid="true" aria-describedby="due-error"'
