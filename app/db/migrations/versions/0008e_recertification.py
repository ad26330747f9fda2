"""recertification: a validity period, cycle numbers on progress rows, cycles, reminders

Every existing row is in cycle 1. The unique keys of lesson reads, completions and
certificates gain the cycle, so a new cycle adds rows and never overwrites an earlier one.

Revision ID: 0008e
Revises: 0007a, 0007d
Create Date: 2026-12-07 05:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0008e"
down_revision: str | Sequence[str] | None = ("0007a", "0007d")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite keeps the old unique keys unnamed: a naming convention names them while the batch
# copies the table, so they can be dropped. PostgreSQL named them itself.
_SQLITE_NAMES = {"uq": "uq_%(table_name)s_%(column_0_N_name)s"}
_OLD_KEYS = {
    "lessonprogress": (("user_id", "module_id"), "uq_lessonprogress_cycle"),
    "completion": (("user_id", "module_id"), "uq_completion_cycle"),
    "certificate": (("user_id",), "uq_certificate_cycle"),
}


def _cycle_column() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("cycle", sa.Integer(), server_default="1", nullable=False)


def _old_name(table: str, columns: tuple[str, ...], sqlite: bool) -> str:
    if sqlite:
        return f"uq_{table}_{'_'.join(columns)}"
    return f"{table}_{'_'.join(columns)}_key"


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(_cycle_column())
    with op.batch_alter_table("quizattempt", schema=None) as batch_op:
        batch_op.add_column(_cycle_column())
    for table, (columns, new_name) in _OLD_KEYS.items():
        with op.batch_alter_table(
            table, schema=None, naming_convention=_SQLITE_NAMES if sqlite else None
        ) as batch_op:
            batch_op.add_column(_cycle_column())
            batch_op.drop_constraint(_old_name(table, columns, sqlite), type_="unique")
            batch_op.create_unique_constraint(new_name, [*columns, "cycle"])
    op.create_table(
        "recertpolicy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("months", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["updated_by_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "recertcycle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("started_by_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["started_by_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "number", name="uq_recertcycle_number"),
    )
    with op.batch_alter_table("recertcycle", schema=None) as batch_op:
        batch_op.create_index("ix_recertcycle_user_id", ["user_id"], unique=False)
    op.create_table(
        "recertreminder",
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("claim_token", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("claimed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("sent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.ForeignKeyConstraint(["outbox_id"], ["outboxmessage.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "kind", "period", name="uq_recertreminder_key"),
    )
    with op.batch_alter_table("recertreminder", schema=None) as batch_op:
        batch_op.create_index("ix_recertreminder_outbox_id", ["outbox_id"], unique=False)
        batch_op.create_index("ix_recertreminder_user_id", ["user_id"], unique=False)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.drop_table("recertreminder")
    op.drop_table("recertcycle")
    op.drop_table("recertpolicy")
    for table, (columns, new_name) in _OLD_KEYS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(new_name, type_="unique")
            batch_op.create_unique_constraint(_old_name(table, columns, sqlite), list(columns))
            batch_op.drop_column("cycle")
    with op.batch_alter_table("quizattempt", schema=None) as batch_op:
        batch_op.drop_column("cycle")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("cycle")
