"""Learner forms sent after the sign-in ended: what is kept, and how it comes back.

A quiz comes back pre-filled, not scored. The learner did press Submit, but their answers
then went through a sign-in they did not expect: scoring them unseen would record an
attempt (evidence an organisation may be audited on) that the learner never confirmed
after signing in, perhaps against a quiz that changed in between, and on a shared browser
perhaps while someone else looks on. Shown again with a note saying why, the answers need
one more press of Submit, which takes the normal path: a fresh CSRF token, a new
submission id and scoring on the server. A reflection comes back in its box, unsaved, the
same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from fastapi import Request
from starlette.datastructures import FormData
from starlette.responses import Response

from app.auth.kept import FormToKeep
from app.auth.kept_forms import settle_kept, take_kept
from app.auth.lookup import AnyUser
from app.content.schema import Module
from app.db import run_read
from app.learning.draws import LETTERS, Paper, paper_of_draw
from app.learning.progress import REFLECTION_MAX
from app.models import row_id

ANSWER_PREFIX = "answer-"
DRAW_FIELD = "draw_id"  # never a scenario id: those are slugs without underscores
QUIZ_BACK = (
    "You were signed out before your answers were sent, so they were not scored yet. "
    "They are filled in below as you left them: check them and press “Submit my answers”."
)
QUIZ_CHANGED_BACK = (
    "You were signed out before your answers were sent, and this quiz has been updated "
    "since. Your choices that still apply are filled in below: check them and submit."
)
REFLECTION_BACK = (
    "You were signed out before your reflection was saved. It is back in the box below: "
    "press “Save reflection” to keep it."
)


@dataclass(frozen=True)
class Back:
    """A kept form given back to its page (empty when there was none)."""

    fields: dict[str, str] = field(default_factory=dict)
    notice: str = ""

    def settle(self, request: Request, response: Response) -> Response:
        """The page's response; once the form is given back, the browser forgets its cookie."""
        return settle_kept(request, response) if self.notice else response


def still_valid(module: Module, answers: dict[str, str]) -> dict[str, str]:
    """The answers that name a scenario and one of its choices in the current quiz."""
    return {k: v for k, v in answers.items() if (s := module.quiz.scenario(k)) and s.choice(v)}


def _answer_like(module: Module, scenario_id: str, value: str) -> bool:
    """A letter shown on the page (A-D) or a choice id, for a scenario the quiz has."""
    scenario = module.quiz.scenario(scenario_id)
    return scenario is not None and (value in LETTERS or scenario.choice(value) is not None)


def _module(request: Request) -> Module | None:
    module: Module | None = request.app.state.catalog.get(request.path_params.get("module_id", ""))
    return module


def quiz_to_keep(request: Request, form: FormData) -> FormToKeep | None:
    """The quiz's answers (only choices the quiz has, so at most one per scenario)."""
    if (module := _module(request)) is None:
        return None
    answers = {
        name.removeprefix(ANSWER_PREFIX): value
        for name, value in form.items()
        if name.startswith(ANSWER_PREFIX) and isinstance(value, str)
    }
    fields = {k: v for k, v in answers.items() if _answer_like(module, k, v)}
    draw_id = form.get("draw_id")
    if fields and isinstance(draw_id, str) and draw_id.isascii() and draw_id.isdigit():
        fields[DRAW_FIELD] = draw_id[:18]  # letters mean something only on that draw
    shown = form.get("quiz_hash")
    return FormToKeep(
        kind="quiz",
        module_id=module.id,
        page=f"/modules/{module.id}/quiz",
        fields=fields,
        quiz_hash=shown if isinstance(shown, str) else "",
    )


def reflection_to_keep(request: Request, form: FormData) -> FormToKeep | None:
    """The reflection's text, up to the length its form accepts."""
    if (module := _module(request)) is None:
        return None
    text = form.get("text")
    text = text[: 2 * REFLECTION_MAX] if isinstance(text, str) else ""
    return FormToKeep(
        kind="reflection",
        module_id=module.id,
        page=f"/modules/{module.id}#reflection",
        fields={"text": text} if text.strip() else {},
    )


async def quiz_back(request: Request, module: Module, user: AnyUser, paper: Paper) -> Back:
    """The answers kept for this learner on this quiz, if any, with what to tell them.

    Kept letters are read on the draw the learner answered; the answers that still fit
    the current quiz come back, and the page shows those of the paper it asks now.
    """
    kept = await take_kept(request, user=user, kind="quiz", module_id=module.id)
    if kept is None:
        return Back()
    fields = dict(kept.fields)
    draw_id = fields.pop(DRAW_FIELD, "")
    if draw_id.isdigit() and int(draw_id) != paper.draw_id:
        read = partial(
            paper_of_draw, draw_id=int(draw_id), user_id=row_id(user), module_id=module.id
        )
        earlier: Paper | None = await run_read(request, read)
        paper = earlier or paper
    answers = still_valid(module, paper.resolve(module.quiz, fields))
    same = kept.quiz_hash == module.quiz.content_hash
    return Back(answers, QUIZ_BACK if same else QUIZ_CHANGED_BACK)


async def reflection_back(request: Request, module: Module, user: AnyUser) -> Back:
    """The reflection kept for this learner on this lesson, if any."""
    kept = await take_kept(request, user=user, kind="reflection", module_id=module.id)
    if kept is None:
        return Back()
    return Back({"text": kept.fields.get("text", "")}, REFLECTION_BACK)
