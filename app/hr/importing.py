"""People import service: store an upload, preview its plan, apply it all or nothing."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from sqlalchemy import delete, insert, update
from sqlmodel import Session, col, select

from app import audit
from app.auth import invites
from app.auth.lookup import AnyUser
from app.clock import utcnow
from app.config import Settings
from app.errors import Conflict, NotFound
from app.hr import assignments
from app.hr.account_changes import deactivated, email_changed
from app.hr.csvfile import parse
from app.hr.import_plan import Change, ImportPlan, build_plan
from app.hr.managers import serialize_manager_changes
from app.models import Department, ImportBatch, Role, User

PREVIEW_LIMIT = 100
STALE_UPLOAD = timedelta(days=1)


class StalePreview(Conflict):
    pass


class AlreadyApplied(Conflict):
    def __init__(self, batch: ImportBatch) -> None:
        super().__init__("This file was already applied. Upload it again to import it again.")
        self.batch = batch


def preview_batch(
    session: Session, *, actor: AnyUser, filename: str, data: bytes, leavers: bool
) -> tuple[ImportBatch, ImportPlan]:
    """Store the upload and return its plan; refuses files that are too big or not CSV."""
    table = parse(data, filename)
    plan = build_plan(session, table, filename=filename, leavers=leavers, actor=actor)
    session.execute(  # previews nobody applied within a day are not kept
        delete(ImportBatch).where(
            col(ImportBatch.applied_at).is_(None),
            col(ImportBatch.created_at) < utcnow() - STALE_UPLOAD,
        )
    )
    batch = ImportBatch(
        uploaded_by_id=actor.id,
        filename=filename[:300],
        content=data,
        sha256=hashlib.sha256(data).hexdigest(),
        leavers=leavers,
    )
    session.add(batch)
    session.commit()
    session.refresh(batch)
    return batch, plan


def batch_plan(
    session: Session, *, actor: AnyUser, batch_id: int
) -> tuple[ImportBatch, ImportPlan]:
    """Re-read a stored upload against the current database."""
    batch = session.get(ImportBatch, batch_id)
    if batch is None or batch.uploaded_by_id != actor.id:
        raise NotFound("That import was not found. Upload the file again.")
    if batch.applied_at is not None:
        raise AlreadyApplied(batch)
    table = parse(batch.content, batch.filename)
    return batch, build_plan(
        session, table, filename=batch.filename, leavers=batch.leavers, actor=actor
    )


def apply_batch(
    session: Session, *, actor: AnyUser, batch_id: int, fingerprint: str, settings: Settings
) -> tuple[ImportBatch, ImportPlan]:
    """Apply a previewed upload in one transaction, if the preview still holds."""
    serialize_manager_changes(session)  # the plan's loop check must still hold when it is written
    batch, plan = batch_plan(session, actor=actor, batch_id=batch_id)
    if plan.fingerprint != fingerprint:  # first, so that new bad rows are shown with their lines
        raise StalePreview(
            "People changed since this preview was made. Check the new preview below, then apply."
        )
    if not plan.ok:
        raise Conflict("The file has bad rows; fix them and upload it again. Nothing was changed.")
    apply_plan(session, plan, actor_id=actor.id, settings=settings)
    batch.applied_at = utcnow()
    batch.summary = json.dumps(plan.summary())
    batch.content = b""  # applied: keep the summary and the file's hash, not the people in it
    session.add(batch)
    session.commit()
    return batch, plan


def apply_plan(
    session: Session, plan: ImportPlan, *, actor_id: int | None, settings: Settings
) -> None:
    """Write the plan (the caller commits): bulk inserts and updates, invites, rules, audit.

    The caller built the plan after `serialize_manager_changes`, in this transaction.
    """
    now = utcnow()
    if plan.new_departments:
        session.execute(
            insert(Department), [{"name": n, "created_at": now} for n in plan.new_departments]
        )
    dept_ids = {
        name: did or 0 for did, name in session.exec(select(Department.id, Department.name))
    }
    if plan.add:
        session.execute(
            insert(User),
            [
                {
                    "email": p.email,
                    "name": p.name,
                    "role": p.role or Role.learner,
                    "department_id": dept_ids.get(p.department) if p.department else None,
                    "external_id": p.external_id,
                    "active": True,
                    "created_at": now,
                }
                for p in plan.add
            ],
        )
    ids = {email: uid or 0 for uid, email in session.exec(select(User.id, User.email))}
    updates = [_update_row(c, ids, dept_ids, now) for c in plan.update]
    updates += [
        {"id": ids[email], "manager_id": ids.get(manager) if manager else None}
        for email, manager in plan.managers.items()
    ]
    updates += [{"id": d.user_id, "active": False, "deactivated_at": now} for d in plan.deactivate]
    for keys in {tuple(sorted(row)) for row in updates}:
        session.execute(update(User), [row for row in updates if tuple(sorted(row)) == keys])
    new_ids = [ids[p.email] for p in plan.add]
    moved = [c.user_id for c in plan.update if "department" in c.fields or "active" in c.fields]
    assignments.apply_rules(session, user_ids=new_ids + moved, now=now)
    invites.queue(session, user_ids=new_ids, actor_id=actor_id)
    deactivated(session, user_ids=[d.user_id for d in plan.deactivate])
    for change in plan.update:
        if "email" in change.fields:
            old, new = change.fields["email"]
            email_changed(
                session,
                settings,
                user_id=change.user_id,
                name=change.name,
                old=old,
                new=new,
                actor_id=actor_id,
                via="import",
            )
        if "role" in change.fields:
            old, new = change.fields["role"]
            audit.record(
                session,
                actor_id=actor_id,
                action="user.role_change",
                target=change.email,
                old=old,
                new=new,
                via="import",
            )
    audit.record(
        session, actor_id=actor_id, action="people.import", target=plan.filename, **plan.summary()
    )


def _update_row(
    change: Change, ids: dict[str, int], dept_ids: dict[str, int], now: object
) -> dict[str, object]:
    row: dict[str, object] = {"id": change.user_id}
    for name, (_old, new) in change.fields.items():
        if name == "department":
            row["department_id"] = dept_ids.get(new) if new else None
        elif name == "manager_email":
            continue  # set with the other managers, once every new account has an id
        elif name == "active":
            row["active"], row["deactivated_at"] = True, None
        else:
            row[name] = new or None if name == "external_id" else new
    return row


def batch_view(
    session: Session, *, actor: AnyUser, batch_id: int
) -> tuple[ImportBatch, ImportPlan | None]:
    """The preview of a stored upload, or no plan once it has been applied."""
    try:
        return batch_plan(session, actor=actor, batch_id=batch_id)
    except AlreadyApplied as done:
        return done.batch, None
