"""Who is in a manager's team: direct and indirect reports, by one recursive query.

Import refuses loops (app/hr/managers.py), but rows written by hand or by an older version
could hold one, so the walk is guarded twice: it never steps back onto the manager it
started from, and it stops at MAX_DEPTH levels. Below any manager the reports then form a
tree (each person has one manager, so a loop reachable from the manager must pass through
them), and every person appears once, under the one direct report whose branch holds them.

Only active people are walked: a leaver is in nobody's team, and neither is anyone who still
reports to a leaver until HR gives them a new manager. So "has an active direct report" (the
sign-in lookup's `has_reports`, the page's gate) is exactly "has a team".
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import CTE, ColumnElement, literal
from sqlmodel import col

from app.db import select_columns
from app.models import User

# Deeper than any organisation chart; a hand-made loop stops here at the latest.
MAX_DEPTH = 32


def team_of(tops: Any) -> CTE:
    """(top, member, branch, depth) for every report under each manager `tops` selects.

    `top` is the manager, `branch` the direct report whose line holds `member` (a direct
    report is their own branch). `tops` is a scalar select or a column expression of ids.
    """
    base = select_columns(
        col(User.manager_id).label("top"),
        col(User.id).label("member"),
        col(User.id).label("branch"),
        literal(1).label("depth"),
    ).where(_in(col(User.manager_id), tops), col(User.active))
    walk = base.cte("team", recursive=True)
    below = select_columns(
        walk.c.top,
        col(User.id).label("member"),
        walk.c.branch,
        (walk.c.depth + 1).label("depth"),
    ).where(
        col(User.manager_id) == walk.c.member,
        col(User.id) != walk.c.top,
        col(User.active),
        walk.c.depth < MAX_DEPTH,
    )
    return walk.union(below)


def _in(column: Any, tops: Any) -> ColumnElement[bool]:
    found: ColumnElement[bool] = column == tops if isinstance(tops, int) else column.in_(tops)
    return found
