"""The people table's actions on the people ticked, on a page, or on all that match the filter."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.auth.deps import CurrentUser
from app.db import SessionDep
from app.errors import DomainError, Invalid
from app.hr import bulk, bulk_remind, people
from app.hr.routes.common import hr_router
from app.hr.routes.tracking import people_context
from app.web.announce import announce
from app.web.deps import CatalogDep, SettingsDep
from app.web.field_limit import Advice, advise
from app.web.forms import Choice, Hidden, Submitted, form_page
from app.web.inputs import WholeNumber, whole_number
from app.web.templating import is_htmx, render

router = hr_router()
# Starlette reads at most 1,000 form fields; below that, the service (or `_bulk_again`, past
# IDS_MAX) says how many are too many (bulk.TOO_MANY), not "choose from the options shown".
IDS_MAX = 900
# More than that (a forged or scripted form) is refused before this route runs: say why.
advise(
    "/hr/people/bulk",
    Advice("Too many people ticked", bulk.TOO_MANY[:1].upper() + bulk.TOO_MANY[1:],
           "/hr/people", "Back to the people list"),
)  # fmt: skip


def _filters(form: Submitted | dict[str, Any]) -> people.PeopleFilter:
    """The filter the form was drawn with; a broken one falls back to no filter."""
    try:
        return people.parse_filter(
            **{k: str(form.get(k, "") or "")[:100] for k in people.FILTER_FIELDS}
        )
    except Invalid:
        return people.DEFAULT


def _sent(form: Submitted | dict[str, Any], *, people_kept: bool = True) -> dict[str, Any]:
    """The bulk form's choices as sent, to draw it again after a refusal: the ticks (unless
    the people matched changed, when HR must look again), the action, modules and date."""

    def many(name: str) -> set[str]:
        value = form.get(name) or []
        return {str(v) for v in (value if isinstance(value, list | tuple) else [value])}

    return {
        "ids": many("ids") if people_kept else set(),
        "page_all": people_kept and form.get("page_all") == "yes",
        "matching": people_kept and form.get("matching") == "yes",
        "action": str(form.get("action") or ""),
        "modules": many("modules"),
        "due": str(form.get("due") or ""),
        "confirm": form.get("confirm") == "yes",
    }


def _table(
    request: Request,
    session: Session,
    filters: people.PeopleFilter,
    *,
    problem: str,
    status_code: int,
    sent: dict[str, Any],
    page: int = 1,
    errors: dict[str, str] | None = None,
) -> Response:
    """The people page again (or its table, for htmx) with why nothing was done, and the
    form as it was sent, so one slip never means ticking everyone again."""
    catalog = request.app.state.catalog
    context = people_context(session, filters, page=page, catalog=catalog)
    context |= {"bulk_problem": problem, "bulk_errors": errors or {}, "bulk_sent": sent}
    response = render(
        request, "hr/people.html", context, fragment="hr/_people_table.html",
        status_code=status_code,
    )  # fmt: skip
    if is_htmx(request):
        announce(response, problem, focus="#bulk-problem")
    return response


def _bulk_again(request: Request, session: Session, form: Submitted) -> Response:
    errors = dict(form.errors)
    ticked = form.get("ids") or []
    if "ids" in errors and isinstance(ticked, list) and len(ticked) > IDS_MAX:
        errors["ids"] = f"People: {len(ticked):,} are ticked: {bulk.TOO_MANY}"
    form = Submitted(form.values, errors)
    problem = " ".join(form.errors.values()) or "The form was incomplete; nothing was changed."
    page = whole_number(str(form.get("page", "1"))) or 1
    return _table(
        request, session, _filters(form), problem=problem, status_code=422, errors=form.errors,
        sent=_sent(form), page=page,
    )  # fmt: skip


@router.post("/people/bulk")
@form_page(_bulk_again)
def bulk_action(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    catalog: CatalogDep,
    user: CurrentUser,
    action: Annotated[str, Choice("Action", max_length=12)] = "",
    ids: Annotated[list[WholeNumber] | None, Choice("People", max_length=IDS_MAX)] = None,
    page_ids: Annotated[list[WholeNumber] | None, Hidden(max_length=people.PAGE_SIZE)] = None,
    page_all: Annotated[str, Choice("Select all on this page", max_length=5)] = "",
    matching: Annotated[str, Choice("Select all that match", max_length=5)] = "",
    seen: Annotated[WholeNumber, Hidden()] = 0,
    seen_key: Annotated[str, Hidden(max_length=80)] = "",
    page: Annotated[WholeNumber, Hidden()] = 1,
    modules: Annotated[list[str] | None, Choice("Modules", max_length=50)] = None,
    due: Annotated[date | None, Form(title="Due date")] = None,
    confirm: Annotated[str, Choice("Confirm", max_length=5)] = "",
    q: Annotated[str, Hidden(max_length=200)] = "",
    department: Annotated[str, Hidden(max_length=20)] = "",
    status: Annotated[str, Hidden(max_length=20)] = "",
    overdue: Annotated[str, Hidden(max_length=5)] = "",
    leavers: Annotated[str, Hidden(max_length=5)] = "",
    sort: Annotated[str, Hidden(max_length=20)] = "",
    recert: Annotated[str, Hidden(max_length=20)] = "",
) -> Response:
    sent = {"q": q, "department": department, "status": status, "overdue": overdue}
    filters = _filters(sent | {"leavers": leavers, "sort": sort, "recert": recert})
    if matching == "yes":
        selection = bulk.Selection(filters=filters, seen=seen, seen_key=seen_key)
    else:
        chosen = page_ids if page_all == "yes" else ids
        selection = bulk.Selection(ids=tuple(chosen or ()))
    try:
        outcome = _run(
            session, settings, catalog, user, action, selection, modules or [], due, confirm
        )
    except DomainError as exc:
        session.rollback()
        changed = isinstance(exc, bulk.SelectionChanged)
        sent = _sent(
            {"ids": [str(i) for i in ids or ()], "page_all": page_all, "matching": matching}
            | {"action": action, "modules": modules, "due": due or "", "confirm": confirm},
            people_kept=not changed,
        )
        return _table(
            request, session, filters, problem=exc.message, status_code=409 if changed else 422,
            sent=sent, page=1 if changed else page,
        )  # fmt: skip
    if not is_htmx(request):
        link = people.people_link(filters)
        joiner = "&" if "?" in link else "?"
        return RedirectResponse(f"{link}{joiner}{outcome.query()}", status_code=303)
    context = people_context(session, filters, page=1, catalog=request.app.state.catalog) | {
        "outcome": outcome
    }
    response = render(request, "hr/people.html", context, fragment="hr/_people_table.html")
    return announce(response, outcome.message, focus="#bulk-outcome")


def _run(
    session: Session,
    settings: Any,
    catalog: Any,
    user: Any,
    action: str,
    selection: bulk.Selection,
    modules: list[str],
    due: date | None,
    confirm: str,
) -> bulk.Outcome:
    """Call the service for `action` (each one checks its own inputs)."""
    if action == "assign":
        return bulk.assign(
            session, catalog, actor=user, selection=selection, module_ids=modules, due=due,
            default_due_days=settings.default_due_days,
        )  # fmt: skip
    if action == "due":
        return bulk.set_due(session, catalog, actor=user, selection=selection, due=due)
    if action == "remind":
        return bulk_remind.remind(session, settings, catalog, actor=user, selection=selection)
    if action == "deactivate":
        if confirm != "yes":
            raise Invalid(
                "Deactivate: tick “Yes, deactivate them” to confirm. Deactivated people can no "
                "longer sign in; their records stay, and you can reactivate them."
            )
        return bulk.deactivate(session, actor=user, selection=selection)
    raise Invalid(f"Action: choose one of: {', '.join(bulk.ACTIONS.values())}.")
