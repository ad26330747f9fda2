"""Setting a session up: scenarios, join code, QR code, who may run it, the guide."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.db import write_session
from app.live import facilitator as facilitator_side
from app.main import create_app
from app.models import LiveSession, User
from app.security import CODE_ALPHABET
from tests.conftest import csrf_from, login
from tests.factories import make_user
from tests.live.conftest import Live, signed_in, start_session


def test_new_session_form_ticks_the_notes_vote_scenarios(
    client: TestClient, facilitator: User
) -> None:
    page = client.get("/live/new?module_id=first-steps").text
    assert 'value="standup" checked' in page
    assert 'value="review" >' in page or 'value="review">' in page


def test_module_without_notes_defaults_to_every_scenario(
    client: TestClient, facilitator: User
) -> None:
    page = client.get("/live/new?module_id=second-steps").text
    assert 'value="quiet-colleague" checked' in page


def test_create_stores_the_chosen_scenarios_in_course_order(
    client: TestClient, facilitator: User, session: Session
) -> None:
    live = start_session(client, scenarios=("review", "standup"))
    row = session.get(LiveSession, live.id)
    assert row is not None
    assert row.scenario_list == ["standup", "review"]
    assert (row.phase, row.version, row.facilitator_id) == ("lobby", 1, facilitator.id)


def test_join_code_has_six_characters_without_look_alikes(live: Live) -> None:
    assert len(live.code) == 6
    assert set(live.code) <= set(CODE_ALPHABET)
    assert not set(live.code) & set("01OIL")


@pytest.mark.parametrize("scenarios", [(), ("made-up",), ("standup", "made-up")])
def test_create_refuses_unknown_or_no_scenarios(
    client: TestClient, facilitator: User, session: Session, scenarios: tuple[str, ...]
) -> None:
    token = csrf_from(client.get("/live/new?module_id=first-steps").text)
    data = {"csrf_token": token, "module_id": "first-steps", "scenario": list(scenarios)}
    assert client.post("/live", data=data).status_code == 422  # type: ignore[arg-type]
    assert session.exec(select(LiveSession)).first() is None


def test_codes_are_unique_among_open_sessions_and_reused_after_the_end(
    app: FastAPI, facilitator: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    codes = iter(["AAAAAA", "AAAAAA", "BBBBBB", "AAAAAA"])
    monkeypatch.setattr(facilitator_side, "random_code", lambda n: next(codes))
    with write_session(app.state.engine) as session:
        make = lambda: facilitator_side.create_session(  # noqa: E731
            session,
            app.state.catalog,
            facilitator=facilitator,
            module_id="first-steps",
            scenario_ids=["standup"],
        )
        first, second = make(), make()
        assert (first.code, second.code) == ("AAAAAA", "BBBBBB")  # the clash was retried
        first.ended_at = first.created_at
        session.add(first)
        session.commit()
        assert make().code == "AAAAAA"  # an ended session's code may be used again


def test_overview_shows_code_short_url_and_qr(client: TestClient, live: Live) -> None:
    page = client.get(f"/live/{live.id}").text
    assert f"{live.code[:3]} {live.code[3:]}" in page
    assert "127.0.0.1:8000/j" in page  # the configured address (Settings.public_url)
    assert f'src="/live/{live.id}/qr.svg"' in page
    svg = client.get(f"/live/{live.id}/qr.svg")
    assert svg.status_code == 200
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.startswith("<svg") and f"http://127.0.0.1:8000/j/{live.code}" in svg.text
    assert "<script" not in svg.text and "style=" not in svg.text


def test_lobby_shows_how_many_joined(app: FastAPI, live: Live, phones) -> None:  # type: ignore[no-untyped-def]
    phones(3)
    page = live.present().text
    assert "<strong>3</strong> joined" in page
    assert f"{live.code[:3]} {live.code[3:]}" in page


def test_learners_cannot_reach_facilitator_pages(
    app: FastAPI, live: Live, session: Session
) -> None:
    learner, _ = signed_in(app, session)
    for url in (
        "/live",
        f"/live/{live.id}",
        f"/live/{live.id}/present",
        f"/live/{live.id}/summary.csv",
    ):
        assert learner.get(url).status_code == 403, url


def test_another_facilitator_cannot_run_my_session_but_an_admin_can(
    app: FastAPI, live: Live, session: Session
) -> None:
    other, _ = signed_in(app, session, "other@example.com", role="facilitator")
    admin, _ = signed_in(app, session, "root@example.com", role="admin")
    assert other.get(f"/live/{live.id}/present").status_code == 403
    assert admin.get(f"/live/{live.id}/present").status_code == 200


def test_group_sessions_link_is_in_the_facilitator_nav(client: TestClient, live: Live) -> None:
    assert '<a href="/live"' in client.get("/").text


def test_facilitator_guide_prints_the_notes(client: TestClient, facilitator: User) -> None:
    page = client.get("/live/guides/first-steps")
    assert page.status_code == 200
    for text in (
        "What is said here stays here.",
        "What makes crediting hard?",
        "Bring it back to the scenario.",
        "Thank them and point to policy and support.",
        "If an idea is restated, then I will credit its author.",
        "The stand-up",
        "data-print",
    ):
        assert text in page.text
    assert client.get("/live/guides/second-steps").status_code == 404  # no notes
    assert client.get("/live/guides/nope").status_code == 404


def test_every_real_module_has_a_printable_guide(
    real_content_dir,
    settings,
    session: Session,  # type: ignore[no-untyped-def]
) -> None:
    real = create_app(settings.model_copy(update={"content_dir": real_content_dir}))
    client = TestClient(real)
    make_user(session, "guide@example.com", name="Gus", role="facilitator")
    login(client, "guide@example.com")
    for module in real.state.catalog.modules:
        page = client.get(f"/live/guides/{module.id}")
        assert page.status_code == 200, module.id
        assert module.quiz.facilitator.ground_rules[0].split("'")[0] in page.text
    real.state.engine.dispose()


def test_create_with_too_many_scenarios_shows_the_choice_again(
    client: TestClient, facilitator: User, session: Session
) -> None:
    token = csrf_from(client.get("/live/new?module_id=first-steps").text)
    data = {"csrf_token": token, "module_id": "first-steps", "scenario": ["standup"] * 21}
    response = client.post("/live", data=data)  # type: ignore[arg-type]
    assert response.status_code == 422
    assert response.template.name == "live/new.html"  # type: ignore[attr-defined]
    message = "Scenarios to vote on: choose from the options shown."
    assert f'<a href="#scenarios">{message}</a>' in response.text
    assert f'<span class="field-error" id="scenarios-error">{message}</span>' in response.text
    assert 'aria-invalid="true" aria-describedby="scenarios-error scenarios-hint"' in response.text
    assert session.exec(select(LiveSession)).first() is None


def test_create_without_a_module_shows_the_module_choice_again(
    client: TestClient, facilitator: User, session: Session
) -> None:
    token = csrf_from(client.get("/live").text)
    response = client.post("/live", data={"csrf_token": token, "module_id": "m" * 101})
    assert response.status_code == 422
    assert response.template.name == "live/index.html"  # type: ignore[attr-defined]
    assert "This form was incomplete or out of date, so nothing was saved." in response.text
    assert session.exec(select(LiveSession)).first() is None


def test_create_with_an_unknown_scenario_shows_the_choice_again(
    client: TestClient, facilitator: User
) -> None:
    token = csrf_from(client.get("/live/new?module_id=first-steps").text)
    data = {"csrf_token": token, "module_id": "first-steps", "scenario": ["review", "made-up"]}
    response = client.post("/live", data=data)  # type: ignore[arg-type]
    assert response.status_code == 422
    assert "Choose at least one of this module&#39;s scenarios." in response.text
    assert 'id="s-review" name="scenario" value="review" checked' in response.text
