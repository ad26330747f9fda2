"""refresher answers, used refresher links, released participation blocks (issue 21)

Revision ID: 0010g
Revises: 0009a, 0009b, 0009d, 0009e, 0009f, 0009g
Create Date: 2026-12-07 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0010g"
down_revision: str | Sequence[str] | None = ("0009a", "0009b", "0009d", "0009e", "0009f", "0009g")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "refresheranswer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("choice_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("max_points", sa.Integer(), nullable=False),
        sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("answered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "module_id", "round", name="uq_refresheranswer_round"),
    )
    with op.batch_alter_table("refresheranswer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_refresheranswer_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_refresheranswer_module_id"), ["module_id"], unique=False
        )
    op.create_table(
        "refresherlinkuse",
        sa.Column("digest", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("digest"),
    )
    with op.batch_alter_table("refresherlinkuse", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_refresherlinkuse_user_id"), ["user_id"], unique=False)

    op.create_table(
        "refresherblock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("noisy_took", sa.Integer(), nullable=False),
        sa.Column("sealed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["department_id"], ["department.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("refresherblock", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_refresherblock_module_id"), ["module_id"], unique=False
        )
    op.create_table(
        "refreshermember",
        sa.Column("user_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("module_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("took", sa.Boolean(), nullable=False),
        sa.Column("counted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("block_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["block_id"], ["refresherblock.id"]),
        sa.ForeignKeyConstraint(["department_id"], ["department.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("user_id", "module_id"),
    )
    with op.batch_alter_table("refreshermember", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_refreshermember_block_id"), ["block_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("refreshermember", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refreshermember_block_id"))
    op.drop_table("refreshermember")
    with op.batch_alter_table("refresherblock", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refresherblock_module_id"))
    op.drop_table("refresherblock")
    with op.batch_alter_table("refresherlinkuse", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refresherlinkuse_user_id"))
    op.drop_table("refresherlinkuse")
    with op.batch_alter_table("refresheranswer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refresheranswer_module_id"))
        batch_op.drop_index(batch_op.f("ix_refresheranswer_user_id"))
    op.drop_table("refresheranswer")
