"""Give users a password hash, so the operations viewer can sign them in.

Revision ID: 2026_11_28_000001
Revises: 2026_02_19_000001
Create Date: 2026-11-28

Not part of the cutover. users.password_hash is nullable: a user without one cannot sign in.
The downgrade drops the column and the hashes with it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "2026_11_28_000001"
down_revision = "2026_02_19_000001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("password_hash", sa.String(255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("password_hash")
