"""Rewrite the dotted operation run types to their canonical underscore names.

Revision ID: 2026_02_12_000001
Revises: legacy_baseline
Create Date: 2026-02-12

One UPDATE rewrites inventory.sync, entra_group.sync, backup_schedule.run,
backup_schedule.retention and backup_schedule.purge in place; no row is added or removed.
The downgrade rewrites them back, including runs created after the upgrade.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = "2026_02_12_000001"
down_revision = "legacy_baseline"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.cutover")

CANONICAL_TYPES = {
    "inventory.sync": "inventory_sync",
    "entra_group.sync": "entra_group_sync",
    "backup_schedule.run": "backup_schedule_run",
    "backup_schedule.retention": "backup_schedule_retention",
    "backup_schedule.purge": "backup_schedule_purge",
}

operation_runs = sa.table("operation_runs", sa.column("type", sa.String))


def _rewrite(mapping: dict[str, str]) -> int:
    statement = (
        operation_runs.update()
        .where(operation_runs.c.type.in_(list(mapping)))
        .values(type=sa.case(mapping, value=operation_runs.c.type))
    )
    return op.get_bind().execute(statement).rowcount


def upgrade() -> None:
    log.info("operation_runs.type: rewrote %d dotted run types", _rewrite(CANONICAL_TYPES))


def downgrade() -> None:
    _rewrite({new: old for old, new in CANONICAL_TYPES.items()})
