"""outbox sender: claim holder and invite per message; links shown on screen are marked

Invitations queued before this release get an outbox message each, so the background
sender delivers them.

Revision ID: 0005b
Revises: 0004
Create Date: 2026-12-06 23:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0005b"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("invite", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("shown", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("outboxmessage", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "claimed_by",
                sqlmodel.sql.sqltypes.AutoString(length=32),
                server_default="",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("invite_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_outboxmessage_invite_id", ["invite_id"], unique=False)
        batch_op.create_foreign_key("fk_outboxmessage_invite_id", "invite", ["invite_id"], ["id"])
    op.execute(
        'INSERT INTO outboxmessage (kind, "to", subject, body, created_at, next_attempt_at, '
        "attempts, last_error, claimed_by, invite_id) "
        "SELECT 'invitation', u.email, '', '', i.created_at, i.created_at, 0, '', '', i.id "
        'FROM invite i JOIN "user" u ON u.id = i.user_id '
        "WHERE i.token_hash IS NULL AND i.revoked_at IS NULL AND i.used_at IS NULL"
    )


def downgrade() -> None:
    op.execute("DELETE FROM outboxmessage WHERE invite_id IS NOT NULL AND sent_at IS NULL")
    with op.batch_alter_table("outboxmessage", schema=None) as batch_op:
        batch_op.drop_constraint("fk_outboxmessage_invite_id", type_="foreignkey")
        batch_op.drop_index("ix_outboxmessage_invite_id")
        batch_op.drop_column("invite_id")
        batch_op.drop_column("claimed_by")
    with op.batch_alter_table("invite", schema=None) as batch_op:
        batch_op.drop_column("shown")
