"""A finished session's record for the facilitator: per-scenario distributions, never names."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from app.auth.lookup import AnyUser
from app.content.catalog import Catalog
from app.content.schema import Module, Scenario
from app.live import open_answers_store, released
from app.live.facilitator import owned_session
from app.live.results import HIDDEN_NOTE, Distribution
from app.live.stage import module_of
from app.models import LiveParticipant, LiveSession, row_id
from app.privacy import MIN_GROUP
from app.spreadsheet import safe_cell

CSV_HEADER = [
    "date",
    "module",
    "participants",
    "scenario",
    "voters",
    "choice",
    "votes",
    "percent",
    "strongest",
]


SKIPPED = "Skipped"


@dataclass(frozen=True)
class ScenarioResult:
    scenario: Scenario
    distribution: Distribution
    skipped: bool = False  # skipped before its results were shown: "skipped", not "0 voted"


@dataclass(frozen=True)
class SessionSummary:
    live: LiveSession
    module: Module
    held_on: datetime
    participants: int
    results: tuple[ScenarioResult, ...]
    min_group: int = MIN_GROUP
    answers: tuple[tuple[str, str], ...] = ()  # approved open answers: (question, text)


def session_summary(
    session: Session, catalog: Catalog, *, user: AnyUser, session_id: int
) -> SessionSummary:
    """Date, module, participant count and each scenario's released distribution (app/live/released.py)."""
    live = owned_session(session, user=user, session_id=session_id)
    module = module_of(catalog, live)
    participants = session.exec(
        select(func.count())
        .select_from(LiveParticipant)
        .where(LiveParticipant.session_id == live.id, LiveParticipant.state == "in")
    ).one()
    shown = released.releases(session, session_id=row_id(live))
    voted = released.voters(session, session_id=row_id(live))
    skipped = live.skipped_positions
    results = tuple(
        ScenarioResult(
            scenario,
            released.shown(scenario, shown.get(sid), voted.get(sid, 0)),
            skipped=position in skipped,
        )
        for position, sid in enumerate(live.scenario_list)
        if (scenario := module.quiz.scenario(sid)) is not None
    )
    held_on = live.started_at or live.created_at
    titles = {s.id: s.title for s in module.quiz.scenarios}
    approved = tuple(open_answers_store.approved_answers(session, row_id(live), titles))
    return SessionSummary(live, module, held_on, participants, results, answers=approved)


def summary_csv(summary: SessionSummary) -> str:
    """One row per scenario and choice; a hidden or skipped scenario gets one row saying so."""
    rows: list[list[object]] = [list(CSV_HEADER)]
    head = [summary.held_on.strftime("%Y-%m-%d"), summary.module.title, summary.participants]
    for result in summary.results:
        shares = result.distribution.shares
        if result.skipped:
            rows.append([*head, result.scenario.title, "", SKIPPED, "", "", ""])
            continue
        base = [*head, result.scenario.title, result.distribution.total]
        if shares is None:
            rows.append([*base, HIDDEN_NOTE, "", "", ""])
            continue
        for share in shares:
            strongest = "yes" if share.best else ""
            rows.append([*base, share.choice.text, share.count, share.percent, strongest])
    if summary.answers:  # a second table below: each approved open answer
        blank = [""] * (len(CSV_HEADER) - 2)
        rows += [[], ["question", "approved answer", *blank]]
        rows += [[question, text, *blank] for question, text in summary.answers]
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([_cell(v) for v in row] for row in rows)
    return out.getvalue()


def _cell(value: object) -> object:
    """One line of text, spreadsheet-safe; numbers stay numbers."""
    return safe_cell(" ".join(value.split()) if isinstance(value, str) else value)
