"""Issue 20 point 2: three steps a scenario, skipped scenarios, and the server's own reveal."""

from __future__ import annotations

import csv
import io
import threading
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI
from sqlmodel import Session

from app.clock import utcnow
from app.db import write_session
from app.live import auto
from app.live.steps import all_steps
from app.models import LiveSession
from tests.live.conftest import TO_VOTE_1, Live, join, start_session, vote
from tests.test_migrations import after_upgrade


def row(session: Session, live: Live) -> LiveSession:
    found = session.get_one(LiveSession, live.id)
    session.refresh(found)
    return found


def test_clicks_are_three_a_scenario_plus_start_and_end(live: Live) -> None:
    clicks = 0
    while live.phase() != "ended":
        assert live.step("next").status_code == 303
        clicks += 1
    assert clicks == 3 * 2 + 3  # lobby → rules → first vote, 3 a scenario, wrap-up → end
    assert len(all_steps(3)) - 1 == 3 * 3 + 3  # three scenarios: 12 (the five-step flow took 18)


def test_with_auto_reveal_two_scenarios_take_two_clicks_each(app: FastAPI, live: Live) -> None:
    auto_live = start_session(live.client, headcount=1, auto_reveal="yes")
    phone = join(app, auto_live.code)
    clicks = 0
    for scenario in ("standup", "review"):
        while auto_live.phase() != "show":
            auto_live.step("next")
            clicks += 1
        vote(phone, auto_live.code, scenario, "credit" if scenario == "standup" else "finish")
        assert auto_live.phase() == "reveal"
    while auto_live.phase() != "ended":
        auto_live.step("next")
        clicks += 1
    assert clicks == 2 * 2 + 3


def test_skip_while_voting_marks_the_scenario_skipped_in_the_room_and_summary(
    app: FastAPI, live: Live, session: Session
) -> None:
    phone = join(app, live.code)
    live.go(TO_VOTE_1)
    assert vote(phone, live.code, "standup", "credit").status_code == 303
    live.step("skip")
    assert row(session, live).skipped == "0"
    assert "Skipped: scenario 1" in live.present().text
    assert "Skipped: scenario 1" in phone.get(f"/j/{live.code}").text
    live.step("end")
    summary = live.client.get(f"/live/{live.id}/summary").text
    standup = summary[summary.index("The stand-up") :].split("</section>")[0]
    assert "Skipped" in standup and "voted" not in standup
    rows = list(csv.reader(io.StringIO(live.client.get(f"/live/{live.id}/summary.csv").text)))
    assert [r[3:6] for r in rows if r[3] == "The stand-up"] == [["The stand-up", "", "Skipped"]]


def test_back_into_a_skipped_scenario_reopens_its_voting_and_clears_the_mark(
    live: Live, session: Session
) -> None:
    live.go(TO_VOTE_1)
    live.step("skip")
    assert live.step("back").status_code == 303
    assert live.phase() == "show" and "The stand-up" in live.present().text
    assert row(session, live).skipped == ""


def test_skip_after_the_reveal_is_not_a_skipped_scenario(live: Live, session: Session) -> None:
    live.go(TO_VOTE_1 + 1)
    live.step("skip")
    assert row(session, live).skipped == "" and "Skipped" not in live.present().text


def test_headcount_voted_reveals_by_itself_once(app: FastAPI, live: Live, session: Session) -> None:
    auto_live = start_session(live.client, headcount=2, auto_reveal="yes")
    phones = [join(app, auto_live.code) for _ in range(2)]
    auto_live.go(TO_VOTE_1)
    assert vote(phones[0], auto_live.code, "standup", "credit").status_code == 303
    assert auto_live.phase() == "show"  # 1 of 2
    before = row(session, auto_live).version
    assert vote(phones[1], auto_live.code, "standup", "silent").status_code == 303
    assert auto_live.phase() == "reveal"  # the second vote moved it
    assert row(session, auto_live).version == before + 1
    assert "Strongest response" in phones[0].get(f"/j/{auto_live.code}").text


def test_without_auto_reveal_everyone_voting_changes_nothing(app: FastAPI, live: Live) -> None:
    phone = join(app, live.code)
    live.go(TO_VOTE_1)
    with write_session(app.state.engine) as session:
        found = session.get_one(LiveSession, live.id)
        found.headcount = 1
        session.add(found)
        session.commit()
    vote(phone, live.code, "standup", "credit")
    assert live.phase() == "show"


def test_auto_reveal_needs_a_headcount(live: Live, session: Session) -> None:
    other = start_session(live.client, headcount=None, auto_reveal="yes")
    assert row(session, other).auto_reveal is False


def test_a_voting_countdown_reveals_when_it_ends_and_not_before(
    live: Live, session: Session
) -> None:
    live.go(TO_VOTE_1)
    assert live.countdown(1).status_code == 303
    assert live.phase() == "show" and "left to vote" in live.present().text
    with write_session(live.client.app.state.engine) as writer:  # type: ignore[attr-defined]
        found = writer.get_one(LiveSession, live.id)
        found.countdown_ends_at = utcnow() - timedelta(seconds=1)
        writer.add(found)
        writer.commit()
    assert live.phase() == "reveal"  # the projector's poll found it due and moved it
    assert row(session, live).countdown_ends_at is None


def test_two_requests_that_find_the_reveal_due_move_it_once(app: FastAPI, live: Live) -> None:
    live.go(TO_VOTE_1)
    engine = app.state.engine
    with write_session(engine) as writer:
        found = writer.get_one(LiveSession, live.id)
        found.countdown_ends_at = utcnow() - timedelta(seconds=1)
        writer.add(found)
        writer.commit()
        version = found.version
    results: list[bool] = []
    ready = threading.Barrier(2)

    def worker() -> None:
        with write_session(engine) as own:
            seen = own.get_one(LiveSession, live.id)
            own.commit()  # both hold the same stale version, no transaction open
            ready.wait(timeout=20)
            results.append(auto.reveal_if_due(own, seen, 0))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True]
    with write_session(engine) as check:
        final = check.get_one(LiveSession, live.id)
        assert (final.phase, final.version) == ("reveal", version + 1)


def test_not_due_outside_voting_or_before_the_end(live: Live, session: Session) -> None:
    found = row(session, live)
    now = utcnow()
    found.countdown_ends_at = now - timedelta(seconds=1)
    assert not auto.due(found, 99, now)  # the lobby
    found.phase = "show"
    assert auto.due(found, 0, now)
    found.countdown_ends_at = now + timedelta(seconds=5)
    assert not auto.due(found, 99, now)  # auto-reveal off
    found.auto_reveal, found.headcount = True, 3
    assert not auto.due(found, 2, now) and auto.due(found, 3, now)
    session.rollback()


ENDED = "'2026-01-01 01:00:00+00:00'"


def test_upgrade_moves_the_five_step_phases_to_voting_open(tmp_path: Path) -> None:
    """0010c: read, vote and closed become show (nothing unrevealed shows); a version bump
    makes every phone fetch it; other phases stay as they were."""
    user = (
        'INSERT INTO "user" (id, email, name, role, active, created_at) VALUES '
        "(1, 'fay@example.com', 'Fay', 'facilitator', true, '2026-01-01 00:00:00+00:00')"
    )
    rows = [user] + [
        "INSERT INTO livesession (id, code, module_id, quiz_hash, facilitator_id, scenario_ids, "
        "phase, scenario_index, version, admitted, signin_to_vote, created_at, ended_at) VALUES "
        f"({n}, 'CODE{n:02d}', 'first-steps', 'h', 1, 'standup,review', '{phase}', 1, 7, 0, "
        f"false, '2026-01-01 00:00:00+00:00', {ENDED if phase == 'ended' else 'NULL'})"
        for n, phase in enumerate(["read", "vote", "closed", "reveal", "discuss", "ended"], 1)
    ]
    reads = ["SELECT id, phase, version, skipped, auto_reveal FROM livesession ORDER BY id"]
    (found,) = after_upgrade("0009g", tmp_path, rows, reads)
    assert [(i, p, v, s, bool(a)) for i, p, v, s, a in found] == [
        (1, "show", 8, "", False),
        (2, "show", 8, "", False),
        (3, "show", 8, "", False),
        (4, "reveal", 7, "", False),
        (5, "discuss", 7, "", False),
        (6, "ended", 7, "", False),
    ]
