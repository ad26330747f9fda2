"""Content releases: record every module's content hash; reopen the materially changed ones.

A release stores each module's `Module.content_hash` (what learners see), which modules the
author called material, and a note. A material module is reopened for every active person
who completed it in their current recertification cycle: their lesson read, attempts and
completion of it are marked `superseded_by` the release (kept as history, no longer current),
so the module is to do again without starting a new cycle for the other modules. Minor
edits (no --material) change nothing for learners. Releases are numbered under a unique key:
of two made at once, one is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col

from app import audit
from app.clock import utcnow
from app.content.catalog import Catalog
from app.db import (
    RawQuery,
    Source,
    bind_values,
    conflict_insert,
    execute,
    fetch_all,
    fetch_one,
    in_transaction,
)
from app.errors import Conflict, DomainError, Invalid
from app.models import ContentRelease, ModuleReopen, ReleasedModule
from app.models.content import NOTE_MAX

_LAST = RawQuery.of("SELECT id, number FROM contentrelease ORDER BY number DESC LIMIT 1")
_HASHES = RawQuery.of(
    "SELECT module_id, content_hash FROM releasedmodule WHERE release_id = :release_id"
)
# Everyone active who completed the module in their current cycle, at the current version.
_REOPEN = RawQuery.of(
    """
    INSERT INTO modulereopen (release_id, user_id, module_id, cycle, reopened_at)
    SELECT :release_id, c.user_id, c.module_id, c.cycle, :now
      FROM completion c JOIN "user" u ON u.id = c.user_id
     WHERE c.module_id = :module_id AND c.superseded_by = 0 AND c.cycle = u.cycle AND u.active
    """
)


def _supersede(table: str) -> RawQuery:
    """Mark the reopened people's current rows of the module as history of this release."""
    return RawQuery.of(
        f"UPDATE {table} SET superseded_by = :release_id"
        f" WHERE module_id = :module_id AND superseded_by = 0 AND EXISTS ("
        f"SELECT 1 FROM modulereopen r WHERE r.release_id = :release_id"
        f" AND r.module_id = {table}.module_id AND r.user_id = {table}.user_id"
        f" AND r.cycle = {table}.cycle)"
    )


_SUPERSEDE = [_supersede(t) for t in ("lessonprogress", "quizattempt", "completion")]


@dataclass(frozen=True)
class ModuleState:
    """One module now against the last release ("new": never released; "removed": gone)."""

    module_id: str
    title: str
    state: str  # "unchanged", "changed", "new" or "removed"


@dataclass(frozen=True)
class ReleaseStatus:
    last_number: int | None
    modules: list[ModuleState]

    @property
    def changed(self) -> list[ModuleState]:
        return [m for m in self.modules if m.state != "unchanged"]


@dataclass(frozen=True)
class ReleaseResult:
    number: int
    material: list[str]
    reopened: dict[str, int]  # module -> people it was reopened for


# The last release: (its id, its number, its module hashes); (None, 0, {}) before the first.
Last = tuple[int | None, int, dict[str, str]]


def _last(source: Source) -> Last:
    """(last release id, its number or 0, its module hashes)."""
    row = fetch_one(source, _LAST, {})
    if row is None:
        return None, 0, {}
    hashes = {m: h for m, h in fetch_all(source, _HASHES, {"release_id": row[0]})}
    return int(row[0]), int(row[1]), hashes


def status(source: Source, catalog: Catalog) -> ReleaseStatus:
    """Which modules changed since the last release, so an author knows what to release."""
    release_id, number, hashes = _last(source)
    states = []
    for module in catalog.modules:
        before = hashes.get(module.id)
        state = "new" if before is None else "unchanged"
        if before is not None and before != module.content_hash:
            state = "changed"
        states.append(ModuleState(module.id, module.title, state))
    for module_id in sorted(set(hashes) - set(catalog.module_ids)):
        states.append(ModuleState(module_id, module_id, "removed"))
    return ReleaseStatus(number if release_id is not None else None, states)


def _checked(catalog: Catalog, material: list[str], note: str, last: Last) -> list[str]:
    """The material modules, once each, in course order; Invalid says what is wrong."""
    release_id, number, hashes = last
    if not note:
        raise Invalid("The release note is empty: say in a sentence what changed (--note).")
    if len(note) > NOTE_MAX:
        raise Invalid(f"The release note is {len(note)} characters; keep it under {NOTE_MAX}.")
    unknown = sorted({m for m in material if catalog.get(m) is None})
    if unknown:
        raise Invalid(
            f"No module called {', '.join(unknown)} in the course; "
            f"modules are: {', '.join(catalog.module_ids)}."
        )
    if material and release_id is None:
        raise Invalid(
            "This is the first content release: it records today's content to compare later "
            "releases with, so nothing can be material yet. Run it without --material."
        )
    same = [m for m in catalog.module_ids if m in material and hashes.get(m) == _hash(catalog, m)]
    if same:
        raise Invalid(
            f"{', '.join(same)} has not changed since release {number}, so it cannot be a "
            "material change; edit it first, or leave it out of --material."
        )
    return [m for m in catalog.module_ids if m in material]


def _hash(catalog: Catalog, module_id: str) -> str:
    module = catalog.get(module_id)
    return module.content_hash if module else ""


def make_release(
    session: Session, catalog: Catalog, *, material: list[str], note: str
) -> ReleaseResult:
    """Record a release and reopen its material modules; commits. Invalid or Conflict say why not.

    The last release is read inside the write transaction (on SQLite, BEGIN IMMEDIATE: one
    release at a time); on PostgreSQL two releases may read the same last number, and the
    conditional insert under the unique number lets only one of them through.
    """
    try:
        connection = in_transaction(session)
        last = _last(connection)
        chosen = _checked(catalog, material, note.strip(), last)
        number = last[1] + 1
        release_id = session.execute(
            conflict_insert(session, ContentRelease)
            .values(number=number, note=note.strip(), released_at=utcnow())
            .on_conflict_do_nothing(index_elements=["number"])
            .returning(col(ContentRelease.id))
        ).scalar()
        if release_id is None:
            raise Conflict(
                f"Another content release (number {number}) was made at the same moment; "
                "run `allyship content status` and release again if something is left."
            )
    except DomainError:
        session.rollback()
        raise
    session.add_all(
        ReleasedModule(
            release_id=release_id,
            module_id=m.id,
            content_hash=m.content_hash,
            material=m.id in chosen,
        )
        for m in catalog.modules
    )
    reopened = {m: _reopen(session, release_id, m) for m in chosen}
    # event: module.reopened (one per reopened person, when app/events is merged)
    audit.record(
        session,
        actor_id=None,
        action="content.release",
        target=f"release {number}",
        material=chosen,
        reopened=reopened,
    )
    session.commit()
    return ReleaseResult(number, chosen, reopened)


def _reopen(session: Session, release_id: int, module_id: str) -> int:
    """Reopen the module for everyone who completed it in their current cycle; how many."""
    connection = in_transaction(session)
    params = {"release_id": release_id, "module_id": module_id}
    now = bind_values(ModuleReopen, connection, {"reopened_at": utcnow()})["reopened_at"]
    count = execute(connection, _REOPEN, {**params, "now": now})
    for query in _SUPERSEDE:
        execute(connection, query, params)
    return count
