"""The anonymity rule: no distribution below 5 votes; shares add up to 100 when shown."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.content.schema import Choice, Scenario
from app.live.results import distribution, whole_percents
from app.privacy import MIN_GROUP

SCENARIO = Scenario(
    id="standup",
    title="The stand-up",
    situation="Ana's idea is repeated by Bo.",
    choices=[
        Choice(id="credit", text="Credit Ana", points=2, feedback="Good."),
        Choice(id="private", text="Tell Ana later", points=1, feedback="Kind."),
        Choice(id="silent", text="Say nothing", points=0, feedback="No."),
    ],
)


@pytest.mark.parametrize(
    ("counts", "hidden"),
    [
        ({}, True),
        ({"credit": 4}, True),
        ({"credit": 2, "private": 1, "silent": 1}, True),
        ({"credit": 5}, False),
        ({"credit": 2, "private": 2, "silent": 1}, False),
        ({"credit": 3, "unknown": 9}, True),  # votes for a choice that does not exist do not count
    ],
)
def test_distribution_is_hidden_below_five_votes(counts: dict[str, int], hidden: bool) -> None:
    assert distribution(SCENARIO, counts).hidden is hidden


def test_distribution_reports_counts_percents_and_the_strongest_choice() -> None:
    shown = distribution(SCENARIO, {"credit": 3, "private": 1, "silent": 2})
    assert shown.total == 6
    assert [(s.choice.id, s.count, s.percent, s.best) for s in shown.shares or ()] == [
        ("credit", 3, 50, True),
        ("private", 1, 17, False),
        ("silent", 2, 33, False),
    ]


@given(st.lists(st.integers(min_value=0, max_value=300), min_size=3, max_size=3))
def test_hidden_exactly_when_fewer_than_min_group_voted(counts: list[int]) -> None:
    shown = distribution(SCENARIO, dict(zip(["credit", "private", "silent"], counts, strict=True)))
    assert shown.total == sum(counts)
    assert shown.hidden is (sum(counts) < MIN_GROUP)


@given(st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=6))
def test_whole_percents_add_up_to_100(counts: list[int]) -> None:
    percents = whole_percents(counts)
    if sum(counts) == 0:
        assert set(percents) == {0}
    else:
        assert sum(percents) == 100
        assert all(
            abs(p - 100 * n / sum(counts)) < 1 for p, n in zip(percents, counts, strict=True)
        )
