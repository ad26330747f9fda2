"""An admin makes the course the organisation's own; a learner's lesson 5 shows it at once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import delete

from app.config import PROJECT_ROOT
from app.content.slots import SLOTS
from app.db import session_for
from app.models import OrgLogo, OrgSetting
from tests.e2e.conftest import LiveServer, assert_accessible, sign_in
from tests.factories import make_user

SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
LESSON = "/modules/listen-to-women"
POLICY = "https://intranet.northwind.example/policies/dignity-at-work"
WHO = (
    "Talk to **Priya Shah**, our dignity-at-work lead: "
    "[priya.shah@northwind.example](mailto:priya.shah@northwind.example) or 020 7946 0321."
)
LOGO = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40">'
    b'<circle cx="20" cy="20" r="18" fill="#1a4d2e"/>'
    b'<path d="M12 28V12l16 16V12" stroke="#fff" stroke-width="4" fill="none"/></svg>'
)


@pytest.fixture(scope="module")
def admin(live_server: LiveServer) -> str:
    with session_for(live_server.db_url) as session:
        make_user(session, "admin-org@example.com", name="Ada Admin", role="admin")
    return "admin-org@example.com"


@pytest.fixture
def admin_email(live_server: LiveServer, admin: str) -> Iterator[str]:
    """An admin of the shared server; the settings are cleared after, for the other tests."""
    yield admin
    with session_for(live_server.db_url) as session:
        session.execute(delete(OrgSetting))
        session.execute(delete(OrgLogo))
        session.commit()


def test_admin_sets_policy_and_who_to_talk_to_and_the_learners_lesson_shows_them(
    browser: Browser, live_server: LiveServer, admin_email: str
) -> None:
    learner = browser.new_page()
    sign_in(learner, live_server, "learner@example.com")
    learner.goto(f"{live_server.url}{LESSON}")
    expect(learner.locator('[data-slot="harassment_policy"]')).to_have_text(
        SLOTS["harassment_policy"].neutral
    )
    expect(learner.locator('[data-slot="who_to_talk_to"]')).to_have_text(
        SLOTS["who_to_talk_to"].neutral
    )

    admin = browser.new_page()
    sign_in(admin, live_server, admin_email)
    admin.goto(f"{live_server.url}/admin/settings")
    admin.get_by_label("Organisation name").fill("Northwind Trading")
    admin.get_by_label("Harassment policy (link)").fill("javascript:alert(1)")
    admin.get_by_label("Who to talk to").fill(WHO)
    admin.get_by_role("button", name="Save settings").click()
    expect(admin.locator("#harassment_policy_url-error")).to_contain_text("https://")
    expect(admin.get_by_label("Who to talk to")).to_have_value(WHO)  # the form kept
    admin.get_by_label("Harassment policy (link)").fill(POLICY)
    admin.get_by_label("Accent colour, light theme").fill("#1a4d2e")
    admin.get_by_role("button", name="Save settings").click()
    saved = admin.locator(".flash", has_text="Settings saved.")
    expect(saved).to_be_visible()
    expect(saved).to_be_focused()  # a message on a loaded page takes focus once
    admin.get_by_label("Upload a logo").set_input_files(
        {"name": "northwind.svg", "mimeType": "image/svg+xml", "buffer": LOGO}
    )
    admin.get_by_role("button", name="Upload logo").click()
    expect(admin.get_by_text("Logo saved.")).to_be_visible()
    expect(admin.locator(".brand")).to_contain_text("Northwind Trading")
    # The logo has drawn: wait for the image to load rather than read it mid-load.
    admin.wait_for_function(
        "() => { const img = document.querySelector('.brand-logo');"
        " return img && img.complete && img.naturalWidth > 0; }",
        timeout=10_000,
    )
    assert_accessible(admin, "organisation settings")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    admin.screenshot(path=str(SCREENSHOTS / "org-settings.png"), full_page=True)

    learner.reload()
    policy = learner.locator('[data-slot="harassment_policy"] a')
    expect(policy).to_have_attribute("href", POLICY)
    expect(learner.locator('[data-slot="who_to_talk_to"] strong')).to_have_text("Priya Shah")
    expect(learner.locator(".brand")).to_contain_text("Northwind Trading")
    accent = learner.evaluate(
        "getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()"
    )
    assert accent == "#1a4d2e"
    learner.locator('[data-slot="harassment_policy"]').scroll_into_view_if_needed()
    learner.evaluate("window.scrollBy(0, -220)")
    learner.screenshot(path=str(SCREENSHOTS / "lesson-org-slots.png"))


def test_settings_page_saves_with_javascript_off(
    browser: Browser, live_server: LiveServer, admin_email: str
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page: Page = context.new_page()
    sign_in(page, live_server, admin_email)
    page.goto(f"{live_server.url}/admin/settings")
    page.get_by_label("Support line").fill("Employee assistance, 0800 000 111")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    expect(page.get_by_label("Support line")).to_have_value("Employee assistance, 0800 000 111")
    page.get_by_label("Accent colour, dark theme").fill("#2f5d8a")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator("#accent_colour_dark-error")).to_contain_text("dark theme")
    context.close()
