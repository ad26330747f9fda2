"""kept forms: one per page, not one per browser (retest R8)

Revision ID: 0010r
Revises: 0009a, 0009b, 0009d, 0009e, 0009f, 0009g
Create Date: 2026-12-07 13:45:00.000000

The table only holds forms waiting at most 30 minutes, so it is made again rather than
altered: an unnamed unique constraint cannot be dropped the same way on both databases.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0010r"
down_revision: str | Sequence[str] | None = ("0009a", "0009b", "0009d", "0009e", "0009f", "0009g")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _create(unique: sa.UniqueConstraint) -> None:
    op.create_table(
        "keptform",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("module_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("quiz_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        unique,
    )
    with op.batch_alter_table("keptform", schema=None) as batch_op:
        batch_op.create_index("ix_keptform_user_id", ["user_id"], unique=False)
        batch_op.create_index("ix_keptform_expires_at", ["expires_at"], unique=False)


def upgrade() -> None:
    op.drop_table("keptform")
    _create(sa.UniqueConstraint("token_hash", "kind", "module_id", name="uq_keptform_page"))


def downgrade() -> None:
    op.drop_table("keptform")
    _create(sa.UniqueConstraint("token_hash"))
