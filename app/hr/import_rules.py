"""Import rules that look past one row: hr and admin accounts, and management loops."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from app.hr.account_changes import is_protected
from app.hr.managers import describe, loops

if TYPE_CHECKING:
    from app.hr.import_plan import Existing, Person

SHOWN_LINES = 20


def protected_problems(person: Person, match: Existing) -> list[tuple[str, str]]:
    """(field, message) for each thing this row would change on an hr or admin account."""
    if not is_protected(match.role):
        return []
    who = f"{match.email} is an {match.role} account"
    fix = "change it on the person's page instead"
    problems: list[tuple[str, str]] = []
    if person.email != match.email:
        problems.append(
            (
                "email",
                f"external id {match.external_id} belongs to {match.email}, an {match.role} "
                f"account, whose e-mail an import cannot change; put {match.email} back in "
                "this row or remove the row",
            )
        )
    if person.external_id and person.external_id != match.external_id:
        problems.append(
            (
                "external id",
                f"{who}, which an import cannot link to an external id; leave the external id "
                f"{'as ' + match.external_id if match.external_id else 'empty'} in this row "
                "or remove the row",
            )
        )
    if person.role and person.role != match.role:
        problems.append(
            (
                "role",
                f"{who}; an import cannot change its role; leave the role empty or "
                f"“{match.role}” ({fix})",
            )
        )
    if not match.active:
        problems.append(
            (
                "email",
                f"{who} and deactivated; an import cannot reactivate it; remove the row ({fix})",
            )
        )
    return problems


def loop_problems(
    people: Iterable[tuple[Person, Existing | None]],
    existing: Iterable[Existing],
    changed: Mapping[str, str | None],
) -> list[tuple[int, str]]:
    """(line, message) for each row on a management loop that the file would close.

    The chains are the database's managers with the file's changes on top, so a loop made
    of one new row and people already in the database is found too.
    """
    node_of: dict[str, int | str] = {}
    line_of: dict[int | str, int] = {}
    email_of: dict[int | str, str] = {}
    for person, match in people:
        node: int | str = match.id if match else person.email
        node_of[person.email], line_of[node], email_of[node] = node, person.line, person.email
    by_email: dict[str, int | str] = {}
    current: list[tuple[int, str | None]] = []
    for e in existing:
        by_email[e.email] = e.id
        email_of.setdefault(e.id, e.email)
        current.append((e.id, e.manager_email))

    def resolve(email: str | None) -> int | str | None:
        if email is None:
            return None
        return node_of[email] if email in node_of else by_email.get(email)

    managers: dict[int | str, int | str | None] = {
        n: by_email.get(m) if m else None for n, m in current
    }
    starts = [node_of[email] for email in changed if email in node_of]
    for email in changed:
        if email in node_of:
            managers[node_of[email]] = resolve(changed[email])
    problems: list[tuple[int, str]] = []
    start_set = set(starts)
    for loop in loops(managers, starts):
        if start_set.isdisjoint(loop):
            continue  # an older loop this file only leads into; not this file's doing
        lines = sorted(line_of[n] for n in loop if n in line_of)
        named = ", ".join(str(n) for n in lines[:SHOWN_LINES])
        if len(lines) > SHOWN_LINES:
            named += f", … ({len(lines)} lines)"
        where = f"line {named}" if len(lines) == 1 else f"lines {named}"
        message = (
            f"makes a management loop: {describe([email_of[n] for n in loop])} ({where}); "
            "give one of these people another manager"
        )
        problems += [(line, message) for line in lines]
    return problems
