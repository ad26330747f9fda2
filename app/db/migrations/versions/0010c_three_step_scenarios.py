"""three steps a scenario: show, reveal, discuss; skipped marks; auto-reveal

Stored phases of the five-step flow become the three-step flow's: read, vote and closed all
become show (voting open), so a session running during the upgrade keeps its scenario and its
votes, shows nothing that was not revealed, and its next press reveals as before. The version
goes up so every phone and projector fetches the new step.

Revision ID: 0010c
Revises: 0009a, 0009b, 0009d, 0009e, 0009f, 0009g
Create Date: 2026-12-07 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0010c"
down_revision: str | Sequence[str] | None = ("0009a", "0009b", "0009d", "0009e", "0009f", "0009g")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD = ("read", "vote", "closed")


def upgrade() -> None:
    with op.batch_alter_table("livesession", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("auto_reveal", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "skipped",
                sqlmodel.sql.sqltypes.AutoString(length=200),
                server_default="",
                nullable=False,
            )
        )
    session = sa.table(
        "livesession", sa.column("phase", sa.String), sa.column("version", sa.Integer)
    )
    op.execute(
        session.update()
        .where(session.c.phase.in_(_OLD))
        .values(phase="show", version=session.c.version + 1)
    )


def downgrade() -> None:
    session = sa.table(
        "livesession", sa.column("phase", sa.String), sa.column("version", sa.Integer)
    )
    op.execute(
        session.update()
        .where(session.c.phase == "show")
        .values(phase="vote", version=session.c.version + 1)
    )
    with op.batch_alter_table("livesession", schema=None) as batch_op:
        batch_op.drop_column("skipped")
        batch_op.drop_column("auto_reveal")
