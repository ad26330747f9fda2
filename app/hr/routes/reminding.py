"""Reminders: preview who gets what and when (and what was delivered), queue today's now."""

from __future__ import annotations

from datetime import timedelta

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.auth import invites
from app.auth.deps import CurrentUser
from app.clock import utcnow
from app.config import Settings
from app.content.catalog import Catalog
from app.db import SessionDep
from app.hr import reminder_preview, reminder_schedule, reminders
from app.hr.routes.common import hr_router
from app.web.deps import CatalogDep, SettingsDep
from app.web.forms import Submitted, form_page
from app.web.inputs import whole_number
from app.web.templating import render

router = hr_router()
SHOWN = 300
RECERT_SHOWN_DAYS = timedelta(days=30)


@router.get("/reminders")
def reminders_page(
    request: Request, session: SessionDep, settings: SettingsDep, catalog: CatalogDep
) -> Response:
    return render(request, "hr/reminders.html", _context(request, session, settings, catalog))


def _context(
    request: Request, session: Session, settings: Settings, catalog: Catalog
) -> dict[str, object]:
    today = utcnow().date()
    planned = reminder_preview.preview(session, settings, catalog, today=today)
    query = request.query_params
    return {
        "today": today,
        "planned": planned[:SHOWN],
        "planned_total": len(planned),
        "due_now": len({p.email for p in planned if p.status == "due now"}),
        "failures": reminder_preview.failures(session, max_attempts=settings.outbox_max_attempts),
        "recert_sent": reminder_preview.recert_reminders(
            session, since=today - RECERT_SHOWN_DAYS, max_attempts=settings.outbox_max_attempts
        ),
        "pending_invites": invites.pending_count(session),
        "mail_today": reminder_preview.reminder_mail(
            session, today=today, max_attempts=settings.outbox_max_attempts
        ),
        "settings": settings,
        "plan": reminder_schedule.current_plan(session, settings),
        "done": {
            k: n for k in ("queued", "digests") if (n := whole_number(query.get(k, ""))) is not None
        },
    }


def _send_again(request: Request, session: Session, form: Submitted) -> Response:
    state = request.app.state
    context = _context(request, session, state.settings, state.catalog) | {"errors": form.errors}
    return render(request, "hr/reminders.html", context, status_code=422)


@router.post("/reminders/send")
@form_page(_send_again)
def send_reminders(
    session: SessionDep,
    settings: SettingsDep,
    catalog: CatalogDep,
    user: CurrentUser,
) -> Response:
    # Only queued here, in this request's transaction: the outbox sender delivers them.
    report = reminders.queue_due(session, settings, catalog, actor_id=user.id)
    query = f"queued={len(report.queued)}&digests={len(report.digests)}"
    return RedirectResponse(f"/hr/reminders?{query}", status_code=303)
