"""second factor: authenticator secrets, recovery codes, sign-ins waiting for their code

Revision ID: 0009d
Revises: 0008a, 0008b, 0008c, 0008e
Create Date: 2026-12-07 08:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0009d"
down_revision: str | Sequence[str] | None = ("0008a", "0008b", "0008c", "0008e")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

String = sqlmodel.sql.sqltypes.AutoString
When = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "secondfactor",
        sa.Column("user_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("secret", String(length=300), nullable=False),
        sa.Column("created_at", When(), nullable=False),
        sa.Column("confirmed_at", When(), nullable=True),
        sa.Column("last_step", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "recoverycode",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", String(length=64), nullable=False),
        sa.Column("created_at", When(), nullable=False),
        sa.Column("used_at", When(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code_hash"),
    )
    op.create_table(
        "pendingsignin",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", When(), nullable=False),
        sa.Column("expires_at", When(), nullable=False),
        sa.Column("address", String(length=64), nullable=True),
        sa.Column("target", String(length=2000), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("ended_at", When(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("recoverycode", schema=None) as batch_op:
        batch_op.create_index("ix_recoverycode_user_id", ["user_id"], unique=False)
    with op.batch_alter_table("pendingsignin", schema=None) as batch_op:
        batch_op.create_index("ix_pendingsignin_user_id", ["user_id"], unique=False)
        batch_op.create_index("ix_pendingsignin_expires_at", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_table("pendingsignin")
    op.drop_table("recoverycode")
    op.drop_table("secondfactor")
