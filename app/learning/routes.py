"""Learner routes: dashboard, lesson, reflection, quiz, results, certificate, verify."""

from __future__ import annotations

import uuid
from datetime import timedelta
from functools import partial
from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.auth.deps import CurrentUser, current_user
from app.auth.kept_forms import keeps_form
from app.auth.lookup import UserRow
from app.clock import utcnow
from app.config import Settings
from app.content.catalog import Catalog
from app.content.schema import Module
from app.db import SessionDep, Source, run_batched_write, run_read
from app.errors import NotFound
from app.lasting import cards as lasting_cards
from app.lasting import commitments as lasting_commitments
from app.lasting.seam import refresher_source
from app.learning import (
    attempts,
    certificates,
    draws,
    papers,
    progress,
    reopened,
    retakes,
    signed_out,
)
from app.learning.scoring import AnswerError
from app.learning.signed_out import ANSWER_PREFIX
from app.models import row_id
from app.web.announce import announce
from app.web.deps import CatalogDep, SettingsDep
from app.web.forms import Submitted, form_page
from app.web.inputs import WholeNumber
from app.web.request_checks import checked_router
from app.web.templating import is_htmx, render

router = checked_router()


async def quiz_form(request: Request) -> dict[str, str]:
    """The posted quiz form as plain strings (answers are `answer-<scenario id>` fields).

    Read in the route rather than as a dependency: the request checks have parsed it
    already, and each dependency costs FastAPI more than this does (bench/NOTES.md).
    """
    form = await request.form(max_fields=200)
    return {k: v for k, v in form.items() if isinstance(v, str)}


@router.get("/")
async def dashboard(request: Request) -> Response:
    # `async`, with its reads through app.db.run_read: a page that only reads skips the
    # thread-pool hop, which cost more than its queries (bench/NOTES.md). The user is asked
    # for in the body, not as a dependency: FastAPI's solving of one cost more than the call.
    user = await current_user(request)
    catalog: Catalog = request.app.state.catalog
    course, certificate, notes, due_cards = await run_read(
        request, _dashboard_reads, catalog, row_id(user), user.cycle
    )
    return render(
        request,
        "learning/dashboard.html",
        {
            "rows": course.rows,
            "html": request.app.state.module_html,
            "resume": course.resume,
            "overall": course.overall,
            "done": course.done,
            "started": course.started,
            "certificate": certificate,
            "change_notes": notes,
            "due_cards": due_cards,
        },
    )


def _dashboard_reads(
    source: Source, catalog: Catalog, user_id: int, cycle: int
) -> tuple[
    progress.CourseState,
    certificates.CertificateRow | None,
    list[reopened.ChangeNote],
    list[lasting_cards.Card],
]:
    course = progress.CourseState.of(progress.learner_progress(source, catalog, user_id))
    # Shown once every module is done, or (in a new cycle) an earlier one: only then looked up.
    done = course.resume is None
    if done:
        certificate = certificates.certificate_of(source, user_id=user_id)
    elif cycle > 1:  # a new cycle: the newest earlier certificate, with its own dates
        certificate = next(iter(certificates.certificates_of(source, user_id=user_id)), None)
    else:
        certificate = None
    notes = reopened.change_notes(source, catalog, course.rows, user_id=user_id)
    cards = lasting_cards.due_cards(
        source, catalog, refresher_source(catalog), user_id=user_id, today=utcnow().date()
    )
    return course, certificate, notes, cards


@router.get("/modules/{module_id}")
async def lesson(request: Request, module_id: str) -> Response:
    user = await current_user(request)  # not a dependency: see dashboard
    module = attempts.get_module(request.app.state.catalog, module_id)
    row, reflection = await run_read(request, _lesson_reads, module, row_id(user))
    back = await signed_out.reflection_back(request, module, user)
    kept: dict[str, Any] = (
        {"typed": back.fields["text"], "kept_notice": back.notice} if back.notice else {}
    )
    return back.settle(request, _lesson_page(request, module, row, reflection, **kept))


def _lesson_page(
    request: Request,
    module: Module,
    row: progress.ModuleProgress,
    reflection: progress.ReflectionRow | None,
    status_code: int = 200,
    **problems: Any,
) -> Response:
    """The lesson page; a reflection shown again adds what was typed and its problems."""
    catalog: Catalog = request.app.state.catalog
    context = {
        "module": module,
        "html": request.app.state.module_html,
        "row": row,
        "reflection": reflection,
        "next_module": _next_module(catalog, module.order),
    }
    return render(request, "learning/lesson.html", context | problems, status_code=status_code)


def _lesson_reads(
    source: Source, module: Module, user_id: int
) -> tuple[progress.ModuleProgress, progress.ReflectionRow | None]:
    return (
        progress.module_progress(source, module, user_id),
        progress.get_reflection(source, user_id=user_id, module_id=module.id),
    )


def _next_module(catalog: Catalog, order: int) -> Module | None:
    return next((m for m in catalog.modules if m.order > order), None)


@router.post("/modules/{module_id}/read")
def mark_read(
    request: Request, module_id: str, session: SessionDep, catalog: CatalogDep, user: CurrentUser
) -> Response:
    module = attempts.get_module(catalog, module_id)
    progress.mark_read(session, catalog, user=user, module_id=module.id)
    return RedirectResponse(f"/modules/{module.id}/quiz", status_code=303)


def _reflection_again(request: Request, session: Session, form: Submitted) -> Response:
    """The lesson (or, for htmx, its reflection box) with the typed text and the problem."""
    module = attempts.get_module(request.app.state.catalog, request.path_params["module_id"])
    user = request.state.user
    reflection = progress.get_reflection(session, user_id=user.id, module_id=module.id)
    problems = {"typed": form.get("text"), "errors": form.errors}
    if is_htmx(request):
        context = {"module": module, "reflection": reflection, **problems}
        return render(request, "learning/_reflection.html", context, status_code=422)
    row = progress.module_progress(session, module, user.id)
    return _lesson_page(request, module, row, reflection, status_code=422, **problems)


@router.post("/modules/{module_id}/reflection")
@form_page(_reflection_again)
@keeps_form(signed_out.reflection_to_keep)
def save_reflection(
    request: Request,
    module_id: str,
    session: SessionDep,
    catalog: CatalogDep,
    user: CurrentUser,
    # Browsers send each line break as two characters, so the field takes twice the limit
    # the textarea shows; the service keeps REFLECTION_MAX.
    text: Annotated[
        str, Form(title="Your private reflection", max_length=2 * progress.REFLECTION_MAX)
    ] = "",
) -> Response:
    module = attempts.get_module(catalog, module_id)
    reflection = progress.save_reflection(session, user=user, module_id=module.id, text=text)
    if is_htmx(request):
        response = render(
            request,
            "learning/_reflection.html",
            {"module": module, "reflection": reflection, "saved": True},
        )
        # The pressed button was swapped out with the box: focus goes to its replacement.
        return announce(response, "Reflection saved", focus="#reflection button[type=submit]")
    return RedirectResponse(f"/modules/{module.id}?saved=reflection#reflection", status_code=303)


@router.get("/modules/{module_id}/quiz")
async def quiz_page(request: Request, module_id: str) -> Response:
    user = await current_user(request)  # not a dependency: see dashboard
    module = attempts.get_module(request.app.state.catalog, module_id)
    try:
        paper = await papers.to_answer(request, module, user)
    except retakes.NotYet as wait:
        return _waiting(request, module, wait)
    back = await signed_out.quiz_back(request, module, user, paper)
    context = _quiz_context(module, paper, back.fields, {}, notice=back.notice)
    return back.settle(request, render(request, "learning/quiz.html", context))


def _waiting(request: Request, module: Module, wait: retakes.NotYet, status: int = 200) -> Response:
    """The page that says when the next attempt opens (a post made meanwhile gets it, 409)."""
    context = {"module": module, "opens_at": wait.opens_at, "last_id": wait.last_attempt_id}
    return render(request, "learning/quiz_wait.html", context, status_code=status)


def _quiz_context(
    module: Module,
    paper: draws.Paper,
    answers: dict[str, str],
    errors: dict[str, str],
    message: str = "",
    notice: str = "",
) -> dict[str, Any]:
    return {
        "module": module,
        "paper": paper,
        "shown": paper.shown(module.quiz),
        "answers": answers,
        "errors": errors,
        "message": message,
        "notice": notice,
        "submission_id": uuid.uuid4().hex,
    }


@router.post("/modules/{module_id}/quiz")
@keeps_form(signed_out.quiz_to_keep)
async def submit_quiz(request: Request, module_id: str) -> Response:
    # `async`: scored here, stored by the worker's writer thread in a transaction shared
    # with other submissions arriving at the same time (app/db/group_commit.py).
    user = await current_user(request)  # not a dependency: see dashboard
    catalog: Catalog = request.app.state.catalog
    module = attempts.get_module(catalog, module_id)
    form = await quiz_form(request)
    answers = {
        k.removeprefix(ANSWER_PREFIX): v for k, v in form.items() if k.startswith(ANSWER_PREFIX)
    }
    quiz_hash = form.get("quiz_hash", "")
    submission_id = form.get("submission_id", "")[:64] or uuid.uuid4().hex
    draw_id = papers.draw_id(form.get("draw_id", ""))
    try:
        paper = await papers.submitted(request, module, user, draw_id)
    except retakes.NotYet as wait:
        return _waiting(request, module, wait, status=409)
    answers = paper.resolve(module.quiz, answers)
    try:
        if quiz_hash == module.quiz.content_hash == paper.quiz_hash:
            scored = attempts.score_attempt(
                catalog,
                user=user,
                module_id=module.id,
                answers=answers,
                submission_id=submission_id,
                paper=paper,
            )
            write = partial(attempts.store_attempt, catalog=catalog, scored=scored)
            submitted = await run_batched_write(request, write)
        else:  # stale page: a repeat of a stored submission, or the quiz changed
            submitted = await run_read(
                request, attempts.stale_submission, row_id(user), submission_id, paper.draw_id
            )
    except attempts.QuizChanged as exc:
        fresh = await papers.to_answer(request, module, user)
        kept = signed_out.still_valid(module, answers)
        context = _quiz_context(module, fresh, kept, {}, exc.message)
        return render(request, "learning/quiz.html", context, status_code=409)
    except AnswerError as exc:
        message = "Some answers need your attention before the quiz can be scored."
        context = _quiz_context(module, paper, answers, exc.problems, message)
        return render(request, "learning/quiz.html", context, status_code=422)
    return RedirectResponse(
        f"/modules/{module.id}/attempts/{submitted.attempt.id}", status_code=303
    )


@router.get("/modules/{module_id}/attempts/{attempt_id}")
def attempt_result(
    request: Request,
    module_id: str,
    attempt_id: WholeNumber,
    session: SessionDep,
    catalog: CatalogDep,
    settings: SettingsDep,
    user: CurrentUser,
) -> Response:
    module = attempts.get_module(catalog, module_id)
    attempt = attempts.attempt_for(session, user=user, attempt_id=attempt_id)
    if attempt.module_id != module.id:
        raise NotFound("That attempt does not belong to this module.")
    answers = attempts.answers_for(session, row_id(attempt))
    paper = draws.paper_of_attempt(session, attempt, module.quiz, list(answers))
    wait = timedelta(hours=settings.retake_wait_hours)
    held_back = retakes.opens_at(session, user_id=row_id(user), module=module, wait=wait)
    return render(
        request,
        "learning/result.html",
        {
            "module": module,
            "attempt": attempt,
            "shown": paper.shown(module.quiz),
            "answers": answers,
            "same_version": attempt.quiz_hash == module.quiz.content_hash,
            "history": attempts.history(session, user_id=row_id(user), module_id=module.id),
            "row": progress.module_progress(session, module, row_id(user)),
            "next_module": _next_module(catalog, module.order),
            "retake_opens_at": held_back.opens_at if held_back else None,
            "commitment": lasting_commitments.own_commitment(
                session, user_id=row_id(user), module_id=module.id
            ),
            "commitment_start": lasting_commitments.starting_text(
                session, user_id=row_id(user), module_id=module.id
            )
            if attempt.passed
            else "",
        },
    )


@router.get("/certificate")
def certificate(
    request: Request, session: SessionDep, settings: SettingsDep, user: CurrentUser
) -> Response:
    return _certificate_page(request, session, settings, user, None)


@router.get("/certificate/{cycle}")
def earlier_certificate(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    cycle: WholeNumber,
) -> Response:
    """One of the learner's own certificates by its cycle (earlier cycles' stay theirs)."""
    return _certificate_page(request, session, settings, user, cycle)


def _certificate_page(
    request: Request, session: Session, settings: Settings, user: UserRow, cycle: int | None
) -> Response:
    found = certificates.certificates_of(session, user_id=row_id(user))
    dated = [
        (
            c,
            certificates.cycle_dates(
                session, user_id=c.user_id, cycle=c.cycle, issued_at=c.issued_at
            ),
        )
        for c in found
    ]
    shown = certificates.pick(dated, current=user.cycle, asked=cycle, today=utcnow().date())
    if shown is None:  # a page titled for what happened, not a bare "Not found" (WCAG 2.4.2)
        context = {
            "title": "No certificate yet",
            "message": "Your certificate appears here once every module is complete.",
            "status": 404,
        }
        return render(request, "errors/error.html", context, status_code=404)
    cert, dates = shown
    context = {
        "cert": cert,
        "dates": dates,
        "person": user,
        "settings": settings,
        "current_cycle": user.cycle,
        "expired": dates.valid_until is not None and dates.valid_until <= utcnow().date(),
        "others": [(c, d) for c, d in dated if c.cycle != cert.cycle],
    }
    return render(request, "learning/certificate.html", context)


@router.get("/verify/{code}")
def verify(request: Request, code: str, session: SessionDep, settings: SettingsDep) -> Response:
    cert, person = certificates.verify(session, code=code)
    dates = certificates.cycle_dates(
        session, user_id=cert.user_id, cycle=cert.cycle, issued_at=cert.issued_at
    )
    context = {"cert": cert, "dates": dates, "name": person.name, "settings": settings}
    return render(request, "learning/verify.html", context)
