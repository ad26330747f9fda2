"""HR in a real browser: import a CSV, assign a module, filter the people table, download the export."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer, assert_accessible, shot, sign_in

PEOPLE_CSV = (
    "email,name,department,manager email,role,external id,office\n"
    "rui.costa@example.com,Rui Costa,Logistics,,learner,E-100,Lisbon\n"
    "amina.yusuf@example.com,Amina Yusuf,Logistics,rui.costa@example.com,learner,E-101,Lagos\n"
    "tom.berg@example.com,Tom Berg,Research,,learner,E-102,Oslo\n"
)


def test_hr_imports_assigns_filters_and_exports(page: Page, live_server: LiveServer) -> None:
    sign_in(page, live_server, "hr@example.com")
    page.goto(f"{live_server.url}/hr")
    shot(page, "hr-dashboard")
    assert_accessible(page, "HR dashboard")

    page.goto(f"{live_server.url}/hr/import")
    page.get_by_label("CSV file (up to 10 MB)").set_input_files(
        files=[{"name": "people.csv", "mimeType": "text/csv", "buffer": PEOPLE_CSV.encode()}]
    )
    page.get_by_role("button", name="Preview the changes").click()
    expect(page.get_by_role("heading", name="To add (3)")).to_be_visible()
    expect(page.get_by_text("office")).to_be_visible()  # the extra column is listed as ignored
    shot(page, "hr-import-preview")
    assert_accessible(page, "import preview")
    page.get_by_role("button", name="Apply these changes").click()
    expect(page.get_by_role("heading", name="Import applied")).to_be_visible()

    page.goto(f"{live_server.url}/hr/assignments")
    form = page.locator("form").filter(has=page.get_by_role("button", name="Assign", exact=True))
    form.get_by_label("Only these modules:").check()
    form.get_by_label("Why allies matter").check()
    form.get_by_label("Logistics").check()
    form.get_by_label("Due date", exact=True).fill((date.today() + timedelta(days=21)).isoformat())
    form.get_by_role("button", name="Assign", exact=True).click()
    expect(page.locator("main")).to_contain_text("Logistics")
    assert_accessible(page, "assignments")

    page.goto(f"{live_server.url}/hr/people")
    page.get_by_label("Department").select_option(label="Logistics")
    page.get_by_role("button", name="Apply filters").click()
    table = page.get_by_role("table")
    expect(table).to_contain_text("Amina Yusuf")
    expect(table).not_to_contain_text("Tom Berg")
    shot(page, "hr-people-filtered")
    assert_accessible(page, "people, filtered")

    with page.expect_download() as info:
        page.get_by_role("link", name="CSV, one row per person and module").click()
    download = info.value
    assert "-dept-logistics" in download.suggested_filename
    rows = list(csv.DictReader(io.StringIO(download.path().read_text(encoding="utf-8-sig"))))
    names = {row.get("name") or row.get("Name") for row in rows}
    assert {"Rui Costa", "Amina Yusuf"} <= names and "Tom Berg" not in names
