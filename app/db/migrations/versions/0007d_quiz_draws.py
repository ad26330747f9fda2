"""quiz draws: the scenarios each attempt asks and the order of their options

Attempts stored before this keep no draw (draw_id NULL): they asked the whole quiz in
file order, and their answers say which scenarios that was.

Revision ID: 0007d
Revises: 0006
Create Date: 2026-12-07 02:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0007d"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "quizdraw",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("quiz_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("drawn_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("quizdraw", schema=None) as batch_op:
        batch_op.create_index("ix_quizdraw_user_id", ["user_id"], unique=False)
    op.create_table(
        "drawnscenario",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draw_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("choice_order", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.ForeignKeyConstraint(["draw_id"], ["quizdraw.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("draw_id", "position"),
        sa.UniqueConstraint("draw_id", "scenario_id"),
    )
    with op.batch_alter_table("quizattempt", schema=None) as batch_op:
        batch_op.add_column(sa.Column("draw_id", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint("uq_quizattempt_draw_id", ["draw_id"])
        batch_op.create_foreign_key("fk_quizattempt_draw_id", "quizdraw", ["draw_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("quizattempt", schema=None) as batch_op:
        batch_op.drop_constraint("fk_quizattempt_draw_id", type_="foreignkey")
        batch_op.drop_constraint("uq_quizattempt_draw_id", type_="unique")
        batch_op.drop_column("draw_id")
    op.drop_table("drawnscenario")
    op.drop_table("quizdraw")
