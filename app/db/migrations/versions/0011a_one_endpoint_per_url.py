"""one webhook endpoint per URL (retest R5)

Revision ID: 0011a
Revises: 0010c, 0010e, 0010f, 0010g, 0010h, 0010i, 0010r
Create Date: 2026-12-07 15:40:00.000000

Copies of one URL made before the rule are merged into the oldest endpoint of each set,
nothing dropped silently: the copies' deliveries move to it (a delivery of an event the
oldest already has is folded into that one, its tries kept in the log), the events wanted
are the union, the endpoint is on if any copy was, and each merge is written to the
migration's log and to the audit log ("webhook.merge"). The oldest copy's signing secret
is the one kept: receivers set up with a later copy's secret need the oldest's.
"""

import json
import logging
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0011a"
down_revision: str | Sequence[str] | None = (
    "0010c",
    "0010e",
    "0010f",
    "0010g",
    "0010h",
    "0010i",
    "0010r",
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")
AUDIT = sa.table(
    "auditevent",
    sa.column("actor_id", sa.Integer()),
    sa.column("action", sa.String()),
    sa.column("target", sa.String()),
    sa.column("detail", sa.Text()),
    sa.column("at", sqlmodel.sql.sqltypes.UTCDateTime()),
)


def _fold_deliveries(conn: sa.Connection, keep: int, copy: int) -> int:
    """Move a copy's deliveries to the kept endpoint; returns how many were folded in."""
    pairs = conn.execute(
        sa.text(
            "SELECT c.id, k.id FROM webhookdelivery c JOIN webhookdelivery k "
            "ON k.event_seq = c.event_seq AND k.endpoint_id = :keep WHERE c.endpoint_id = :copy"
        ),
        {"keep": keep, "copy": copy},
    ).all()
    for copied, kept in pairs:
        conn.execute(
            sa.text("UPDATE webhookattempt SET delivery_id = :kept WHERE delivery_id = :copied"),
            {"kept": kept, "copied": copied},
        )
        conn.execute(sa.text("DELETE FROM webhookdelivery WHERE id = :copied"), {"copied": copied})
    conn.execute(
        sa.text("UPDATE webhookdelivery SET endpoint_id = :keep WHERE endpoint_id = :copy"),
        {"keep": keep, "copy": copy},
    )
    return len(pairs)


def _kinds(all_kinds: list[str]) -> str:
    if "*" in all_kinds:
        return "*"
    return " ".join(sorted({k for kinds in all_kinds for k in kinds.split()}))


def _merge(conn: sa.Connection, url: str, group: list[sa.Row]) -> None:  # type: ignore[type-arg]
    keep, copies = group[0], group[1:]
    folded = sum(_fold_deliveries(conn, keep.id, c.id) for c in copies)
    active = any(bool(e.active) for e in group)
    values = {
        "id": keep.id,
        "kinds": _kinds([e.kinds for e in group]),
        "active": active,
        "after_seq": max(int(e.after_seq) for e in group),
    }
    conn.execute(
        sa.text(
            "UPDATE webhookendpoint SET kinds = :kinds, active = :active, after_seq = :after_seq"
            + (", disabled_reason = ''" if active else "")
            + " WHERE id = :id"
        ),
        values,
    )
    ids = [c.id for c in copies]
    conn.execute(
        sa.text("DELETE FROM webhookendpoint WHERE id IN :ids").bindparams(
            sa.bindparam("ids", expanding=True)
        ),
        {"ids": ids},
    )
    detail = {"kept": keep.id, "merged": ids, "kinds": values["kinds"], "folded": folded}
    conn.execute(
        AUDIT.insert().values(
            actor_id=None,
            action="webhook.merge",
            target=url[:300],
            detail=json.dumps(detail, sort_keys=True),
            at=datetime.now(UTC),
        )
    )
    log.warning(
        "Webhook endpoint %s: merged copies %s into the oldest (id %s); %s deliveries of the "
        "same event folded into its own; events now %s. Receivers set up with a copy's "
        "secret need the oldest's.",
        url,
        ids,
        keep.id,
        folded,
        values["kinds"],
    )


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(
        sa.text("SELECT id, url, kinds, active, after_seq FROM webhookendpoint ORDER BY id")
    ).all()
    groups: dict[str, list[sa.Row]] = {}  # type: ignore[type-arg]
    for row in rows:
        groups.setdefault(row.url, []).append(row)
    for url, group in groups.items():
        if len(group) > 1:
            _merge(conn, url, group)
    with op.batch_alter_table("webhookendpoint", schema=None) as batch_op:
        batch_op.create_index("ix_webhookendpoint_url", ["url"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("webhookendpoint", schema=None) as batch_op:
        batch_op.drop_index("ix_webhookendpoint_url")
