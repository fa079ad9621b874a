"""Drop findings.baseline_run_id and findings.current_run_id.

Revision ID: 2026_02_12_000004
Revises: 2026_02_12_000003
Create Date: 2026-02-12

Their mapped values live on in baseline_operation_run_id and current_operation_run_id.
The downgrade restores both columns and their foreign keys to inventory_sync_runs and
refills them from inventory_sync_runs.operation_run_id (the lowest legacy run id per
operation run) while that table still holds rows; references that had no operation run
were dropped by the upgrade and cannot come back.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "2026_02_12_000004"
down_revision = "2026_02_12_000003"
branch_labels = None
depends_on = None

# (legacy column, canonical column that kept its value)
COLUMNS = (
    ("baseline_run_id", "baseline_operation_run_id"),
    ("current_run_id", "current_operation_run_id"),
)


def upgrade() -> None:
    with op.batch_alter_table("findings") as batch:
        for legacy, _column in COLUMNS:
            batch.drop_constraint(f"fk_findings_{legacy}_inventory_sync_runs", type_="foreignkey")
            batch.drop_column(legacy)


def downgrade() -> None:
    for legacy, _column in COLUMNS:
        op.add_column("findings", sa.Column(legacy, sa.Integer, nullable=True))
    op.execute(
        """
        UPDATE findings SET
            baseline_run_id = (
                SELECT min(r.id) FROM inventory_sync_runs r
                WHERE r.operation_run_id = findings.baseline_operation_run_id
            ),
            current_run_id = (
                SELECT min(r.id) FROM inventory_sync_runs r
                WHERE r.operation_run_id = findings.current_operation_run_id
            )
        WHERE baseline_operation_run_id IS NOT NULL OR current_operation_run_id IS NOT NULL
        """
    )
    with op.batch_alter_table("findings") as batch:
        for legacy, _column in COLUMNS:
            batch.create_foreign_key(
                f"fk_findings_{legacy}_inventory_sync_runs", "inventory_sync_runs", [legacy], ["id"]
            )
