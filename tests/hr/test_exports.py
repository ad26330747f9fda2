"""CSV exports: exactly the report's rows, long and pivot, spreadsheet-safe, attachment, audited."""

from __future__ import annotations

import csv
import io
import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.hr.exports import safe_cell
from app.models import AuditEvent
from tests.factories import make_department, make_user
from tests.hr.factories import (
    make_assignment,
    make_attempt,
    make_completion,
    make_people,
    make_read,
)


def rows_of(response: object) -> list[list[str]]:
    text = response.content.decode("utf-8-sig")  # type: ignore[attr-defined]
    return list(csv.reader(io.StringIO(text)))


def people_on_screen(client: TestClient, query: str) -> list[str]:
    emails: list[str] = []
    page = 1
    while True:
        html = client.get(f"/hr/people?{query}&page={page}").text
        emails += re.findall(r'<span class="muted">([^<·]+?)(?: · [^<]*)?</span></t[dh]>', html)
        if f"Page {page} of {page}" in html or "No one matches" in html:
            return emails
        page += 1


@pytest.mark.parametrize(
    "query",
    ["", "status=in-progress", "overdue=no&sort=progress", "q=person+p01", "department={sales}"],
)
def test_export_rows_are_exactly_the_people_report_rows_for_the_same_filters(
    hr_client: TestClient, session: Session, query: str
) -> None:
    sales = make_department(session, "Sales")
    people = make_people(session, 60, sales) + make_people(session, 5, prefix="x")
    for person in people[:30]:
        make_assignment(session, person, "first-steps")
    for person in people[:10]:
        make_read(session, person)
    query = query.format(sales=sales.id)
    screen = people_on_screen(hr_client, query)
    pivot = rows_of(hr_client.get(f"/hr/people/export.csv?kind=pivot&{query}"))
    assert [r[1] for r in pivot[1:]] == screen
    long = rows_of(hr_client.get(f"/hr/people/export.csv?kind=long&{query}"))
    assert [r[1] for r in long[1::2]] == screen  # two modules per person, in the same order
    assert len(long) - 1 == 2 * len(screen)


def test_export_long_has_status_dates_scores_and_attempts_as_numbers(
    hr_client: TestClient, session: Session
) -> None:
    ana = make_user(session, "ana@example.com", name="Ana Example")
    make_assignment(session, ana, "first-steps")
    make_read(session, ana)
    make_attempt(session, ana, points={"standup": 1, "review": 0})
    make_attempt(session, ana, points={"standup": 2, "review": 2})
    make_completion(session, ana)
    response = hr_client.get("/hr/people/export.csv?kind=long&q=ana%40")
    header, first, second = rows_of(response)
    row = dict(zip(header, first, strict=True))
    assert row["module_id"] == "first-steps" and row["status"] == "complete"
    assert (row["attempts"], row["first_score"], row["best_score"]) == ("2", "25", "100")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["completed_on"])
    assert dict(zip(header, second, strict=True))["status"] == "not assigned"
    raw = response.content.decode("utf-8-sig").splitlines()[1]
    assert ",2,25,100," in raw  # numbers are written unquoted


def test_export_pivot_has_one_column_per_module(hr_client: TestClient, session: Session) -> None:
    ana = make_user(session, "ana@example.com")
    make_assignment(session, ana, "first-steps")
    make_completion(session, ana)
    header, row = rows_of(hr_client.get("/hr/people/export.csv?kind=pivot&q=ana%40"))
    assert header[-2:] == ["First steps", "Second steps"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row[-2]) and row[-1] == "not assigned"


def test_export_neutralises_formulas_in_text_cells(hr_client: TestClient, session: Session) -> None:
    make_user(session, "evil@example.com", name='=HYPERLINK("http://x","click")')
    make_user(session, "plus@example.com", name="+1 call me")
    make_user(session, "tab@example.com", name="\tTabbed")
    rows = rows_of(hr_client.get("/hr/people/export.csv?kind=pivot"))
    names = {r[1]: r[2] for r in rows[1:]}
    assert names["evil@example.com"].startswith("'=")
    assert names["plus@example.com"] == "'+1 call me"
    assert names["tab@example.com"].startswith("'")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+44 20", "'+44 20"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\rx", "'\rx"),
        ("Ana", "Ana"),
        (-2, -2),
        (75, 75),
        (None, ""),
        (True, "yes"),
    ],
)
def test_safe_cell_neutralises_text_and_keeps_numbers(value: object, expected: object) -> None:
    assert safe_cell(value) == expected


def test_export_is_an_uncached_attachment_named_with_date_and_filters_and_audited(
    hr_client: TestClient, session: Session
) -> None:
    sales = make_department(session, "Sales & Co")
    response = hr_client.get(
        f"/hr/people/export.csv?kind=long&department={sales.id}&status=complete"
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["cache-control"] == "no-store"
    disposition = response.headers["content-disposition"]
    assert re.fullmatch(
        r'attachment; filename="allyship-progress-long-\d{4}-\d{2}-\d{2}-dept-sales-co-status-complete\.csv"',
        disposition,
    )
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "report.export")).one()
    assert "status" in event.detail and event.target in disposition


def test_export_unknown_kind_is_refused_with_message(hr_client: TestClient) -> None:
    response = hr_client.get("/hr/people/export.csv?kind=xlsx")
    assert response.status_code == 422 and "“long”" in response.text
