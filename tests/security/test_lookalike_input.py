"""Names and addresses that could forge lines in e-mails or pose as someone else's mailbox.

An outside test imported a name holding a line break ("Eve\\r\\nBcc: ..."), which then
opened invitation and reminder e-mails with lines of the importer's choosing, and created
accounts at "hr@example.com." and a full-width look-alike of an HR address.
"""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models import User
from tests.hr.test_import import upload

LOOKALIKES = ["hr@example.com.", "\uff48r@example.com", "hr..x@example.com", ".hr@example.com"]


def _csv(*rows: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["email", "name", "department"])
    writer.writerows(rows)
    return out.getvalue()


def test_import_refuses_line_breaks_in_names_and_departments(
    hr: TestClient, session: Session
) -> None:
    content = _csv(
        ["eve@example.com", "Eve\r\nBcc: victim@example.com", "Sales"],
        ["al@example.com", "Al", "Sales\nX-Injected: yes"],
        ["bo@example.com", "Bo\u2028Hidden", "Sales"],
    )
    text = upload(hr, content).text  # type: ignore[attr-defined]
    assert "Line 2, name: contains a line break or control character" in text
    # Lines as an editor numbers them: each quoted line break starts a new one.
    assert "Line 4, department: contains a line break or control character" in text
    assert "Line 6, name: contains a line break or control character" in text
    assert session.exec(select(User).where(User.email == "eve@example.com")).first() is None


@pytest.mark.parametrize("address", LOOKALIKES)
def test_import_refuses_lookalike_addresses(hr: TestClient, address: str) -> None:
    text = upload(hr, _csv([address, "Look Alike", "Sales"])).text  # type: ignore[attr-defined]
    assert "Line 2, email:" in text
    assert "To add (0)" in text or "To add" not in text


@pytest.mark.parametrize("address", LOOKALIKES)
def test_api_refuses_lookalike_addresses(
    client: TestClient, key: dict[str, str], session: Session, address: str
) -> None:
    response = client.put("/api/v1/people/X1", json={"email": address, "name": "A"}, headers=key)
    assert response.status_code == 422
    assert "email" in response.text
    assert session.exec(select(User).where(User.external_id == "X1")).first() is None


@pytest.mark.parametrize("field", ["name", "department"])
def test_api_refuses_line_breaks_in_names(
    client: TestClient, key: dict[str, str], field: str
) -> None:
    body = {"email": "eve@example.com", "name": "Eve", field: "Eve\r\nSubject: pwned"}
    response = client.put("/api/v1/people/X2", json=body, headers=key)
    assert response.status_code == 422
    assert field in response.text
