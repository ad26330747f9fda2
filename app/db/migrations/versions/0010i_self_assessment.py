"""self-assessment: private before/after forms, counted changes, released blocks

Revision ID: 0010i
Revises: 0009a, 0009b, 0009d, 0009e, 0009f, 0009g
Create Date: 2026-12-07 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0010i"
down_revision: str | Sequence[str] | None = ("0009a", "0009b", "0009d", "0009e", "0009f", "0009g")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "measureresponse",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("form", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("ratings", sa.Text(), nullable=False),
        sa.Column("submitted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "form"),
    )
    op.create_index(op.f("ix_measureresponse_user_id"), "measureresponse", ["user_id"])
    op.create_table(
        "measureblock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("noisy_change", sa.Integer(), nullable=False),
        sa.Column("noisy_looking_back", sa.Integer(), nullable=False),
        sa.Column("released_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["department_id"], ["department.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_measureblock_department_id"), "measureblock", ["department_id"])
    op.create_table(
        "measuremember",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("change", sa.Integer(), nullable=False),
        sa.Column("looking_back", sa.Integer(), nullable=False),
        sa.Column("block_id", sa.Integer(), nullable=True),
        sa.Column("counted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["block_id"], ["measureblock.id"]),
        sa.ForeignKeyConstraint(["department_id"], ["department.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_index(op.f("ix_measuremember_department_id"), "measuremember", ["department_id"])
    op.create_index(op.f("ix_measuremember_block_id"), "measuremember", ["block_id"])


def downgrade() -> None:
    op.drop_table("measuremember")
    op.drop_table("measureblock")
    op.drop_table("measureresponse")
