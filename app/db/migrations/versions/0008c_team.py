"""team: managers' weekly-digest choice and the privacy notice shown at first sign-in

Revision ID: 0008c
Revises: 0007a, 0007d
Create Date: 2026-12-07 05:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0008c"
down_revision: str | Sequence[str] | None = ("0007a", "0007d")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "managerdigest",
        sa.Column("user_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("chosen_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "privacynotice",
        sa.Column("user_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("shown_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("user_id"),
    )


def downgrade() -> None:
    op.drop_table("privacynotice")
    op.drop_table("managerdigest")
