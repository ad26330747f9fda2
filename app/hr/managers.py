"""Manager chains: nobody may manage, directly or through others, their own manager."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import TypeVar

from sqlmodel import Session, col, select

from app.db import lock_for_transaction
from app.models import User

Node = TypeVar("Node", bound=Hashable)
# Any constant works: it names the one lock that every manager change takes.
LOCK_KEY = 0x616C6C79


def serialize_manager_changes(session: Session) -> None:
    """Hold the manager-change lock until the transaction ends, so loop checks never interleave.

    Two writers that each check the chain before the other commits could close a loop
    together (app.db.sql.lock_for_transaction says how each database holds the lock).
    """
    lock_for_transaction(session, LOCK_KEY)


def loops(managers: Mapping[Node, Node | None], starts: Iterable[Node]) -> list[list[Node]]:
    """Each loop met by following managers up from `starts`, once, in the order walked."""
    done: set[Node] = set()
    found: list[list[Node]] = []
    for start in starts:
        path: list[Node] = []
        on_path: dict[Node, int] = {}
        node: Node | None = start
        while node is not None and node not in done:
            if node in on_path:
                found.append(path[on_path[node] :])
                break
            on_path[node] = len(path)
            path.append(node)
            node = managers.get(node)
        done.update(path)
    return found


def chain_back_to(session: Session, *, user_id: int, manager_id: int) -> list[int] | None:
    """The managers from `manager_id` up to `user_id` if giving that manager makes a loop."""
    chain: list[int] = []
    seen: set[int] = set()
    node: int | None = manager_id
    while node is not None and node not in seen:
        chain.append(node)
        if node == user_id:
            return chain
        seen.add(node)
        node = session.exec(select(User.manager_id).where(User.id == node)).first()
    return None


def loop_through(session: Session, *, user_id: int, manager_id: int, email: str) -> str | None:
    """ "a → b → a" if `manager_id` managing `user_id` (now `email`) closes a loop, else None."""
    chain = chain_back_to(session, user_id=user_id, manager_id=manager_id)
    if chain is None:
        return None
    emails = dict(session.exec(select(User.id, User.email).where(col(User.id).in_(chain))).all())
    return describe([email, *(emails[uid] for uid in chain[:-1])])


def describe(emails: list[str], limit: int = 6) -> str:
    """A loop as "a → b → a", shortened in the middle when it is long."""
    shown = (
        emails
        if len(emails) <= limit
        else [*emails[: limit - 1], f"… {len(emails) - limit + 1} more"]
    )
    return " → ".join([*shown, emails[0]])
