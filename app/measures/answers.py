"""A person's own self-assessment: reading the posted form, storing it once, showing it back."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlmodel import Session, col, select

from app.auth.counted import counted_person
from app.content.catalog import Catalog
from app.content.measures import HIGH, LOW, Measures
from app.db import conflict_insert
from app.errors import Conflict, Forbidden
from app.models import Completion, MeasureMember, MeasureResponse, User

Form = Literal["before", "after"]
FORMS: tuple[Form, ...] = ("before", "after")
ALLOWED = frozenset(str(n) for n in range(LOW, HIGH + 1))
Ratings = dict[str, tuple[int, int | None]]


class RatingProblems(Exception):
    """The form had ratings missing or out of range; one message per field, nothing stored."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class Sent:
    """One form as its author sent it."""

    form: Form
    ratings: Ratings
    submitted_at: datetime


def field_name(item_id: str, looking_back: bool = False) -> str:
    return f"{'back' if looking_back else 'now'}-{item_id}"


def read_ratings(measures: Measures, form: Form, posted: Mapping[str, str]) -> Ratings:
    """Every item's rating (and, after the course, its looking-back rating), each a whole 1-7.

    All or nothing: skipping is done by not sending the form, so a half-filled form is shown
    again with a message for each missing or odd field rather than stored in part.
    """
    errors: dict[str, str] = {}
    ratings: Ratings = {}
    for n, item in enumerate(measures.items, start=1):
        now = _rating(posted, field_name(item.id), f"Statement {n}", errors)
        back = None
        if form == "after":
            back = _rating(
                posted, field_name(item.id, True), f"Statement {n}, looking back", errors
            )
        ratings[item.id] = (now or 0, back)
    if errors:
        raise RatingProblems(errors)
    return ratings


def _rating(posted: Mapping[str, str], name: str, label: str, errors: dict[str, str]) -> int | None:
    raw = posted.get(name, "").strip()
    if not raw:
        errors[name] = f"{label}: choose a number from {LOW} to {HIGH}."
        return None
    if raw not in ALLOWED:  # not int(): it takes "٣", " 7", "+7" and 4,300-digit strings
        errors[name] = f"{label}: choose a whole number from {LOW} to {HIGH}."
        return None
    return int(raw)


def _passed(session: Session, user_id: int, module_id: str) -> bool:
    found = select(Completion.id).where(
        Completion.user_id == user_id, Completion.module_id == module_id
    )
    return session.exec(found.limit(1)).first() is not None


def open_forms(session: Session, catalog: Catalog, user_id: int) -> dict[Form, bool]:
    """Which forms the person may still send: before until module 0 is passed, after module 9."""
    sent = {s.form for s in my_answers(session, user_id)}
    first, last = catalog.modules[0].id, catalog.modules[-1].id
    return {
        "before": "before" not in sent and not _passed(session, user_id, first),
        "after": "after" not in sent and _passed(session, user_id, last),
    }


def submit(
    session: Session, *, catalog: Catalog, user_id: int, form: Form, ratings: Ratings
) -> None:
    """Store the form once; a second one (also two sent at once) is refused and changes nothing.

    Answers are never overwritten: what someone felt before the course cannot be rewritten
    after it. Commits.
    """

    ensure_open(session, catalog, user_id, form)
    text = json.dumps({k: list(v) for k, v in ratings.items()})
    stored = session.execute(  # RETURNING: an ORM-run INSERT reports no rowcount on psycopg
        conflict_insert(session, MeasureResponse)
        .values(user_id=user_id, form=form, ratings=text)
        .on_conflict_do_nothing()
        .returning(col(MeasureResponse.id))
    ).first()
    if stored is None:
        session.rollback()
        raise _closed(session, user_id, form)
    _count(session, user_id)
    session.commit()


def ensure_open(session: Session, catalog: Catalog, user_id: int, form: Form) -> None:
    """Refuse (403, or 409 once sent) a form that is not, or no longer, the person's to send."""
    if not open_forms(session, catalog, user_id)[form]:
        raise _closed(session, user_id, form)


def _closed(session: Session, user_id: int, form: Form) -> Exception:
    if any(s.form == form for s in my_answers(session, user_id)):
        return Conflict(
            "You have already sent this form. Answers are kept as first sent and cannot be "
            "changed; your page shows them."
        )
    when = "before you pass the first module" if form == "before" else "after the last module"
    return Forbidden(f"This form is offered only {when}.")


def _count(session: Session, user_id: int) -> None:
    """Once both forms are in, the person's change waits for release under their department."""
    sent = {s.form: s for s in my_answers(session, user_id)}
    if len(sent) < len(FORMS):
        return
    person = session.exec(
        select(User.id, User.department_id).where(col(User.id) == user_id, counted_person())
    ).first()
    if person is None:  # HR, admins, accounts HR held: never in a released figure
        return
    before, after = sent["before"].ratings, sent["after"].ratings
    both = [k for k in after if k in before]
    if not both:
        return
    session.execute(
        conflict_insert(session, MeasureMember)
        .values(
            user_id=user_id,
            department_id=person[1],
            items=len(both),
            change=sum(after[k][0] - before[k][0] for k in both),
            looking_back=sum(after[k][0] - (after[k][1] or after[k][0]) for k in both),
        )
        .on_conflict_do_nothing()
    )


def my_answers(session: Session, user_id: int) -> list[Sent]:
    """The person's own forms, before first (for their own page only)."""
    rows = session.exec(select(MeasureResponse).where(MeasureResponse.user_id == user_id)).all()
    sent = [
        Sent(
            form="before" if r.form == "before" else "after",
            ratings={k: (v[0], v[1]) for k, v in json.loads(r.ratings).items()},
            submitted_at=r.submitted_at,
        )
        for r in rows
    ]
    return sorted(sent, key=lambda s: FORMS.index(s.form))
