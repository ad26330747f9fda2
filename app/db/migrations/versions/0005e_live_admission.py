"""live admission: expected headcount, facilitator approval, sign in to vote

Revision ID: 0005e
Revises: 0004
Create Date: 2026-12-06 23:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0005e"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("livesession", schema=None) as batch_op:
        batch_op.add_column(sa.Column("headcount", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("admitted", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column("signin_to_vote", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("voter_secret", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
    with op.batch_alter_table("liveparticipant", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "state",
                sqlmodel.sql.sqltypes.AutoString(length=10),
                nullable=False,
                server_default="in",
            )
        )
        batch_op.add_column(
            sa.Column("voter_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.create_unique_constraint("uq_liveparticipant_voter", ["session_id", "voter_key"])
    # Sessions already open keep the phones they have; new phones wait for the facilitator.
    op.execute(
        "UPDATE livesession SET admitted = "
        "(SELECT count(*) FROM liveparticipant WHERE liveparticipant.session_id = livesession.id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("liveparticipant", schema=None) as batch_op:
        batch_op.drop_constraint("uq_liveparticipant_voter", type_="unique")
        batch_op.drop_column("voter_key")
        batch_op.drop_column("state")
    with op.batch_alter_table("livesession", schema=None) as batch_op:
        batch_op.drop_column("voter_secret")
        batch_op.drop_column("signin_to_vote")
        batch_op.drop_column("admitted")
        batch_op.drop_column("headcount")
