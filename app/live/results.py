"""Vote distributions under the anonymity rule: nothing is shown until enough people voted."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.content.schema import Choice, Scenario
from app.privacy import MIN_GROUP

HIDDEN_NOTE = "Not enough votes to show"


@dataclass(frozen=True)
class Share:
    choice: Choice
    count: int
    percent: int
    best: bool


@dataclass(frozen=True)
class Distribution:
    """How many voted, and per-choice shares only when at least MIN_GROUP voted."""

    total: int
    shares: tuple[Share, ...] | None
    waiting: int = 0  # later votes not in the released result until 5 or more are new

    @property
    def hidden(self) -> bool:
        return self.shares is None


def distribution(
    scenario: Scenario, counts: Mapping[str, int], *, min_group: int = MIN_GROUP
) -> Distribution:
    """Shares in the scenario's choice order; hidden (None) below the anonymity threshold."""
    known = {c.id: max(0, counts.get(c.id, 0)) for c in scenario.choices}
    total = sum(known.values())
    if total < min_group:
        return Distribution(total=total, shares=None)
    percents = whole_percents([known[c.id] for c in scenario.choices])
    best = {c.id for c in scenario.best_choices}
    shares = tuple(
        Share(choice=c, count=known[c.id], percent=p, best=c.id in best)
        for c, p in zip(scenario.choices, percents, strict=True)
    )
    return Distribution(total=total, shares=shares)


def whole_percents(counts: list[int]) -> list[int]:
    """Whole-number percents that add up to exactly 100 (largest remainder)."""
    total = sum(counts)
    if total == 0:
        return [0 for _ in counts]
    exact = [100 * n / total for n in counts]
    floors = [int(x) for x in exact]
    short = 100 - sum(floors)
    order = sorted(range(len(counts)), key=lambda i: (floors[i] - exact[i], i))
    for i in order[:short]:
        floors[i] += 1
    return floors
