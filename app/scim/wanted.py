"""What a SCIM request asks a person to be: from a POST/PUT body, or from a PATCH's result.

Providers shape managers differently (Entra a bare id, Okta {"value": id}); both are made
complete before validation. The e-mail is one address, `userName`; `emails` mirrors it, and a
PATCH of the work or primary address (Entra's `emails[type eq "work"].value`) changes it too,
while a second address, or removing it, is refused rather than dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scim2_models import EnterpriseUser

from app.scim.errors import invalid_value, mutability
from app.scim.people import ScimUser

KEEP = object()  # "leave this attribute as it is"


@dataclass
class Wanted:
    """What a request asks the person to be; KEEP leaves a value unchanged."""

    email: str
    name: Any = KEEP
    external_id: Any = KEEP
    active: Any = KEEP
    department: Any = KEEP
    manager: Any = KEEP


ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def _manager(value: Any, base: str) -> Any:
    """Entra sends the manager as a bare id, Okta as {"value": id}: both become a full Manager."""
    if isinstance(value, str | int):
        value = {"value": str(value)}
    if isinstance(value, dict) and value.get("value") and "$ref" not in value:
        value = {**value, "$ref": f"{base}/Users/{value['value']}"}
    if isinstance(value, dict) and not value.get("value"):
        return None
    return value


def with_full_managers(body: Any, base: str) -> Any:
    """The body with every enterprise manager it carries (resource or PATCH) made complete."""
    if not isinstance(body, dict):
        return body
    body = dict(body)
    extension = body.get(ENTERPRISE)
    if isinstance(extension, dict) and "manager" in extension:
        body[ENTERPRISE] = {**extension, "manager": _manager(extension["manager"], base)}
    if f"{ENTERPRISE}:manager" in body:
        body[f"{ENTERPRISE}:manager"] = _manager(body[f"{ENTERPRISE}:manager"], base)
    operations = body.get("Operations")
    if isinstance(operations, list):
        body["Operations"] = [_operation(o, base) for o in operations]
    return body


def _operation(operation: Any, base: str) -> Any:
    if not isinstance(operation, dict) or "value" not in operation:
        return operation
    path = str(operation.get("path") or "").lower()
    if path.endswith(("enterprise:2.0:user:manager", "manager")) and not path.endswith(".value"):
        return {**operation, "value": _manager(operation["value"], base)}
    if not path:
        return {**operation, "value": with_full_managers(operation["value"], base)}
    return operation


def _full_name(user: ScimUser) -> str | None:
    if user.display_name:
        return user.display_name
    if user.name and user.name.formatted:
        return user.name.formatted
    if user.name and (user.name.given_name or user.name.family_name):
        return " ".join(p for p in (user.name.given_name, user.name.family_name) if p)
    return None


def wanted_from(user: ScimUser) -> Wanted:
    """A POST or PUT body: absent optional values stay; a sent enterprise part replaces both."""
    extension = user[EnterpriseUser]
    return Wanted(
        email=user.user_name or "",
        name=_full_name(user) or KEEP,
        external_id=user.external_id if user.external_id is not None else KEEP,
        active=user.active if user.active is not None else KEEP,
        department=extension.department if extension is not None else KEEP,
        manager=(extension.manager.value if extension.manager else None)
        if extension is not None
        else KEEP,
    )


def patched_wanted(before: ScimUser, after: ScimUser) -> Wanted:
    """What changed between the resource before and after a PATCH, as a Wanted."""
    name: Any = KEEP
    if after.display_name != before.display_name and after.display_name:
        name = after.display_name
    elif after.name != before.name:
        name = _full_name(after.model_copy(update={"display_name": None})) or KEEP
    if after.active is None and before.active is not None:
        raise mutability("active cannot be removed: send false to deactivate, true to reactivate.")
    if not after.display_name and name is KEEP:
        raise mutability("displayName cannot be removed: every person has a name.")
    old, new = before[EnterpriseUser], after[EnterpriseUser]
    new_department = new.department if new else None
    new_manager = new.manager.value if new and new.manager else None
    old_manager = old.manager.value if old and old.manager else None
    return Wanted(
        email=_patched_email(before, after),
        name=name,
        external_id=after.external_id if after.external_id != before.external_id else KEEP,
        active=after.active if after.active is not None and after.active != before.active else KEEP,
        department=new_department if new_department != (old.department if old else None) else KEEP,
        manager=new_manager if new_manager != old_manager else KEEP,
    )


def _patched_email(before: ScimUser, after: ScimUser) -> str:
    """The one address after a PATCH: a new userName, or a new work/primary `emails` value."""
    user_name = after.user_name or before.user_name or ""
    if after.emails == before.emails:
        return user_name
    kept = {str(e.value).strip().lower() for e in after.emails or [] if e.value}
    if not kept:
        raise mutability("emails cannot be removed: every person has their sign-in address.")
    if len(kept) > 1:
        raise invalid_value(
            "emails: one address is kept, the sign-in address (userName); send only that one."
        )
    address = kept.pop()
    if after.user_name != before.user_name and address != user_name.strip().lower():
        raise invalid_value(
            "emails and userName name different addresses; here they are one address: "
            "send the same value in both, or only one of them."
        )
    return address


def refuse_loose_active(body: Any) -> None:
    """400 unless every `active` in a POST, PUT or PATCH body is a JSON boolean: read leniently,
    "true", "False" or 1 would bring a leaver back or end someone's access by accident."""
    values = []
    if isinstance(body, dict):
        values += [v for k, v in body.items() if k.lower() == "active"]
        operations = next((v for k, v in body.items() if k.lower() == "operations"), None)
        for operation in operations if isinstance(operations, list) else []:
            if not isinstance(operation, dict) or "value" not in operation:
                continue
            path = str(operation.get("path") or "").lower()
            if path == "active" or path.endswith(":user:active"):
                values.append(operation["value"])
            elif not path and isinstance(operation["value"], dict):
                values += [v for k, v in operation["value"].items() if k.lower() == "active"]
    if any(not isinstance(value, bool) for value in values):
        raise invalid_value('active: send true or false (a JSON boolean), not "true" or 1.')
