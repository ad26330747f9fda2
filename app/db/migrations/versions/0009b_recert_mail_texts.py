"""recertification e-mail texts: one per stage (expiring soon, expired)

The single "recertification" text, which nothing sent, becomes the expiring stage's, so an
admin's edit of it is kept. No table changes.

Revision ID: 0009b
Revises: 0008a, 0008b, 0008c, 0008e
Create Date: 2026-12-07 08:45:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009b"
down_revision: str | Sequence[str] | None = ("0008a", "0008b", "0008c", "0008e")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("UPDATE mailtext SET kind = 'recert-expiring' WHERE kind = 'recertification'")


def downgrade() -> None:
    op.execute("DELETE FROM mailtext WHERE kind = 'recert-expired'")
    op.execute("UPDATE mailtext SET kind = 'recertification' WHERE kind = 'recert-expiring'")
