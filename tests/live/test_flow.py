"""The room step by step, as the projector, the remote and a phone see it."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import LiveSession
from tests.conftest import csrf_from
from tests.live.conftest import TO_DISCUSS_1, TO_REVEAL_1, TO_VOTE_1, TO_WRAPUP, Live, join, vote

# (phase after n "next" presses, text on the projector, text on the phone)
WALK = [
    ("lobby", "joined", "You're in"),
    ("rules", "What is said here stays here.", "What is said here stays here."),
    ("show", "have voted", 'name="choice"'),
    ("reveal", "You credit her in the moment.", "You credit her in the moment."),
    ("discuss", "What makes crediting hard?", "What makes crediting hard?"),
    ("show", "Kai is cut off twice", 'name="choice"'),
    ("reveal", "Kai gets the floor back.", "Kai gets the floor back."),
    ("discuss", "What makes crediting hard?", "What makes crediting hard?"),
    ("wrapup", "If an idea is restated, then I will credit its author.", "commitment"),
    ("ended", "Thank you", "Thank you"),
]


def test_next_walks_every_step_and_phones_follow(app: FastAPI, live: Live) -> None:
    phone = join(app, live.code)
    for presses, (phase, on_screen, on_phone) in enumerate(WALK):
        if presses:
            assert live.step("next").status_code == 303
        projector = live.present().text
        assert f"phase-{phase}" in projector, (presses, phase)
        assert on_screen in projector, (presses, phase)
        assert on_phone in phone.get(f"/j/{live.code}").text, (presses, phase)


def test_each_step_change_bumps_the_version_by_one(live: Live, session: Session) -> None:
    for expected in range(2, 6):
        live.step("next")
        row = session.get(LiveSession, live.id)
        assert row is not None
        session.refresh(row)
        assert row.version == expected


@pytest.mark.parametrize(
    ("presses", "action", "phase"),
    [
        (1, "back", "lobby"),
        (TO_VOTE_1, "back", "rules"),
        (TO_VOTE_1, "skip", "show"),  # the second scenario
        (TO_DISCUSS_1, "back", "reveal"),
        (TO_VOTE_1, "end", "ended"),
        (0, "skip", "show"),
        (TO_WRAPUP, "back", "discuss"),
    ],
)
def test_back_skip_and_end_from_any_step(live: Live, presses: int, action: str, phase: str) -> None:
    live.go(presses)
    assert live.step(action).status_code == 303
    assert live.phase() == phase


def test_skip_moves_to_the_next_scenario(live: Live) -> None:
    live.go(TO_VOTE_1)
    live.step("skip")
    assert "Kai is cut off twice" in live.present().text


def test_back_from_the_lobby_and_anything_after_the_end_are_refused(live: Live) -> None:
    assert live.step("back").status_code == 422
    live.step("end")
    for action in ("next", "back", "skip", "end"):
        assert live.step(action, version=2).status_code == 422
    assert live.phase() == "ended"


def test_unknown_action_is_refused(live: Live) -> None:
    assert live.step("jump").status_code == 422
    assert live.phase() == "lobby"


def test_a_stale_click_changes_nothing_and_says_so(live: Live) -> None:
    live.step("next")  # version 1 -> 2
    stale = live.step("next", version=1)
    assert stale.status_code == 303 and stale.headers["location"].endswith("?moved=moved")
    assert live.phase() == "rules"
    assert "already moved on" in live.client.get(stale.headers["location"]).text


def test_two_controllers_pressing_next_together_advance_once(live: Live) -> None:
    version = 1
    assert live.step("next", version=version).headers["location"] == f"/live/{live.id}"
    live.step("next", version=version, view="remote")
    assert live.phase() == "rules"


def test_control_via_htmx_follows_the_redirect_to_the_fragment(live: Live) -> None:
    page = live.present().text
    data = {"csrf_token": csrf_from(page), "action": "next", "version": "1", "view": "remote"}
    response = live.client.post(f"/live/{live.id}/step", data=data, headers={"HX-Request": "true"})
    assert response.status_code == 303 and response.headers["location"] == f"/live/{live.id}/remote"
    fragment = live.client.get(response.headers["location"], headers={"HX-Request": "true"})
    # the polled view: its poll target, the step shown, and the controls htmx patches in place
    assert fragment.text.lstrip().startswith('<div id="control-view"')
    assert '<section id="remote-step"' in fragment.text and 'id="controls"' in fragment.text
    assert "Ground rules" in fragment.text


def test_remote_shows_the_step_counts_and_big_controls(app: FastAPI, live: Live) -> None:
    phone = join(app, live.code)
    live.go(TO_VOTE_1)
    vote(phone, live.code, "standup", "credit")
    remote = live.client.get(f"/live/{live.id}/remote").text
    assert "Voting open" in remote and "1 of 1 voted" in remote
    assert 'value="next"' in remote and 'value="end"' in remote
    assert "Bring it back to the scenario." in remote  # the notes for derailing


def test_session_page_has_the_controls_and_keyboard_shortcuts_without_inline_script(
    live: Live,
) -> None:
    page = live.controls()
    assert 'src="/static/js/live.js"' in page
    assert 'data-key="next"' in page and 'data-key="back"' in page and 'data-key="end"' in page
    assert 'id="use-shortcuts"' in page
    assert "<script>" not in page and "style=" not in page and " onclick" not in page


@pytest.mark.parametrize("presses", range(10))
def test_the_projected_page_has_no_buttons_or_forms_on_any_step(live: Live, presses: int) -> None:
    live.go(presses)
    page = live.present().text
    main = page[page.index('<main id="main"') : page.index("</main>")]
    assert 'class="presenter"' in page
    assert "<button" not in main and "<form" not in main and "<summary" not in main
    assert 'data-key="' not in page and 'id="use-shortcuts"' not in page


def test_countdown_runs_in_discussion_and_clears_on_the_next_step(live: Live) -> None:
    live.go(TO_DISCUSS_1)
    assert live.countdown(3).status_code == 303
    page = live.present().text
    assert "data-countdown-ends" in page
    assert re.search(r"data-countdown-left>(3:00|2:59)</span> left to discuss", page)
    live.step("next")
    assert "data-countdown-ends" not in live.present().text


@pytest.mark.parametrize("presses", [0, 1, TO_REVEAL_1])
def test_no_countdown_in_the_lobby_the_rules_or_the_reveal(live: Live, presses: int) -> None:
    live.go(presses)
    assert 'action="/live/' + str(live.id) + '/countdown"' not in live.controls()
    assert live.countdown(2).status_code == 422


def test_countdown_length_must_be_one_offered(live: Live) -> None:
    live.go(TO_DISCUSS_1)
    assert live.countdown(7).status_code == 422


def test_participant_cannot_drive_the_room(app: FastAPI, live: Live) -> None:
    phone = join(app, live.code)
    token = csrf_from(phone.get("/login").text)  # a valid anonymous CSRF token
    data = {"csrf_token": token, "action": "next", "version": "1"}
    refused = phone.post(f"/live/{live.id}/step", data=data)
    assert refused.status_code == 303 and refused.headers["location"].startswith("/login")
    assert live.phase() == "lobby"


def test_vote_step_shows_counts_but_no_results(app: FastAPI, live: Live, session: Session) -> None:
    phones = [join(app, live.code) for _ in range(6)]
    live.go(TO_VOTE_1)
    for phone in phones[:5]:
        vote(phone, live.code, "standup", "credit")
    projector = live.present().text
    assert "<strong>5 of 6</strong> have voted" in projector
    assert "%" not in projector and "<meter" not in projector
    assert "You credit her in the moment." not in projector  # feedback waits for the reveal
    assert "Strongest response" not in phones[5].get(f"/j/{live.code}").text


def test_facilitator_session_page_links_presenter_remote_and_records(
    client: TestClient, live: Live
) -> None:
    page = client.get(f"/live/{live.id}").text
    for link in ("/present", "/remote", "/summary", "/summary.csv"):
        assert f'href="/live/{live.id}{link}"' in page


def test_a_malformed_control_with_htmx_gets_the_controls_back_with_the_problem(
    live: Live,
) -> None:
    page = live.controls()
    data = {"csrf_token": csrf_from(page), "action": "next", "version": "abc"}
    response = live.client.post(f"/live/{live.id}/step", data=data, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert response.template.name == "live/_remote.html"  # type: ignore[attr-defined]
    assert response.text.lstrip().startswith('<div id="control-view"')
    assert '<section id="remote-step"' in response.text
    assert 'class="error-summary" role="alert"' in response.text
    assert "out of date, so nothing was saved" in response.text
    assert response.headers["Cache-Control"] == "no-store"
    assert live.phase() == "lobby"


def test_a_refused_step_on_the_remote_gets_the_remote_back_with_why(live: Live) -> None:
    response = live.step("back", view="remote")
    assert response.status_code == 422
    assert response.template.name == "live/remote.html"  # type: ignore[attr-defined]
    assert '<a href="#controls">' in response.text
