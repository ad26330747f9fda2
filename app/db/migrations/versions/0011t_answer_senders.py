"""open answers: count the phones that answered a prompt, for the five-before-showing rule

Revision ID: 0011t
Revises: 0010c, 0010e, 0010f, 0010g, 0010h, 0010i
Create Date: 2026-12-07 16:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011t"
down_revision: str | Sequence[str] | None = ("0010c", "0010e", "0010f", "0010g", "0010h", "0010i")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("liveprompt") as batch:
        batch.add_column(sa.Column("senders", sa.Integer(), nullable=False, server_default="0"))
    # One answer a phone ("say", the wall): answers are phones. Questions (three a phone):
    # the phones counted while open; a closed prompt's counters are gone, so it counts none.
    op.execute(
        "UPDATE liveprompt SET senders = CASE WHEN kind = 'questions' THEN "
        "(SELECT count(*) FROM liveanswerquota q WHERE q.prompt_id = liveprompt.id) "
        "ELSE received END"
    )


def downgrade() -> None:
    with op.batch_alter_table("liveprompt") as batch:
        batch.drop_column("senders")
