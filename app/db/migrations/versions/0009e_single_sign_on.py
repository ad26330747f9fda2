"""single sign-on: provider subjects linked to people, and sign-ins under way

Revision ID: 0009e
Revises: 0008a, 0008b, 0008c, 0008e
Create Date: 2026-12-07 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0009e"
down_revision: str | Sequence[str] | None = ("0008a", "0008b", "0008c", "0008e")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ssoidentity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("issuer", "subject"),
        sa.UniqueConstraint("issuer", "user_id"),
    )
    op.create_index(op.f("ix_ssoidentity_user_id"), "ssoidentity", ["user_id"], unique=False)
    op.create_table(
        "ssopending",
        sa.Column("state_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("browser_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("nonce", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("verifier", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("next", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("state_hash"),
    )
    op.create_index(op.f("ix_ssopending_expires_at"), "ssopending", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_ssopending_expires_at"), table_name="ssopending")
    op.drop_table("ssopending")
    op.drop_index(op.f("ix_ssoidentity_user_id"), table_name="ssoidentity")
    op.drop_table("ssoidentity")
