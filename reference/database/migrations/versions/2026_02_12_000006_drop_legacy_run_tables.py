"""Drop inventory_sync_runs, entra_group_sync_runs and backup_schedule_runs.

Revision ID: 2026_02_12_000006
Revises: 2026_02_12_000005
Create Date: 2026-02-12

Nothing references these tables any more: findings and inventory_items point at
operation_runs since the revisions before. The upgrade logs how many rows each table held.
DATA LOSS: the downgrade recreates the three tables empty; their rows cannot come back.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import context, op

revision = "2026_02_12_000006"
down_revision = "2026_02_12_000005"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.cutover")

TABLES = ("backup_schedule_runs", "entra_group_sync_runs", "inventory_sync_runs")


def upgrade() -> None:
    bind = op.get_bind()
    for table in TABLES:
        rows = bind.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
        log.info("%s: dropped with %d rows", table, rows)
        op.drop_table(table)


def downgrade() -> None:
    """Recreate the three tables, empty, exactly as legacy_baseline created them."""
    context.script.get_revision("legacy_baseline").module.create_legacy_run_tables()
