"""Drop inventory_items.last_seen_run_id.

Revision ID: 2026_02_12_000005
Revises: 2026_02_12_000004
Create Date: 2026-02-12

Its mapped values live on in last_seen_operation_run_id. The downgrade restores the column
and its foreign key to inventory_sync_runs and refills it from
inventory_sync_runs.operation_run_id (the lowest legacy run id per operation run) while that
table still holds rows; references that had no operation run cannot come back.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "2026_02_12_000005"
down_revision = "2026_02_12_000004"
branch_labels = None
depends_on = None

FOREIGN_KEY = "fk_inventory_items_last_seen_run_id_inventory_sync_runs"


def upgrade() -> None:
    with op.batch_alter_table("inventory_items") as batch:
        batch.drop_constraint(FOREIGN_KEY, type_="foreignkey")
        batch.drop_column("last_seen_run_id")


def downgrade() -> None:
    op.add_column("inventory_items", sa.Column("last_seen_run_id", sa.Integer, nullable=True))
    op.execute(
        """
        UPDATE inventory_items SET last_seen_run_id = (
            SELECT min(r.id) FROM inventory_sync_runs r
            WHERE r.operation_run_id = inventory_items.last_seen_operation_run_id
        )
        WHERE last_seen_operation_run_id IS NOT NULL
        """
    )
    with op.batch_alter_table("inventory_items") as batch:
        batch.create_foreign_key(FOREIGN_KEY, "inventory_sync_runs", ["last_seen_run_id"], ["id"])
