"""Add one person and edit one, on plain forms (no CSV)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.auth.deps import CurrentUser
from app.auth.lookup import AnyUser
from app.db import SessionDep
from app.errors import Invalid
from app.hr import people, person_edit
from app.hr.account_changes import roles_offered
from app.hr.person_edit import PersonFields
from app.hr.routes.common import hr_router
from app.models import Role, User
from app.web.deps import SettingsDep
from app.web.forms import FORM, Choice, Hidden, Submitted, form_page
from app.web.inputs import WholeNumber, whole_number
from app.web.templating import render

router = hr_router()


def _form(
    request: Request,
    session: Session,
    *,
    person: User | None,
    form: Any,
    drawn: str = "",
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    viewer: AnyUser = request.state.user
    context = {
        "person": person,
        "form": form,
        "drawn": drawn,
        "errors": errors or {},
        "departments": people.department_choices(session),
        "roles": roles_offered(viewer.role, person.role if person else None),
        "locked": person_edit.locked_fields(viewer, person),
    }
    return render(request, "hr/person_form.html", context, status_code=status_code)


def _department(sent: str) -> int | None:
    """The chosen department's id; None for "no department". Anything else (a crafted
    "abc") becomes 0, which no department has, so it is refused as not one of the list
    instead of quietly taking the person out of their department."""
    if not sent:
        return None
    found = whole_number(sent)
    return found if found is not None else 0


def _fields(form: Submitted | dict[str, str]) -> PersonFields:
    get = form.get
    return PersonFields(
        name=str(get("name", "")),
        email=str(get("email", "")),
        department_id=_department(str(get("department_id", "") or "")),
        manager_email=str(get("manager_email", "")),
        role=str(get("role", "") or Role.learner.value),
    )


def _add_again(request: Request, session: Session, form: Submitted) -> Response:
    fields = _fields(form)
    return _form(request, session, person=None, form=fields, errors=form.errors, status_code=422)


def _edit_again(request: Request, session: Session, form: Submitted) -> Response:
    user, now = person_edit.current(session, int(request.path_params["user_id"]))
    drawn = str(form.get("drawn", "")) or person_edit.fingerprint(now)
    return _form(
        request,
        session,
        person=user,
        form=_fields(form),
        drawn=drawn,
        errors=form.errors,
        status_code=422,
    )


Name = Annotated[str, Form(title="Name", max_length=400)]
Email = Annotated[str, Form(title="E-mail", max_length=320)]
DepartmentField = Annotated[str, Choice("Department", max_length=12)]
ManagerEmail = Annotated[str, Form(title="Manager's e-mail", max_length=320)]
RoleField = Annotated[str, Choice("Role", max_length=20)]


@router.get("/people/add")
def add_page(request: Request, session: SessionDep) -> Response:
    return _form(request, session, person=None, form=PersonFields())


@router.post("/people/add")
@form_page(_add_again)
def add(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    name: Name,
    email: Email,
    department_id: DepartmentField = "",
    manager_email: ManagerEmail = "",
    role: RoleField = "learner",
) -> Response:
    sent = {"name": name, "email": email, "department_id": department_id}
    sent |= {"manager_email": manager_email, "role": role}
    try:
        added = person_edit.add_person(session, actor=user, fields=_fields(sent))
    except Invalid as exc:
        session.rollback()
        problems = getattr(exc, "problems", {FORM: exc.message})
        return _add_again(request, session, Submitted(sent, problems))
    return RedirectResponse(f"/hr/people/{added.id}?saved=added", status_code=303)


@router.get("/people/{user_id}/edit")
def edit_page(request: Request, user_id: WholeNumber, session: SessionDep) -> Response:
    user, fields = person_edit.current(session, user_id)
    drawn = person_edit.fingerprint(fields)
    return _form(request, session, person=user, form=fields, drawn=drawn)


@router.post("/people/{user_id}/edit")
@form_page(_edit_again)
def edit(
    request: Request,
    user_id: WholeNumber,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    name: Name,
    email: Email,
    drawn: Annotated[str, Hidden(max_length=40)],
    department_id: DepartmentField = "",
    manager_email: ManagerEmail = "",
    role: RoleField = "learner",
) -> Response:
    sent = {"name": name, "email": email, "department_id": department_id}
    sent |= {"manager_email": manager_email, "role": role}
    try:
        person_edit.edit_person(
            session, settings, actor=user, user_id=user_id, fields=_fields(sent), drawn=drawn
        )
    except person_edit.StaleEdit as exc:
        session.rollback()
        user_now, now = person_edit.current(session, user_id)
        drawn_now = person_edit.fingerprint(now)
        errors = {FORM: exc.message}
        return _form(
            request, session, person=user_now, form=now, drawn=drawn_now, errors=errors,
            status_code=409,
        )  # fmt: skip
    except Invalid as exc:
        session.rollback()
        problems = getattr(exc, "problems", {FORM: exc.message})
        return _edit_again(request, session, Submitted(sent | {"drawn": drawn}, problems))
    return RedirectResponse(f"/hr/people/{user_id}?saved=edited", status_code=303)
