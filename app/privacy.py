"""The small-group rule and the release rule every aggregate of answers follows (docs/privacy.md).

Suppressing small cells view by view is not enough: two views taken before and after one
person moves department, or makes a first attempt, differ by exactly that person. So figures
about answers are *released*: a release is a set of contributions, and the next release of
the same figure keeps every contribution it had, unchanged, and adds at least MIN_GROUP new
contributors. Every released figure is then a sum of whole blocks of at least MIN_GROUP
people, blocks never change, and no combination of released figures, taken at any times,
isolates fewer than MIN_GROUP people.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

MIN_GROUP = 5

K = TypeVar("K")
V = TypeVar("V")


def next_release(released: Mapping[K, V] | None, current: Mapping[K, V]) -> dict[K, V] | None:
    """The contributions to release now, or None when fewer than MIN_GROUP are new.

    Contributions already released are kept as they were released (a changed vote does not
    change a released figure): only whole new blocks are ever added.
    """
    kept = dict(released or {})
    new = {k: v for k, v in current.items() if k not in kept}
    if len(new) < MIN_GROUP:
        return None
    return kept | new
