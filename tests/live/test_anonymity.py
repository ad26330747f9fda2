"""Nobody sees how a person voted; distributions need at least 5 votes, everywhere they appear."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.live.conftest import TO_REVEAL_1, TO_VOTE_1, Live, join, vote

CHOICES = ["credit", "credit", "private", "silent", "credit", "private"]


def run_vote(app: FastAPI, live: Live, voters: int) -> list[TestClient]:
    phones = [join(app, live.code) for _ in range(voters + 1)]  # one phone never votes
    live.go(TO_VOTE_1)
    for phone, choice in zip(phones, CHOICES[:voters], strict=False):
        assert vote(phone, live.code, "standup", choice).status_code == 303
    live.go(TO_REVEAL_1 - TO_VOTE_1)
    return phones


def test_four_votes_show_no_distribution_anywhere(app: FastAPI, live: Live) -> None:
    phones = run_vote(app, live, 4)
    for page in (live.present().text, phones[0].get(f"/j/{live.code}").text):
        assert "Fewer than 5 votes, so no distribution is shown" in page
        assert "<meter" not in page and "%" not in page
        # the small group still gets the strongest response, its feedback and the prompts
        assert "Strongest response" in page
        assert "You credit her in the moment." in page
        assert "What makes crediting hard?" in page
    summary = live.client.get(f"/live/{live.id}/summary").text
    assert "Not enough votes to show" in summary and '<td class="num">' not in summary
    rows = list(csv.reader(io.StringIO(live.client.get(f"/live/{live.id}/summary.csv").text)))
    standup = [r for r in rows if r[3] == "The stand-up"]
    assert standup == [
        [
            rows[1][0],
            "First steps",
            "5",
            "The stand-up",
            "4",
            "Not enough votes to show",
            "",
            "",
            "",
        ]
    ]


def test_five_votes_show_the_distribution(app: FastAPI, live: Live) -> None:
    phones = run_vote(app, live, 5)
    projector = live.present().text
    assert "Not enough votes to show" not in projector
    assert '<meter min="0" max="100" value="60">' in projector  # 3 of 5 credited Ana
    assert '60% <span class="share-count">(3 votes)</span>' in projector  # the meter's words
    assert "What makes crediting hard?" not in projector  # prompts wait for the discussion
    assert "<meter" in phones[5].get(f"/j/{live.code}").text  # the one who did not vote sees it too


def test_a_phone_sees_only_its_own_vote_marked(app: FastAPI, live: Live) -> None:
    phones = run_vote(app, live, 5)
    pages = [p.get(f"/j/{live.code}").text for p in phones]
    assert [page.count("Your vote") for page in pages] == [1, 1, 1, 1, 1, 0]
    assert "Your vote" not in live.present().text


@pytest.mark.parametrize("view", ["present", "remote"])
def test_facilitator_views_while_voting_show_counts_only(
    app: FastAPI, live: Live, view: str
) -> None:
    phones = [join(app, live.code) for _ in range(6)]
    live.go(TO_VOTE_1)
    for phone in phones:
        vote(phone, live.code, "standup", "silent")
    page = live.client.get(f"/live/{live.id}/{view}").text
    assert "6 of 6" in page
    assert "<meter" not in page and "Strongest response" not in page


def test_summary_csv_has_no_names_or_participant_ids(app: FastAPI, live: Live) -> None:
    run_vote(app, live, 5)
    text = live.client.get(f"/live/{live.id}/summary.csv").text
    header = next(csv.reader(io.StringIO(text)))
    assert header == [
        "date",
        "module",
        "participants",
        "scenario",
        "voters",
        "choice",
        "votes",
        "percent",
        "strongest",
    ]
    assert "Fay" not in text and "participant" not in text.lower().replace("participants", "")
