"""The small-group rule, the release rule and the noise every aggregate of answers follows.

Suppressing small cells view by view is not enough: two views taken before and after one
person moves department, or makes a first attempt, differ by exactly that person. So figures
about answers are *released*: a release is a set of contributions, and the next release of
the same figure keeps every contribution it had, unchanged, and adds at least MIN_GROUP new
contributors. Every released figure is then a sum of whole blocks of at least MIN_GROUP
people, blocks never change, and no combination of released figures, taken at any times,
isolates fewer than MIN_GROUP people.

Blocks alone do not help when the viewer knows the other 4 people of a block (accounts it
made itself, or outside knowledge): so each block's released sums also carry noise, drawn
once when the block is sealed and stored with it (docs/privacy.md).
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Mapping
from typing import TypeVar

MIN_GROUP = 5
# Privacy loss allowed per released figure of a block: whatever else an attacker knows,
# the figure changes the odds of any guess about one person's contribution by at most
# e^EPSILON (about 2.7). Smaller is more private and noisier (docs/privacy.md).
EPSILON = 1.0

K = TypeVar("K")
V = TypeVar("V")
_random = secrets.SystemRandom()


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


def noise(sensitivity: int, epsilon: float = EPSILON) -> int:
    """Whole-number noise from the two-sided geometric (discrete Laplace) distribution.

    P(k) is proportional to exp(-epsilon * |k| / sensitivity): adding it to a sum that one
    person changes by at most `sensitivity` makes the sum epsilon-differentially private.
    Drawn from the operating system's generator, so it can be neither seeded nor predicted.
    """
    if sensitivity < 1 or epsilon <= 0:
        raise ValueError("sensitivity must be at least 1 and epsilon above 0")
    ratio = math.exp(-epsilon / sensitivity)
    return _geometric(ratio) - _geometric(ratio)


def _geometric(ratio: float) -> int:
    """k >= 0 with P(k) = (1 - ratio) * ratio**k: P(at least k) is ratio**k."""
    uniform = 1.0 - _random.random()  # in (0, 1]
    return math.floor(math.log(uniform) / math.log(ratio))
