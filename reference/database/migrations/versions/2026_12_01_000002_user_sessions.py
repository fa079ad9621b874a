"""Keep the viewer's sessions on the server, so that signing out ends them.

Revision ID: 2026_12_01_000002
Revises: 2026_12_01_000001
Create Date: 2026-12-01

Not part of the cutover. user_sessions holds one row per signed-in session, keyed by the SHA-256
of the random token the session cookie carries; every request looks its row up. Signing out
deletes the row, a password change deletes all of the user's rows. The downgrade drops the
table, which signs everyone out.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "2026_12_01_000002"
down_revision = "2026_12_01_000001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.BigInteger, sa.ForeignKey("users.id"), nullable=False, index=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("user_sessions")
