"""Small-group suppression: no group under 5 is shown, nor recoverable by subtraction."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.hr.anonymity import hidden_cells
from app.privacy import MIN_GROUP


@pytest.mark.parametrize(
    ("sizes", "hidden"),
    [
        ([10, 20, 30], set()),
        ([10, 3, 30], {0, 1}),  # 3 alone would be total minus the rest
        ([10, 2, 2, 30], {0, 1, 2}),  # 2 + 2 is still under 5
        ([10, 3, 2, 30], {1, 2}),  # two hidden cells adding up to 5
        ([4], {0}),
        ([0, 12, 9], set()),
        ([6, 6, 2], {0, 2}),
    ],
)
def test_hidden_cells_table(sizes: list[int], hidden: set[int]) -> None:
    assert hidden_cells(sizes) == hidden


@given(st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=12))
def test_hidden_cells_never_leave_a_small_group_recoverable(sizes: list[int]) -> None:
    hidden = hidden_cells(sizes)
    assert all(sizes[i] >= MIN_GROUP for i in range(len(sizes)) if i not in hidden and sizes[i])
    people_hidden = sum(sizes[i] for i in hidden)
    groups_hidden = sum(1 for i in hidden if sizes[i])
    if groups_hidden:
        visible_people = sum(n for i, n in enumerate(sizes) if i not in hidden)
        # Subtraction from the total gives only the hidden cells together: at least two of
        # them, and at least MIN_GROUP people, unless every cell is hidden.
        assert (groups_hidden >= 2 and people_hidden >= MIN_GROUP) or visible_people == 0
