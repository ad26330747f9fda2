"""Tables at phone width and at 200% zoom scroll sideways in their region, words kept whole;
a long organisation name wraps in the header (outside test F9, F23)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import Page
from sqlalchemy import delete
from sqlmodel import select

from app.clock import utcnow
from app.db import session_for
from app.models import OrgSetting, User
from tests.e2e.conftest import LiveServer, assert_accessible, no_horizontal_scroll, sign_in
from tests.factories import make_department, make_user
from tests.hr.factories import make_assignment, make_attempt, make_completion, make_read

WIDTHS = (390, 640)  # a phone; a 1280 px screen at 200% zoom
LONG_NAME = "Landesbetriebverkehrsinfrastrukturverwaltung"
# Each word of the table's text (a hyphen may end a line), as line boxes: a word drawn on
# more than one line was broken.
BROKEN_WORDS = """table => {
  const broken = [];
  const walker = document.createTreeWalker(table, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const match of node.textContent.matchAll(/[^\\s-]+/g)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
      if (lines.size > 1) { broken.push(match[0]); }
    }
  }
  return broken;
}"""


@pytest.fixture(scope="module")
def narrow(live_server: LiveServer) -> LiveServer:
    now = utcnow()
    module = live_server.catalog.modules[0].id
    with session_for(live_server.db_url) as session:
        culture = make_department(session, "People & Culture")
        boss = make_user(session, "nina.narrow@example.com", name="Nina Narrowboss")
        for i, name in enumerate(["Amara Haddad", "Bartholomew Okonkwo-Richardson"]):
            person = make_user(session, f"narrow{i}@example.com", name=name, department=culture)
            person.manager_id = boss.id
            session.add(person)
            session.commit()
            make_assignment(session, person, module, due_at=now + timedelta(days=10))
            make_read(session, person, module)
            make_attempt(session, person, module, points={"standup": 2, "review": 2})
            make_completion(session, person, module)
    return live_server


@pytest.fixture
def long_organisation_name(live_server: LiveServer) -> Iterator[None]:
    """The organisation's name set long for one test, then put back as it was."""
    with session_for(live_server.db_url) as session:
        was = session.get(OrgSetting, "organisation_name")
        before = was.value if was else None
        session.merge(OrgSetting(key="organisation_name", value=LONG_NAME))
        session.commit()
    yield
    with session_for(live_server.db_url) as session:
        session.execute(delete(OrgSetting).where(OrgSetting.key == "organisation_name"))
        if before is not None:
            session.add(OrgSetting(key="organisation_name", value=before))
        session.commit()


def _check_table(page: Page, url: str, table: str, label: str) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 844})
        page.goto(url)
        found = page.locator(table)
        found.scroll_into_view_if_needed()
        assert found.evaluate(BROKEN_WORDS) == [], f"{label} at {width} px"
        region = found.locator("xpath=ancestor::div[contains(@class, 'table-wrap')][1]")
        assert region.get_attribute("role") == "region" and region.get_attribute("tabindex") == "0"
        assert "scrolls sideways" in (region.get_attribute("aria-label") or "")
        assert region.evaluate("r => r.scrollWidth > r.clientWidth"), f"{label} scrolls"
        assert no_horizontal_scroll(page), f"{label}: the page itself scrolls at {width} px"
    assert_accessible(page, label)


def test_the_team_table_scrolls_in_its_region_with_whole_words(
    page: Page, narrow: LiveServer
) -> None:
    sign_in(page, narrow, "nina.narrow@example.com")
    _check_table(page, f"{narrow.url}/team", "#team-people-table", "team table")


def test_hr_people_and_person_tables_scroll_in_their_regions_with_whole_words(
    page: Page, narrow: LiveServer
) -> None:
    with session_for(narrow.db_url) as session:
        amara = session.exec(select(User).where(User.email == "narrow0@example.com")).one()
    sign_in(page, narrow, "hr@example.com")
    _check_table(page, f"{narrow.url}/hr/people?q=narrow", "#bulk table", "HR people table")
    person = f"{narrow.url}/hr/people/{amara.id}"
    _check_table(page, person, "#person-cycles", "recertification cycles")
    _check_table(page, person, "table:has(caption:text('Quiz attempts'))", "quiz attempts")


def test_a_long_organisation_name_wraps_in_the_header(
    page: Page, narrow: LiveServer, long_organisation_name: None
) -> None:
    sign_in(page, narrow, "narrow0@example.com")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 844})
        page.goto(f"{narrow.url}/")
        assert page.locator(".brand-org").inner_text() == LONG_NAME
        assert no_horizontal_scroll(page), f"the page scrolls sideways at {width} px"


def test_the_check_box_column_of_the_people_table_stays_narrow_on_a_phone(
    page: Page, narrow: LiveServer
) -> None:
    """Retest R10: at 390 px the check-box column took ~200 px and cut the names off."""
    sign_in(page, narrow, "hr@example.com")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{narrow.url}/hr/people?q=narrow")
    pick = page.locator("#bulk table thead th").first.bounding_box()
    name = page.locator("#bulk table tbody th[scope=row]").first.bounding_box()
    assert pick is not None and name is not None
    assert pick["width"] <= 90, f"check-box column {pick['width']:.0f} px wide"
    assert name["x"] + name["width"] <= 390, "the first name is cut at the screen edge"
    assert page.get_by_label("Select all on this page").is_visible()
