"""What the projector, the remote and the phones show for a session's current step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.content.catalog import Catalog
from app.content.schema import FacilitatorNotes, Module, Scenario
from app.errors import NotFound
from app.live import released, steps
from app.live.open_answers_store import Panel, open_prompt
from app.live.results import Distribution
from app.live.steps import COUNTDOWN_PHASES, RESULT_PHASES, Phase, Step, step_of
from app.models import LiveParticipant, LivePrompt, LiveSession, LiveVote, row_id

IN, WAITING, DENIED = "in", "waiting", "denied"  # a phone: let in, waiting, turned away
SHOWN_WAITING = 12


@dataclass(frozen=True)
class Unchanged:
    """The client already shows this state: answer 304 with this ETag."""

    etag: str


@dataclass(frozen=True)
class Admissions:
    """Phones in, waiting and turned away, and the newest waiting one (for the presenter's ETag)."""

    admitted: int = 0
    waiting: int = 0
    denied: int = 0
    newest_waiting: int = 0

    @property
    def marker(self) -> str:
        return f"{self.admitted}-{self.waiting}-{self.denied}-{self.newest_waiting}"


@dataclass(frozen=True)
class WaitingPhone:
    participant_id: int
    ticket: str


def ticket(token_hash: str) -> str:
    """Four characters the waiting phone shows and the presenter lists, to tell phones apart."""
    return token_hash[:4].upper()


@dataclass(frozen=True)
class Stage:
    live: LiveSession
    module: Module
    scenarios: tuple[Scenario | None, ...]
    joined: int
    voted: int
    distribution: Distribution | None
    admissions: Admissions = Admissions()
    waiting: tuple[WaitingPhone, ...] = ()  # the first few, for the facilitator to decide on
    prompt: LivePrompt | None = None  # the open question, if any (app/live/open_answers.py)
    answers: Panel | None = None  # its answers: facilitator's views only

    @property
    def step(self) -> Step:
        return current_step(self.live)

    @property
    def scenario(self) -> Scenario | None:
        step = self.step
        return self.scenarios[step.index] if step.in_scenario else None

    @property
    def notes(self) -> FacilitatorNotes | None:
        return self.module.quiz.facilitator

    @property
    def ground_rules(self) -> list[str]:
        return list(self.notes.ground_rules) if self.notes else []

    @property
    def prompts(self) -> list[str]:
        """The scenario's own discussion prompts, else the module's discussion questions."""
        if self.scenario and self.scenario.discussion:
            return list(self.scenario.discussion)
        return list(self.notes.discussion_questions) if self.notes else []

    @property
    def closing_commitment(self) -> str:
        if self.notes:
            return self.notes.closing_commitment
        return 'Write one plan: "If [a moment you expect], then I will [one thing you will do]."'

    @property
    def seconds_left(self) -> int | None:
        ends = self.live.countdown_ends_at
        return None if ends is None else max(0, int((ends - utcnow()).total_seconds()))

    @property
    def countdown_ends(self) -> datetime | None:
        return self.live.countdown_ends_at

    @property
    def step_message(self) -> str:
        """What the announcer says when the step changes: "Scenario 2 of 3: voting open"."""
        step = self.step
        if not step.in_scenario:
            return step.label
        return f"Scenario {step.index + 1} of {len(self.scenarios)}: {step.label.lower()}"

    @property
    def page_title(self) -> str:
        """The title's own part (WCAG 2.4.2), following the step:
        "Voting open: Scenario 2 of 3 · Promote women"."""
        step = self.step
        if not step.in_scenario:
            return f"{step.label} · {self.module.title}"
        named = f" · {self.scenario.title}" if self.scenario else ""
        return f"{step.label}: Scenario {step.index + 1} of {len(self.scenarios)}{named}"

    @property
    def ended(self) -> bool:
        return self.step.phase is Phase.ended

    @property
    def next_label(self) -> str:
        """What "Next" leads to, for the controls."""
        if self.ended:
            return ""
        return steps.apply(self.step, steps.Action.next, len(self.scenarios)).label

    @property
    def position(self) -> int:
        return steps.all_steps(len(self.scenarios)).index(self.step) + 1

    @property
    def step_count(self) -> int:
        return len(steps.all_steps(len(self.scenarios)))

    @property
    def skipped(self) -> list[int]:
        """The numbers (from 1) of the scenarios skipped before their results were shown."""
        return sorted(i + 1 for i in self.live.skipped_positions)

    @property
    def small_group(self) -> bool:
        """Results are up but too few voted for a distribution (app/privacy.py)."""
        return self.distribution is not None and self.distribution.hidden

    @property
    def countdown_allowed(self) -> bool:
        return self.step.phase in COUNTDOWN_PHASES


def current_step(live: LiveSession) -> Step:
    """The session's step as a Step value."""
    return step_of(live.phase, live.scenario_index)


def module_of(catalog: Catalog, live: LiveSession) -> Module:
    """The session's module (NotFound if the course no longer has it)."""
    module = catalog.get(live.module_id)
    if module is None:
        raise NotFound("This session's module is no longer part of the course.")
    return module


def counts(session: Session, live: LiveSession) -> tuple[Admissions, int]:
    """Phones let in, waiting and turned away, and votes on the current scenario (0 outside
    the scenario steps)."""
    joined = admissions(session, row_id(live))
    step = current_step(live)
    if not step.in_scenario:
        return joined, 0
    return joined, votes_on(session, row_id(live), live.scenario_list[step.index])


def votes_on(session: Session, session_id: int, scenario_id: str) -> int:
    """How many have voted on one scenario of a session (a count, never a choice)."""
    return session.exec(
        select(func.count())
        .select_from(LiveVote)
        .where(LiveVote.session_id == session_id, LiveVote.scenario_id == scenario_id)
    ).one()


def build_stage(
    session: Session, catalog: Catalog, live: LiveSession, joined: int, voted: int
) -> Stage:
    """Assemble the view; results show only in the result steps, and only as released."""
    module = module_of(catalog, live)
    scenarios = tuple(module.quiz.scenario(sid) for sid in live.scenario_list)
    step = current_step(live)
    shown: Distribution | None = None
    if step.phase in RESULT_PHASES and (scenario := scenarios[step.index]) is not None:
        shown = released.shown_now(session, session_id=row_id(live), scenario=scenario)
    return Stage(
        live, module, scenarios, joined, voted, shown, prompt=open_prompt(session, row_id(live))
    )


def admissions(session: Session, session_id: int) -> Admissions:
    """Phones per state in one grouped query."""
    rows = session.exec(
        select(LiveParticipant.state, func.count(), func.max(LiveParticipant.id))
        .where(LiveParticipant.session_id == session_id)
        .group_by(col(LiveParticipant.state))
    ).all()
    found = {state: (n, newest) for state, n, newest in rows}
    return Admissions(
        admitted=found.get(IN, (0, 0))[0],
        waiting=found.get(WAITING, (0, 0))[0],
        denied=found.get(DENIED, (0, 0))[0],
        newest_waiting=found.get(WAITING, (0, 0))[1] or 0,
    )


def waiting_phones(session: Session, session_id: int) -> list[WaitingPhone]:
    """The phones waiting longest, first (the presenter lists a few and offers 'all')."""
    rows = session.exec(
        select(LiveParticipant.id, LiveParticipant.token_hash)
        .where(LiveParticipant.session_id == session_id, LiveParticipant.state == WAITING)
        .order_by(col(LiveParticipant.id))
        .limit(SHOWN_WAITING)
    ).all()
    return [WaitingPhone(pid or 0, ticket(digest)) for pid, digest in rows]
