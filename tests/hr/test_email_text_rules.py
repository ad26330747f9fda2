"""E-mail text checking and filling: named placeholders only, nothing evaluated (table-driven)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.mail import texts
from app.mail.stored_texts import render

INVITE = texts.KINDS[texts.INVITATION]
REMINDER = texts.KINDS[texts.REMINDER]
GOOD_INVITE_BODY = "Hello {name}, {link}"


@pytest.mark.parametrize("kind", list(texts.KINDS.values()), ids=lambda k: k.key)
def test_every_shipped_text_passes_its_own_check(kind: texts.Kind) -> None:
    texts.check(kind, subject=kind.subject, body=kind.body)


@pytest.mark.parametrize(
    ("kind", "subject", "body", "field", "named"),
    [
        (INVITE, "{organisation}: hi", "Hello {name}, welcome.", "body", "{link}"),
        (INVITE, "{organisation}: hi", "Hello {nmae}, {link}", "body", "{nmae}"),
        (INVITE, "Welcome {name}", GOOD_INVITE_BODY, "subject", "{organisation}"),
        (REMINDER, "{organisation}: {modules}", "{modules}", "subject", "{modules}"),
        (REMINDER, "{organisation}", "Hi {name}", "body", "{modules}"),
        (REMINDER, "{organisation}", "{modules} {link.__class__}", "body", "{link.__class__}"),
        (REMINDER, "{organisation}", "{modules} {0}", "body", "{0}"),
        (REMINDER, "{organisation}", "{modules} { name }", "body", "{ name }"),
        (REMINDER, "{organisation}", "{modules} a { here", "body", "“{”"),
        (REMINDER, "{organisation}", "{modules} {% if x %}", "body", "{% if x %}"),
        (INVITE, "{organisation}: {link}", GOOD_INVITE_BODY, "subject", ""),  # link fits a subject
        (REMINDER, "{organisation}\nBcc: x@example.com", "{modules}", "subject", "one line"),
        (REMINDER, "  ", "{modules}", "subject", "fill this in"),
        (REMINDER, "{organisation}", "x" * 10_001 + "{modules}", "body", "10000"),
    ],
)
def test_check_names_the_placeholder_or_problem(
    kind: texts.Kind, subject: str, body: str, field: str, named: str
) -> None:
    if not named:
        texts.check(kind, subject=subject, body=body)
        return
    with pytest.raises(texts.TextProblems) as refused:
        texts.check(kind, subject=subject, body=body)
    assert list(refused.value.problems) == [field]
    assert named in refused.value.problems[field]


def test_check_lists_what_can_be_used_when_a_placeholder_is_unknown() -> None:
    with pytest.raises(texts.TextProblems) as refused:
        texts.check(REMINDER, subject="{organisation} {expires_on}", body="{modules}")
    message = refused.value.problems["subject"]
    assert "{expires_on}" in message and "{due_date}" in message and "{modules}" not in message


@pytest.mark.parametrize(
    ("text", "filled"),
    [
        ("{{name}} is {name}", "{name} is Ana"),
        ("{{ 7*7 }}", "{ 7*7 }"),
        ("{{{name}}}", "{Ana}"),
        ("{link}", "{name}"),  # a value is never filled in again
    ],
)
def test_fill_replaces_names_only_and_never_evaluates(text: str, filled: str) -> None:
    assert texts.fill(text, {"name": "Ana", "link": "{name}"}) == filled


@given(value=st.text(max_size=200))
def test_fill_puts_any_value_in_verbatim(value: str) -> None:
    assert texts.fill("A {name} B", {"name": value}) == f"A {value} B"


def test_subject_values_are_kept_on_one_line() -> None:
    subject, body = render(
        "{organisation}: {name}",
        "{name}",
        {"organisation": "Acme", "name": "Ana\r\nBcc: evil@example.com"},
    )
    assert subject == "Acme: Ana Bcc: evil@example.com"
    assert "\n" in body
