"""An admin edits an e-mail text in a real browser, previews it on sample data, and saves it."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from app.db import session_for
from tests.e2e.conftest import LiveServer, assert_accessible, shot, sign_in
from tests.factories import make_user

BODY = "<script>window.hacked = 1</script>Hello {name},\n\n{modules}\n\nSee you, {organisation}"


def test_admin_edits_previews_and_saves_a_reminder_text(
    page: Page, live_server: LiveServer
) -> None:
    with session_for(live_server.db_url) as session:
        make_user(session, "mail-admin@example.com", name="Mo Admin", role="admin")
    sign_in(page, live_server, "mail-admin@example.com")
    page.goto(f"{live_server.url}/hr/emails")
    assert_accessible(page, "e-mail texts")
    page.get_by_role("link", name="Reminder", exact=True).click()
    expect(page.get_by_role("heading", name="Reminder e-mail")).to_be_visible()
    expect(page.locator("#preview-body")).to_contain_text("Hello Sam Sample")

    page.get_by_label("Subject").fill("{organisation}: a nudge for {name}")
    page.get_by_label("Body").fill(BODY)
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview-subject")).to_have_text(
        "A nudge for Sam Sample"  # no organisation name set: none made up (F10)
    )
    preview = page.locator("#preview-body")
    expect(preview).to_contain_text("<script>window.hacked = 1</script>Hello Sam Sample,")
    expect(preview).to_contain_text("See you, Allies in Practice")
    assert page.evaluate("window.hacked === undefined")
    assert page.url.endswith("/hr/emails/reminder")  # swapped in place, nothing saved yet
    shot(page, "email-text-preview")
    assert_accessible(page, "e-mail text preview")

    page.get_by_label("Body").fill("Hello {name}, no list")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#email-preview")).to_contain_text("put {modules} in it")

    page.get_by_label("Body").fill(BODY)
    page.get_by_role("button", name="Save").click()
    expect(
        page.get_by_text("Saved. Every reminder e-mail from now on uses this text.")
    ).to_be_visible()
    expect(page.get_by_label("Subject")).to_have_value("{organisation}: a nudge for {name}")
    page.get_by_role("button", name="Send me a test").click()
    expect(page.get_by_text("A test is queued for mail-admin@example.com")).to_be_visible()
    page.get_by_label("Yes, replace the edited text (it is not kept)").check()
    page.get_by_role("button", name="Restore the default text").click()
    expect(page.get_by_text("The shipped text is back.")).to_be_visible()
    expect(page.get_by_label("Subject")).to_have_value(
        "{organisation}: {course} is due on {due_date}"
    )
