"""The reminder schedule page (/hr/reminders/schedule): days before and after, weekly cap."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.auth.deps import CurrentUser
from app.db import SessionDep
from app.hr import reminder_schedule
from app.hr.routes.common import hr_router
from app.web.deps import SettingsDep
from app.web.forms import Hidden, Submitted, form_page
from app.web.inputs import WholeNumber
from app.web.templating import render

router = hr_router()


def _page(
    request: Request,
    session: Session,
    *,
    sent: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    current = reminder_schedule.current(session, request.app.state.settings)
    plan = current.plan
    shown = sent or {
        "before": ", ".join(map(str, plan.before)),
        "after": ", ".join(map(str, plan.after)),
        "weekly_cap": str(plan.weekly_cap),
    }
    context = {
        "current": current,
        "sent": shown,
        "errors": errors or {},
        "done": request.query_params.get("done") == "saved",
    }
    return render(request, "hr/reminder_schedule.html", context, status_code=status_code)


def _again(request: Request, session: Session, form: Submitted) -> Response:
    return _page(request, session, sent=dict(form.values), errors=form.errors, status_code=422)


@router.get("/reminders/schedule")
def schedule_page(request: Request, session: SessionDep) -> Response:
    return _page(request, session)


@router.post("/reminders/schedule")
@form_page(_again)
def save_schedule(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    version: Annotated[WholeNumber, Hidden()],
    before: Annotated[str, Form(max_length=100, title="Days before the due date")] = "",
    after: Annotated[str, Form(max_length=100, title="Days after the due date")] = "",
    weekly_cap: Annotated[str, Form(max_length=20, title="Weekly overdue notices")] = "",
) -> Response:
    sent = {"before": before, "after": after, "weekly_cap": weekly_cap}
    try:
        plan = reminder_schedule.parse(before=before, after=after, weekly_cap=weekly_cap)
        reminder_schedule.save(session, settings, plan=plan, version=version, actor_id=user.id)
    except reminder_schedule.ScheduleProblems as exc:
        return _page(request, session, sent=sent, errors=exc.problems, status_code=422)
    except reminder_schedule.ScheduleChanged as exc:
        return _page(request, session, errors={"form": exc.message}, status_code=409)
    return RedirectResponse("/hr/reminders/schedule?done=saved", status_code=303)
