"""/admin/settings: admins only, CSRF, audited, kept per field, every bad value named by its field."""

from __future__ import annotations

import json
import threading

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlmodel import Session, select

from app.config import Settings
from app.models import AuditEvent, OrgSetting
from app.org.settings_store import FIELDS, LABELS, defaults, org_settings
from tests.org.helpers import PAGE, error_of, form_on, open_form, save, send, signed_in_as


@pytest.mark.parametrize("role", ["learner", "facilitator", "hr"])
def test_settings_other_roles_can_neither_read_nor_change(
    client: TestClient, session: Session, role: str
) -> None:
    signed_in_as(client, session, role)
    assert client.get(PAGE).status_code == 403
    token = open_token(client)
    changed = client.post(PAGE, data={"organisation_name": "Taken", "csrf_token": token})
    assert changed.status_code == 403
    logo = client.post(
        f"{PAGE}/logo", data={"csrf_token": token}, files={"logo": ("a.png", b"x", "image/png")}
    )
    assert logo.status_code == 403
    remove = {"csrf_token": token, "confirm": "yes"}
    assert client.post(f"{PAGE}/logo/remove", data=remove).status_code == 403
    assert session.exec(select(OrgSetting)).all() == []


def open_token(client: TestClient) -> str:
    from tests.conftest import csrf_from

    return csrf_from(client.get("/account").text)


def test_settings_signed_out_is_sent_to_sign_in(client: TestClient) -> None:
    page = client.get(PAGE)
    assert page.status_code == 303 and "/login" in page.headers["location"]


def test_settings_post_without_csrf_token_changes_nothing(
    client: TestClient, session: Session
) -> None:
    signed_in_as(client, session, "admin")
    form, _ = open_form(client)
    refused = client.post(PAGE, data={**form, "organisation_name": "Forged Ltd"})
    assert refused.status_code == 403
    assert session.exec(select(OrgSetting)).all() == []


def test_settings_saved_are_stored_audited_with_old_and_new_and_shown_in_the_header(
    client: TestClient, session: Session
) -> None:
    signed_in_as(client, session, "admin")
    done = save(client, organisation_name="Northwind Trading", support_line="EAP 0800 123 456")
    assert done.status_code == 303
    page = client.get(done.headers["location"])
    assert "Settings saved." in page.text
    assert '<span class="brand-org">Northwind Trading</span>' in page.text
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "org.setting")).all()
    details = {e.target: json.loads(e.detail) for e in events}
    assert details == {
        "organisation_name": {"old": "", "new": "Northwind Trading"},
        "support_line": {"old": "", "new": "EAP 0800 123 456"},
    }


def test_settings_unset_show_the_environment_defaults(app: FastAPI, settings: Settings) -> None:
    with_env = settings.model_copy(
        update={"organisation_name": "Env Org", "support_line": "Env line"}
    )
    org = org_settings(app.state.engine, with_env)
    assert (org.organisation_name, org.support_line, org.who_to_talk_to) == (
        "Env Org",
        "Env line",
        "",
    )


BAD = [
    ("organisation_name", "x" * 121, "Use at most 120 characters (this has 121)."),
    ("accent_colour", "blue", "Enter a colour as # and six hex digits, such as #2f5d8a."),
    ("harassment_policy_url", "javascript:alert(1)", "Enter a full https:// address"),
    ("harassment_policy_url", "http://intranet/policy", "Enter a full https:// address"),
    ("equality_policy_url", "https://", "Enter a full https:// address"),
    ("who_to_talk_to", "<script>alert(1)</script>", "Remove the HTML tags"),
    ("who_to_talk_to", "[HR](javascript:alert(1))", "Links may only go to https://"),
    ("who_to_talk_to", "[HR](http://example.org)", "Links may only go to https://"),
    ("support_line", "line one\nline two", "Keep this to one line."),
    ("employee_network_contact", "n" * 301, "Use at most 300 characters (this has 301)."),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD)
def test_settings_bad_value_is_named_by_its_field_and_the_form_kept(
    client: TestClient, session: Session, field: str, value: str, message: str
) -> None:
    signed_in_as(client, session, "admin")
    refused = save(client, **{field: value, "mentoring_programme_contact": "Kept, typed"})
    assert refused.status_code == 422
    assert message in error_of(refused.text, field), error_of(refused.text, field)
    kept = form_on(refused.text)
    assert kept["mentoring_programme_contact"] == "Kept, typed"
    assert kept[field] == value.strip()
    assert session.exec(select(OrgSetting)).all() == []


@pytest.mark.parametrize(
    ("field", "colour", "theme", "ratio", "short"),
    [
        ("accent_colour", "#8cb8e6", "light", "1.99:1", "2.51 short"),
        ("accent_colour_dark", "#2f5d8a", "dark", "2.35:1", "2.15 short"),
        ("accent_colour", "#ffff00", "light", "1.03:1", "3.47 short"),
    ],
)
def test_settings_accent_colour_below_contrast_says_which_theme_and_by_how_much(
    client: TestClient,
    session: Session,
    field: str,
    colour: str,
    theme: str,
    ratio: str,
    short: str,
) -> None:
    signed_in_as(client, session, "admin")
    refused = save(client, **{field: colour})
    message = error_of(refused.text, field)
    assert refused.status_code == 422
    assert f"{ratio} contrast against the {theme} theme" in message and short in message


def test_settings_accent_colours_that_pass_reach_the_theme_stylesheet(
    client: TestClient, session: Session
) -> None:
    signed_in_as(client, session, "admin")
    assert save(client, accent_colour="#1A4D2E", accent_colour_dark="#9fd8b0").status_code == 303
    page = client.get("/")
    link = page.text.split('href="/org/theme.css?v=')[1].split('"')[0]
    css = client.get(f"/org/theme.css?v={link}")
    assert css.headers["content-type"].startswith("text/css")
    assert "(prefers-color-scheme: light) { :root { --accent: #1a4d2e; } }" in css.text
    assert "(prefers-color-scheme: dark) { :root { --accent: #9fd8b0; } }" in css.text
    assert "<script" not in page.text.split("</head>")[0].replace(
        '<script src="/static/', ""
    )  # the colour arrives as a stylesheet, never inline script


def test_settings_two_admins_saving_different_fields_at_once_keep_both(
    client: TestClient, app: FastAPI, session: Session
) -> None:
    signed_in_as(client, session, "admin")
    other = TestClient(app, follow_redirects=False)
    signed_in_as(other, session, "admin", "second-admin@example.com")
    forms = [open_form(client), open_form(other)]
    results: list[int] = []
    barrier = threading.Barrier(2)

    def post(who: TestClient, form: tuple[dict[str, str], str], **change: str) -> None:
        barrier.wait()
        results.append(send(who, form[0], form[1], **change).status_code)

    threads = [
        threading.Thread(target=post, args=(client, forms[0]), kwargs={"support_line": "A's line"}),
        threading.Thread(
            target=post, args=(other, forms[1]), kwargs={"employee_network_contact": "B's network"}
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [303, 303]
    org = org_settings(app.state.engine)
    assert (org.support_line, org.employee_network_contact) == ("A's line", "B's network")


def test_settings_same_field_changed_meanwhile_is_refused_naming_the_new_value(
    client: TestClient, session: Session
) -> None:
    signed_in_as(client, session, "admin")
    stale_form, token = open_form(client)
    assert save(client, support_line="First admin's line").status_code == 303
    clash = send(client, stale_form, token, support_line="Second admin's line")
    assert clash.status_code == 409
    assert "changed this to “First admin's line”" in error_of(clash.text, "support_line")
    assert form_on(clash.text)["support_line"] == "Second admin's line"  # what they typed, kept
    assert form_on(clash.text)["was_support_line"] == "First admin's line"  # saving again wins
    assert send(client, form_on(clash.text), token).status_code == 303


def test_every_setting_has_its_environment_default_its_label_and_a_stored_override(
    client: TestClient, session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fields are written once (app/config.py OrgFields): each one, and only those, is
    read from its ALLYSHIP_ variable, labelled on the page, and overridden once saved."""
    for name in FIELDS:
        monkeypatch.setenv(f"ALLYSHIP_{name.upper()}", f"env {name}")
    from_env = Settings(database_url=settings.database_url, content_dir=settings.content_dir)
    assert defaults(from_env).model_dump() == {
        **{name: f"env {name}" for name in FIELDS},
        "logo_sha256": "",
    }
    signed_in_as(client, session, "admin")
    page = client.get(PAGE).text
    assert all(f'<label for="{name}">{LABELS[name]}</label>' in page for name in FIELDS)
    assert set(form_on(page)) == set(FIELDS) | {f"was_{name}" for name in FIELDS}
    session.add(OrgSetting(key="support_line", value="stored line"))
    session.commit()
    stored = org_settings(session, from_env)
    assert stored.support_line == "stored line" and stored.equality_policy_url == (
        "env equality_policy_url"
    )
    with pytest.raises(ValidationError):
        stored.support_line = "changed"  # type: ignore[misc]
