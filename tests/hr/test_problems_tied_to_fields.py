"""Issue 16 on HR's forms: a problem of the whole import file is tied to the file field and
summarised like any form's, messages after a full page load are focused once rather than
left in a live region, bad rows are counted by line, and a typed non-address is named whole
(WCAG 3.3.1, 3.3.3, 4.1.3)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.factories import make_user
from tests.hr.test_assignments import post
from tests.hr.test_import import HEADER, upload
from tests.page_structure import Structure

FILE_PROBLEMS = [
    ("people.csv", b"mail,name\nana@example.com,Ana\n", 422, "are missing"),
    ("people.xlsx", b"PK\x03\x04binary-workbook", 422, "not a CSV file"),
    ("people.csv", b"%PDF-1.7\x00\x00", 422, "looks like a PDF"),
    ("people.csv", b"", 422, ""),
]


def file_input(page: str) -> str:
    match = re.search(r"<input id=\"file\"[^>]*>", page)
    assert match, "no file field"
    return match.group(0)


@pytest.mark.parametrize(("name", "body", "status", "words"), FILE_PROBLEMS)
def test_a_file_problem_is_tied_to_the_file_field_and_summarised(
    hr_client: TestClient, name: str, body: bytes, status: int, words: str
) -> None:
    response = upload(hr_client, body, name=name)
    page = response.text  # type: ignore[attr-defined]
    assert response.status_code == status, page[:300]  # type: ignore[attr-defined]
    field = file_input(page)
    assert 'aria-invalid="true"' in field
    described = re.search(r'aria-describedby="([^"]+)"', field)
    assert described and "file-error" in described.group(1).split()
    error = re.search(r'<span class="field-error" id="file-error">([^<]+)</span>', page)
    assert error and words in error.group(1)
    summary = page[page.index('class="error-summary"') :]
    assert "data-focus" in summary[:120] and 'href="#file"' in summary[: summary.index("</div>")]
    assert page.count('role="alert"') == 1, "one alert: the summary"


def test_a_fresh_import_form_is_not_marked_invalid(hr_client: TestClient) -> None:
    page = hr_client.get("/hr/import").text
    assert "aria-invalid" not in file_input(page)
    assert "error-summary" not in page


def test_bad_rows_are_counted_by_line_not_by_problem(hr_client: TestClient) -> None:
    bad = "\n".join(
        [
            HEADER,
            "not-an-email,Bad Email,Sales,,wizard,",  # two problems, one line
            ",No Email,Sales,,,",
            "role@example.com,Role,Sales,,wizard,",
            "fine@example.com,Fine,Sales,,,",
        ]
    )
    page = upload(hr_client, bad).text  # type: ignore[attr-defined]
    assert page.count("Line 2,") == 2, "the line's two problems are both listed"
    assert '<p class="stat-value">3</p><p class="stat-label">bad rows</p>' in page
    one = upload(hr_client, "\n".join([HEADER, "x,Y,Sales,,wizard,"])).text  # type: ignore[attr-defined]
    assert '<p class="stat-value">1</p><p class="stat-label">bad row</p>' in one


def test_import_problems_are_focused_on_load_not_a_live_region(hr_client: TestClient) -> None:
    page = upload(hr_client, "\n".join([HEADER, ",No Email,Sales,,,"])).text  # type: ignore[attr-defined]
    rows = re.search(r"<section class=\"error-summary\"[^>]*>", page)
    assert rows and "data-focus-on-load" in rows.group(0) and 'tabindex="-1"' in rows.group(0)
    assert 'role="alert"' not in page and page.count("aria-live") == 1, "only the announcer"


def test_reminders_queued_message_is_focused_on_load_not_a_live_region(
    hr_client: TestClient,
) -> None:
    page = hr_client.get("/hr/reminders?queued=4").text
    message = re.search(r'<div class="flash flash-ok"[^>]*>\s*Queued 4 reminder emails', page)
    assert message, "the queued message is shown"
    assert "data-focus-on-load" in message.group(0) and 'role="status"' not in message.group(0)
    assert page.count('role="status"') == 1, "only the announcer"


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("not an email", "“not an email” is not an e-mail address."),
        ("ana@example.com, just words", "“just words” is not an e-mail address."),
        ("nobody", "“nobody” is not an e-mail address."),
    ],
)
def test_a_typed_entry_that_is_not_an_address_is_named_whole(
    hr_client: TestClient, session: Session, typed: str, said: str
) -> None:
    make_user(session, "ana@example.com")
    response = post(hr_client, "/hr/assignments", {"scope": "course", "emails": typed})
    assert response.status_code == 422  # type: ignore[attr-defined]
    error = re.search(r'id="emails-error">([^<]+)<', response.text)  # type: ignore[attr-defined]
    assert error, response.text[:500]  # type: ignore[attr-defined]
    text = error.group(1).replace("&#8220;", "“").replace("&#8221;", "”")
    assert said in text
    assert "No active account" not in text and ", an," not in text


def test_addresses_split_by_spaces_are_still_each_checked(
    hr_client: TestClient, session: Session
) -> None:
    make_user(session, "ana@example.com")
    response = post(
        hr_client, "/hr/assignments", {"scope": "course", "emails": "ana@example.com ghost@x.org"}
    )
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "No active account has the email(s) ghost@x.org;" in response.text  # type: ignore[attr-defined]
    assert Structure(response.text).h1  # type: ignore[attr-defined]
