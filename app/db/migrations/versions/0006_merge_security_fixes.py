"""merge the security-fix branches (outbox sender, throttle, releases, live admission, kept forms)

Revision ID: 0006
Revises: 0005b, 0005c, 0005d, 0005e, 0005g
Create Date: 2026-12-07 00:30:00.000000
"""

from collections.abc import Sequence

revision: str = "0006"
down_revision: str | Sequence[str] | None = ("0005b", "0005c", "0005d", "0005e", "0005g")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to change: one head again, so the next migration has one parent."""


def downgrade() -> None:
    """Nothing to undo."""
