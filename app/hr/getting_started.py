"""The HR overview's getting-started list: each step ticked from what the database holds.

A fresh install (no learners yet, or nothing assigned) shows the list instead of empty
charts; once the course is assigned the overview comes back and the list stays, folded, until
every step is done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func
from sqlmodel import Session, col, select

from app.config import Settings, named
from app.db import select_columns
from app.mail.outbox import REMINDER
from app.models import Assignment, OutboxMessage, Role, User

# Settings an operator sets for outgoing mail: any of them set means e-mail was set up.
SMTP_FIELDS = frozenset({"smtp_host", "smtp_port", "smtp_user", "smtp_from"})


@dataclass(frozen=True)
class MailState:
    configured: bool  # an SMTP setting was given (environment or .env)
    server: str  # host:port, never the user or password
    delivered: int
    last_delivered_at: datetime | None
    waiting: int
    given_up: int


@dataclass(frozen=True)
class FirstRun:
    organisation: str
    learners: int
    assigned: bool
    mail: MailState
    reminded: bool

    @property
    def steps(self) -> dict[str, bool]:
        """Each step and whether it is done, in the order HR does them."""
        return {
            "settings": bool(self.organisation),
            "people": self.learners > 0,
            "assign": self.assigned,
            "email": self.mail.delivered > 0,
            "remind": self.reminded,
        }

    @property
    def done(self) -> int:
        return sum(self.steps.values())

    @property
    def fresh(self) -> bool:
        """Nothing to chart yet: the list takes the charts' place."""
        return self.learners == 0 or not self.assigned

    @property
    def complete(self) -> bool:
        return all(self.steps.values())


def first_run(session: Session, settings: Settings, organisation: str) -> FirstRun:
    """Where this install stands, in one query of cheap sub-selects."""
    unsent = col(OutboxMessage.sent_at).is_(None)
    learners = select(func.count(col(User.id))).where(col(User.active), User.role == Role.learner)
    row = session.exec(
        select_columns(
            learners.scalar_subquery(),
            exists().where(col(Assignment.id).is_not(None)),
            select(func.count(col(OutboxMessage.sent_at))).scalar_subquery(),
            select(func.max(OutboxMessage.sent_at)).scalar_subquery(),
            select(func.count()).where(unsent).scalar_subquery(),
            select(func.count())
            .where(unsent, col(OutboxMessage.attempts) >= settings.outbox_max_attempts)
            .scalar_subquery(),
            exists().where(col(OutboxMessage.kind) == REMINDER),
        )
    ).one()
    mail = MailState(
        configured=bool(SMTP_FIELDS & settings.model_fields_set),
        server=f"{settings.smtp_host}:{settings.smtp_port}",
        delivered=int(row[2]),
        last_delivered_at=row[3],
        waiting=int(row[4]) - int(row[5]),
        given_up=int(row[5]),
    )
    return FirstRun(
        organisation=named(organisation),
        learners=int(row[0]),
        assigned=bool(row[1]),
        mail=mail,
        reminded=bool(row[6]),
    )
