"""Issue 16, point 6 on the live views: one h1 on every step of the phone, the projector and
the remote, a title that follows the step (also in the polled markup, for live_title.js),
the presenter's skip link, Help and way home, and the summary's tables (WCAG 1.3.1, 2.4.1,
2.4.2, 2.4.6, 3.2.6)."""

from __future__ import annotations

import html
import re

from fastapi import FastAPI

from tests.live.conftest import Live, join, vote
from tests.page_structure import Structure, problems

# Every step of the fixture's two-scenario session, with the title's own part expected.
FIRST, SECOND = "Scenario 1 of 2 · ", "Scenario 2 of 2 · "
POLLED_TITLE = re.compile(r'data-page-title="([^"]*)"')


def expected_titles(standup: str, review: str) -> list[str]:
    middle = [
        f"{label}: {which}{title}"
        for which, title in ((FIRST, standup), (SECOND, review))
        for label in ("Voting open", "Results and feedback", "Discussion")
    ]
    return ["Waiting to start", "Ground rules", *middle, "Wrap-up", "Ended"]


def polled_title(page: str) -> str:
    match = POLLED_TITLE.search(page)
    assert match, "no data-page-title in the polled markup"
    return html.unescape(match.group(1))


def test_every_step_has_one_h1_and_a_title_that_follows_it_on_every_view(
    app: FastAPI, live: Live
) -> None:
    phone = join(app, live.code)
    module = Structure(live.present().text).where.split(" · ")[-2]
    standup, review = "", ""
    seen: list[tuple[str, str, str, str]] = []
    for step in range(10):
        present = live.present().text
        room = phone.get(f"/j/{live.code}").text
        remote = live.client.get(f"/live/{live.id}/remote").text
        for name, page in (("presenter", present), ("phone", room), ("remote", remote)):
            structure = Structure(page)
            assert len(structure.h1) == 1, (step, name, structure.h1)
            assert structure.h1[0].strip(), (step, name)
        titles = [Structure(p).where for p in (present, room, remote)]
        if step == 2:
            standup = titles[1].split(" · ", 1)[1]
        if step == 5:
            review = titles[1].split(" · ", 1)[1]
        seen.append((titles[0], titles[1], titles[2], polled_title(room)))
        assert polled_title(present) == titles[0], step
        assert polled_title(remote) == titles[2], step
        if step < 9:
            assert live.step("next").status_code == 303
    wanted = expected_titles(standup, review)
    for step, (present, room, remote, polled) in enumerate(seen):
        own = wanted[step] if step not in (0, 1, 8, 9) else f"{wanted[step]} · {module}"
        assert room == polled == own, (step, room, own)
        assert present == f"{own} · Presenter", step
        assert remote == f"{own} · Remote", step
    assert len({s[1] for s in seen}) == len(seen), "two steps share a title"


def test_phone_h1_names_the_scenario_and_comes_before_any_h2(app: FastAPI, live: Live) -> None:
    phone = join(app, live.code)
    live.go(2)  # voting open on the first scenario
    room = phone.get(f"/j/{live.code}").text
    structure = Structure(room)
    assert structure.h1 == [structure.where.split(" · ", 1)[1]]
    section = room[room.index('id="room"') :]
    assert "<h2" not in section[: section.index("<h1")], "an h2 before the h1"


def test_presenter_keeps_skip_link_help_and_a_way_home(live: Live) -> None:
    page = live.present().text
    for needed in ('class="skip-link" href="#main"', 'href="/help"', 'class="brand" href="/"'):
        assert needed in page
    css = live.client.get("/static/css/live.css").text
    hidden = re.findall(r"([^{}]*)\{[^}]*display:\s*none", css)
    hiders = " ".join(hidden)
    for part in (".skip-link", ".help-link", ".brand", ".site-header {", ".site-header,"):
        assert f".presenter {part}" not in hiders, f"presenter hides {part}"
    assert ".presenter .site-header," not in hiders and ".presenter .site-header {" not in hiders


def test_summary_tables_have_captions_and_row_headers(app: FastAPI, live: Live) -> None:
    phones = [join(app, live.code) for _ in range(5)]
    live.go(2)
    for n, phone in enumerate(phones):
        assert vote(phone, live.code, "standup", "credit" if n % 2 else "silent").status_code == 303
    live.step("end")
    summary = live.client.get(f"/live/{live.id}/summary").text
    structure = Structure(summary)
    assert structure.tables, "the voted scenario has a table"
    assert problems(summary) == []
    assert structure.tables[0].caption.strip().startswith("Votes on ")
    assert all(row[0][:2] == ("th", "row") for row in structure.tables[0].rows)
    assert "Option A:" in summary[summary.index('<th scope="row">') :][:300]
    guide = Structure(live.client.get("/live/guides/first-steps").text)
    assert guide.tables and all(t.caption.strip() for t in guide.tables)
