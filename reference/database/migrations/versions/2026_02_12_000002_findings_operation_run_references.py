"""Point findings at operation runs: add and fill baseline/current_operation_run_id.

Revision ID: 2026_02_12_000002
Revises: 2026_02_12_000001
Create Date: 2026-02-12

Both columns are filled in one UPDATE through inventory_sync_runs.operation_run_id.
A legacy run without an operation_run_id has no safe mapping: the new column stays NULL,
and the upgrade logs how many references did so, per column. The downgrade drops both
columns; baseline_run_id and current_run_id are untouched by this revision.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = "2026_02_12_000002"
down_revision = "2026_02_12_000001"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.cutover")

# (new column, legacy column it is filled from)
COLUMNS = (
    ("baseline_operation_run_id", "baseline_run_id"),
    ("current_operation_run_id", "current_run_id"),
)

FILL = sa.text(
    """
    UPDATE findings SET
        baseline_operation_run_id = (
            SELECT r.operation_run_id FROM inventory_sync_runs r WHERE r.id = findings.baseline_run_id
        ),
        current_operation_run_id = (
            SELECT r.operation_run_id FROM inventory_sync_runs r WHERE r.id = findings.current_run_id
        )
    WHERE baseline_run_id IS NOT NULL OR current_run_id IS NOT NULL
    """
)


def upgrade() -> None:
    for column, _legacy in COLUMNS:
        op.add_column("findings", sa.Column(column, sa.Integer, nullable=True))
    bind = op.get_bind()
    bind.execute(FILL)
    for column, legacy in COLUMNS:
        lost = bind.execute(
            sa.text(f"SELECT count(*) FROM findings WHERE {legacy} IS NOT NULL AND {column} IS NULL")
        ).scalar_one()
        log.info("findings.%s: %d legacy references had no operation run and became NULL", column, lost)
    # Constraints and indexes come after the fill, so it does not maintain them row by row.
    with op.batch_alter_table("findings") as batch:
        for column, _legacy in COLUMNS:
            batch.create_foreign_key(f"fk_findings_{column}_operation_runs", "operation_runs", [column], ["id"])
    for column, _legacy in COLUMNS:
        op.create_index(f"ix_findings_{column}", "findings", [column])


def downgrade() -> None:
    for column, _legacy in COLUMNS:
        op.drop_index(f"ix_findings_{column}", table_name="findings")
    with op.batch_alter_table("findings") as batch:
        for column, _legacy in COLUMNS:
            batch.drop_constraint(f"fk_findings_{column}_operation_runs", type_="foreignkey")
            batch.drop_column(column)
