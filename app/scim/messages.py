"""Reading SCIM request bodies and building list pages, the same way for Users and Groups."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import ValidationError
from scim2_models import BaseModel, Context, Error, ListResponse, PatchOp, Resource, SCIMException
from sqlalchemy import func
from sqlmodel import Session, select

from app.scim.errors import ScimError

Model = TypeVar("Model", bound=BaseModel)
Found = TypeVar("Found", bound=Resource[Any])


def validated(model: type[Model], body: Any, context: Context) -> Model:
    """The body as `model`, or a SCIM 400 naming the first problem."""
    try:
        return model.model_validate(body, scim_ctx=context)
    except ValidationError as exc:
        error = Error.from_validation_error(exc.errors()[0])
        detail = error.detail or f"The body is not a SCIM {model.__name__}."
        raise ScimError(400, detail, error.scim_type) from exc


def patched(resource: Found, body: Any) -> Found:
    """A copy of `resource` with the PatchOp in `body` applied (RFC 7644 §3.5.2)."""
    model: Any = PatchOp[type(resource)]  # type: ignore[misc]
    operations: PatchOp[Any] = validated(model, body, Context.RESOURCE_PATCH_REQUEST)
    after = resource.model_copy(deep=True)
    try:
        operations.patch(after)
    except SCIMException as exc:
        raise ScimError(exc.status or 400, str(exc)[:300], exc.scim_type) from exc
    return after


def page(
    session: Session,
    stmt: Any,
    order: Any,
    model: Any,
    *,
    start: int,
    count: int,
    convert: Callable[[Any], Found],
) -> ListResponse[Found]:
    """Rows `start` (1-based) to `start + count - 1` of `stmt`, with the total, as a ListResponse."""
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(stmt.order_by(order).offset(start - 1).limit(count)).all() if count else []
    found: ListResponse[Found] = ListResponse[model](
        total_results=total,
        start_index=start,
        items_per_page=len(rows),
        resources=[convert(r) for r in rows],
    )
    return found
