"""noisy released scores, and reminders queued in the outbox

Each sealed block's scenario sums carry noise drawn once; a reminder or digest claim points
at the outbox message that carries it.

Revision ID: 0007a
Revises: 0006
Create Date: 2026-12-07 02:00:00.000000

Blocks sealed before this revision get their noise here, once, in the migration's own
transaction (app.privacy.noise, the sensitivity of one person's answer): later views only
ever add up what is stored.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.content.schema import MAX_CHOICE_POINTS
from app.privacy import noise

revision: str = "0007a"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("releasedscore", schema=None) as batch_op:
        batch_op.add_column(sa.Column("noisy_points", sa.Integer(), nullable=True))
    scores = sa.table(
        "releasedscore",
        sa.column("id", sa.Integer),
        sa.column("points", sa.Integer),
        sa.column("noisy_points", sa.Integer),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(scores.c.id, scores.c.points)).all()
    for row_id, points in rows:
        bind.execute(
            sa.update(scores)
            .where(scores.c.id == row_id, scores.c.noisy_points.is_(None))
            .values(noisy_points=points + noise(MAX_CHOICE_POINTS))
        )
    with op.batch_alter_table("releasedscore", schema=None) as batch_op:
        batch_op.alter_column("noisy_points", existing_type=sa.Integer(), nullable=False)
    for table in ("remindersent", "digestsent"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("outbox_id", sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f(f"ix_{table}_outbox_id"), ["outbox_id"], unique=False)
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_outbox_id_outboxmessage"),
                "outboxmessage",
                ["outbox_id"],
                ["id"],
            )


def downgrade() -> None:
    for table in ("remindersent", "digestsent"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f"fk_{table}_outbox_id_outboxmessage", type_="foreignkey")
            batch_op.drop_index(batch_op.f(f"ix_{table}_outbox_id"))
            batch_op.drop_column("outbox_id")
    with op.batch_alter_table("releasedscore", schema=None) as batch_op:
        batch_op.drop_column("noisy_points")
