"""content releases: module hashes per release, reopened modules, superseded progress rows

Every existing row is current (superseded_by 0). The unique keys of lesson reads and
completions gain superseded_by, so a reopened module's new rows sit beside the old ones.

Revision ID: 0009a
Revises: 0008a, 0008b, 0008c, 0008e
Create Date: 2026-12-07 08:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0009a"
down_revision: str | Sequence[str] | None = ("0008a", "0008b", "0008c", "0008e")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEYS = {
    "lessonprogress": ("uq_lessonprogress_cycle", "uq_lessonprogress_round"),
    "completion": ("uq_completion_cycle", "uq_completion_round"),
}
_COLUMNS = ["user_id", "module_id", "cycle"]


def _superseded() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("superseded_by", sa.Integer(), server_default="0", nullable=False)


def upgrade() -> None:
    op.create_table(
        "contentrelease",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("released_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    op.create_table(
        "releasedmodule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("material", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["release_id"], ["contentrelease.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("release_id", "module_id", name="uq_releasedmodule"),
    )
    with op.batch_alter_table("releasedmodule", schema=None) as batch_op:
        batch_op.create_index("ix_releasedmodule_release_id", ["release_id"], unique=False)
    op.create_table(
        "modulereopen",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("reopened_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("note_read_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["release_id"], ["contentrelease.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("release_id", "user_id", "module_id", name="uq_modulereopen"),
    )
    with op.batch_alter_table("modulereopen", schema=None) as batch_op:
        batch_op.create_index("ix_modulereopen_user_id", ["user_id"], unique=False)
    with op.batch_alter_table("quizattempt", schema=None) as batch_op:
        batch_op.add_column(_superseded())
    for table, (old, new) in _KEYS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(_superseded())
            batch_op.drop_constraint(old, type_="unique")
            batch_op.create_unique_constraint(new, [*_COLUMNS, "superseded_by"])


def downgrade() -> None:
    for table, (old, new) in _KEYS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(new, type_="unique")
            batch_op.create_unique_constraint(old, _COLUMNS)
            batch_op.drop_column("superseded_by")
    with op.batch_alter_table("quizattempt", schema=None) as batch_op:
        batch_op.drop_column("superseded_by")
    op.drop_table("modulereopen")
    op.drop_table("releasedmodule")
    op.drop_table("contentrelease")
