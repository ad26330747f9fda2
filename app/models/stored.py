"""The id of a row that came from the database: an int, where the table class says `int | None`.

Table classes declare `id: int | None` because a new instance has no id until it is
flushed. A row loaded or flushed always has one, so code that needs it as an int asks
`row_id(row)`, which fails loudly instead of carrying on with a made-up 0.
"""

from __future__ import annotations

from typing import Protocol


class Stored(Protocol):
    @property
    def id(self) -> int | None: ...


def row_id(row: Stored) -> int:
    """The row's id; a row that was never flushed is a bug, not a zero."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id yet: it was never flushed")
    return row.id
