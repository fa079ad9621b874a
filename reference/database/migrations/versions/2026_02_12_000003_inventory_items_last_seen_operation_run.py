"""Fill inventory_items.last_seen_operation_run_id where it is still NULL.

Revision ID: 2026_02_12_000003
Revises: 2026_02_12_000002
Create Date: 2026-02-12

One UPDATE maps last_seen_run_id through inventory_sync_runs.operation_run_id; a value that
is already set stays as it is. An item whose legacy run has no operation_run_id stays NULL,
and the upgrade logs how many did. The downgrade changes nothing: the filled values agree
with last_seen_run_id, which this revision leaves in place.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = "2026_02_12_000003"
down_revision = "2026_02_12_000002"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.cutover")

FILL = sa.text(
    """
    UPDATE inventory_items SET last_seen_operation_run_id = (
        SELECT r.operation_run_id FROM inventory_sync_runs r WHERE r.id = inventory_items.last_seen_run_id
    )
    WHERE last_seen_operation_run_id IS NULL AND last_seen_run_id IS NOT NULL
    """
)

UNMAPPED = sa.text(
    "SELECT count(*) FROM inventory_items WHERE last_seen_run_id IS NOT NULL AND last_seen_operation_run_id IS NULL"
)


def upgrade() -> None:
    bind = op.get_bind()
    bind.execute(FILL)
    lost = bind.execute(UNMAPPED).scalar_one()
    log.info(
        "inventory_items.last_seen_operation_run_id: %d legacy references had no operation run and became NULL", lost
    )


def downgrade() -> None:
    """Leave the filled values: they are consistent with last_seen_run_id."""
