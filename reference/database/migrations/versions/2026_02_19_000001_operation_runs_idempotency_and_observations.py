"""Add what the canonical services need: run idempotency keys and inventory observations.

Revision ID: 2026_02_19_000001
Revises: 2026_02_12_000006
Create Date: 2026-02-19

Not part of the cutover. operation_runs.idempotency_key is unique, so a backup schedule slot
dispatched twice, even by two workers at once, yields one run. inventory_observations keeps
what each inventory sync run saw, which drift detection compares. The downgrade drops both;
their contents cannot come back.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "2026_02_19_000001"
down_revision = "2026_02_12_000006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("operation_runs", sa.Column("idempotency_key", sa.String(255), nullable=True))
    op.create_index("uq_operation_runs_idempotency_key", "operation_runs", ["idempotency_key"], unique=True)
    op.create_table(
        "inventory_observations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("operation_run_id", sa.Integer, sa.ForeignKey("operation_runs.id"), nullable=False),
        sa.Column("tenant_id", sa.Integer, sa.ForeignKey("tenants.id"), nullable=False),
        sa.Column("external_id", sa.String(200), nullable=False),
        sa.Column("policy_type", sa.String(100), nullable=False),
        sa.Column("display_name", sa.String(300), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.UniqueConstraint("operation_run_id", "external_id"),
    )


def downgrade() -> None:
    op.drop_table("inventory_observations")
    op.drop_index("uq_operation_runs_idempotency_key", table_name="operation_runs")
    with op.batch_alter_table("operation_runs") as batch:
        batch.drop_column("idempotency_key")
