"""The small-group rule and the release rule every aggregate of answers follows (docs/privacy.md).

Suppressing small cells view by view is not enough: two views taken before and after one
person moves department, or makes a first attempt, differ by exactly that person. So figures
about answers are *released*: stored once, and changed only when at least MIN_GROUP
contributors have changed since the last release. Every released figure is then a sum over
whole release blocks of at least MIN_GROUP people, and no combination of released figures,
taken at any times, isolates fewer than MIN_GROUP people.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

MIN_GROUP = 5

K = TypeVar("K")
V = TypeVar("V")


def changed(released: Mapping[K, V], current: Mapping[K, V]) -> int:
    """How many contributors differ between a released figure and now (new, gone or changed)."""
    return sum(1 for k in released.keys() | current.keys() if released.get(k) != current.get(k))


def may_release(released: Mapping[K, V] | None, current: Mapping[K, V]) -> bool:
    """A new release is due when MIN_GROUP people are in it and MIN_GROUP changed since the last."""
    if len(current) < MIN_GROUP:
        return False
    return released is None or changed(released, current) >= MIN_GROUP
