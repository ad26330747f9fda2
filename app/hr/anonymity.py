"""Small-group suppression for aggregates: hide groups under MIN_GROUP and anything subtraction would reveal."""

from __future__ import annotations

from collections.abc import Sequence

from app.privacy import MIN_GROUP


def hidden_cells(sizes: Sequence[int], *, total: int | None = None) -> set[int]:
    """Indexes of cells to hide in a partition whose sizes add up to a shown total.

    A cell under MIN_GROUP is hidden. Because the total is shown, the hidden cells can be
    added back up by subtraction, so their sum must also be at least MIN_GROUP and there
    must be at least two of them: otherwise the next-smallest visible cell is hidden too.
    Cells of size 0 carry no one and are never hidden.
    """
    hidden = {i for i, n in enumerate(sizes) if 0 < n < MIN_GROUP}
    rest = (total - sum(sizes)) if total is not None else 0
    while hidden or rest:
        hidden_sum = sum(sizes[i] for i in hidden) + rest
        groups = len(hidden) + (1 if rest else 0)
        if hidden_sum == 0 or (hidden_sum >= MIN_GROUP and groups >= 2):
            break
        candidates = [i for i, n in enumerate(sizes) if i not in hidden and n > 0]
        if not candidates:
            break
        hidden.add(min(candidates, key=lambda i: (sizes[i], i)))
    return hidden
