"""API v1: key expiry, people's updated_at, removed assignments, idempotency keys, rate windows

Revision ID: 0009f
Revises: 0008a, 0008b, 0008c, 0008e
Create Date: 2026-12-07 08:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0009f"
down_revision: str | Sequence[str] | None = ("0008a", "0008b", "0008c", "0008e")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = sqlmodel.sql.sqltypes.UTCDateTime
TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table("apikey", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", UTC_TIME(), nullable=True))
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("updated_at", UTC_TIME(), nullable=True))
        batch_op.create_index("ix_user_updated_at", ["updated_at"], unique=False)
    op.execute('UPDATE "user" SET updated_at = created_at')
    op.create_table(
        "removedassignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("module_id", TEXT(length=100), nullable=False),
        sa.Column("due_at", UTC_TIME(), nullable=False),
        sa.Column("assigned_at", UTC_TIME(), nullable=False),
        sa.Column("assigned_by_id", sa.Integer(), nullable=True),
        sa.Column("source", TEXT(length=40), nullable=False),
        sa.Column("removed_at", UTC_TIME(), nullable=False),
        sa.Column("removed_by_id", sa.Integer(), nullable=True),
        sa.Column("removed_via", TEXT(length=120), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["assigned_by_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["removed_by_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("removedassignment", schema=None) as batch_op:
        batch_op.create_index("ix_removedassignment_user_id", ["user_id"], unique=False)
    op.create_table(
        "apiidempotency",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=False),
        sa.Column("key", TEXT(length=200), nullable=False),
        sa.Column("request_hash", TEXT(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("created_at", UTC_TIME(), nullable=False),
        sa.ForeignKeyConstraint(["api_key_id"], ["apikey.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("api_key_id", "key"),
    )
    with op.batch_alter_table("apiidempotency", schema=None) as batch_op:
        batch_op.create_index("ix_apiidempotency_created_at", ["created_at"], unique=False)
    op.create_table(
        "apiratewindow",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=False),
        sa.Column("window_start", UTC_TIME(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["api_key_id"], ["apikey.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("api_key_id", "window_start"),
    )
    with op.batch_alter_table("apiratewindow", schema=None) as batch_op:
        batch_op.create_index("ix_apiratewindow_window_start", ["window_start"], unique=False)


def downgrade() -> None:
    op.drop_table("apiratewindow")
    op.drop_table("apiidempotency")
    op.drop_table("removedassignment")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_index("ix_user_updated_at")
        batch_op.drop_column("updated_at")
    with op.batch_alter_table("apikey", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
