"""live group sessions

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-28 01:50:02.224179
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_ONLY = sa.text("ended_at IS NULL")


def upgrade() -> None:
    op.create_table(
        "livesession",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
        sa.Column("module_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("quiz_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("facilitator_id", sa.Integer(), nullable=False),
        sa.Column("scenario_ids", sa.Text(), nullable=False),
        sa.Column("phase", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("scenario_index", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("countdown_ends_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("ended_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["facilitator_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("livesession", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_livesession_code"), ["code"], unique=False)
        batch_op.create_index(batch_op.f("ix_livesession_created_at"), ["created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_livesession_facilitator_id"), ["facilitator_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_livesession_module_id"), ["module_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_livesession_started_at"), ["started_at"], unique=False)
        batch_op.create_index(
            "uq_livesession_open_code",
            ["code"],
            unique=True,
            sqlite_where=OPEN_ONLY,
            postgresql_where=OPEN_ONLY,
        )

    op.create_table(
        "liveparticipant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["livesession.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("liveparticipant", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_liveparticipant_session_id"), ["session_id"], unique=False
        )

    op.create_table(
        "livevote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("choice_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.ForeignKeyConstraint(["participant_id"], ["liveparticipant.id"]),
        sa.ForeignKeyConstraint(["session_id"], ["livesession.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "session_id", "scenario_id", "participant_id", name="uq_livevote_participant"
        ),
    )
    with op.batch_alter_table("livevote", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_livevote_participant_id"), ["participant_id"], unique=False
        )

    op.create_table(
        "liveattendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("counted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["session_id"], ["livesession.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_id", "user_id"),
    )
    with op.batch_alter_table("liveattendance", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_liveattendance_session_id"), ["session_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_liveattendance_user_id"), ["user_id"], unique=False)

    op.create_table(
        "livecommitment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "module_id"),
    )
    with op.batch_alter_table("livecommitment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_livecommitment_user_id"), ["user_id"], unique=False)

    op.create_table(
        "livejoin",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("livejoin", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_livejoin_address"), ["address"], unique=False)
        batch_op.create_index(batch_op.f("ix_livejoin_at"), ["at"], unique=False)


def downgrade() -> None:
    for table in (
        "livejoin",
        "livecommitment",
        "liveattendance",
        "livevote",
        "liveparticipant",
        "livesession",
    ):
        op.drop_table(table)
