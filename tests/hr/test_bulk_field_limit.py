"""Outside test F14: ticking more people than a bulk action takes gives a clear page in the
site's layout ("at most 500 ... Select all"), never Starlette's bare "Too many fields"."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.hr.bulk import MAX_TICKED
from app.models import Assignment
from tests.hr.bulk_helpers import post_bulk
from tests.hr.factories import make_people
from tests.security.people_helpers import signed_in

ADVICE = f"tick at most {MAX_TICKED} people at once; for more, use “Select all"


@pytest.fixture
def hr(app: FastAPI, session: Session) -> TestClient:
    return signed_in(app, session, "hana@example.com", "hr")


@pytest.mark.parametrize("count", [MAX_TICKED + 1, 600, 950, 1_200, 5_000])
def test_too_many_ticked_people_get_the_limit_and_the_way_on(
    hr: TestClient, session: Session, count: int
) -> None:
    (ana,) = make_people(session, 1)
    ids = [ana.id, *range(1_000_000, 1_000_000 + count - 1)]
    response = post_bulk(hr, {"action": "assign", "ids": ids, "modules": ["first-steps"]})
    assert response.status_code in (400, 422)
    assert ADVICE.lower() in response.text.lower()
    assert "Maximum number of fields" not in response.text
    assert 'class="site-header"' in response.text  # the site's layout, not a bare page
    assert session.exec(select(Assignment)).first() is None


def test_over_the_field_limit_the_page_links_back_to_the_people_list(
    hr: TestClient, session: Session
) -> None:
    response = post_bulk(hr, {"action": "deactivate", "ids": list(range(1, 1_500))})
    assert response.status_code == 400
    assert "<h1>Too many people ticked</h1>" in response.text
    assert 'href="/hr/people">Back to the people list' in response.text


def test_another_form_over_the_field_limit_gets_the_general_message(
    hr: TestClient, session: Session
) -> None:
    data = {f"f{i}": "x" for i in range(1_100)}
    response = hr.post("/hr/people/add", data=data)
    assert response.status_code in (400, 403)
    assert "Maximum number of fields" not in response.text
