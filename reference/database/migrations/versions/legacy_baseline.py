"""The legacy schema: operation runs beside three per-feature run tables.

Revision ID: legacy_baseline
Revises:
Create Date: 2026-02-01

This is the schema the cutover starts from. inventory_sync_runs, entra_group_sync_runs and
backup_schedule_runs each keep their own history and point at operation_runs only where a
run was mirrored there; findings and inventory_items still point at inventory_sync_runs.
Constraint and index names come from the naming convention in app.db.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "legacy_baseline"
down_revision = None
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIMESTAMP = sa.DateTime(timezone=True)


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer, primary_key=True)


def _fk(name: str, target: str, *, nullable: bool = False, index: bool = False) -> sa.Column[int]:
    return sa.Column(name, sa.Integer, sa.ForeignKey(target), nullable=nullable, index=index)


def create_legacy_run_tables() -> None:
    """Create the three per-feature run tables; 2026_02_12_000006 recreates them this way on downgrade."""
    # table: (owning row, the one column only this table has)
    shapes: dict[str, tuple[sa.Column[int], str, sa.types.TypeEngine[Any]]] = {
        "inventory_sync_runs": (_fk("tenant_id", "tenants.id", index=True), "items_observed", sa.Integer()),
        "entra_group_sync_runs": (_fk("tenant_id", "tenants.id", index=True), "groups_observed", sa.Integer()),
        "backup_schedule_runs": (
            _fk("backup_schedule_id", "backup_schedules.id", index=True),
            "scheduled_for",
            TIMESTAMP,
        ),
    }
    for table, (owner, name, type_) in shapes.items():
        op.create_table(
            table,
            _id(),
            owner,
            _fk("operation_run_id", "operation_runs.id", nullable=True),
            sa.Column(name, type_, nullable=False),
            sa.Column("status", sa.String(64), nullable=False),
            sa.Column("started_at", TIMESTAMP, nullable=False),
            sa.Column("finished_at", TIMESTAMP, nullable=False),
        )


def upgrade() -> None:
    op.create_table("workspaces", _id(), sa.Column("name", sa.String(200), nullable=False))
    op.create_table(
        "users",
        _id(),
        sa.Column("email", sa.String(320), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
    )
    op.create_table(
        "workspace_memberships",
        sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id"), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("role", sa.String(32), nullable=False),
    )
    op.create_table(
        "tenants",
        _id(),
        _fk("workspace_id", "workspaces.id", index=True),
        sa.Column("name", sa.String(200), nullable=False),
    )
    op.create_table(
        "operation_runs",
        _id(),
        _fk("workspace_id", "workspaces.id"),
        _fk("tenant_id", "tenants.id", nullable=True, index=True),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=True),
        sa.Column("context", JSON, nullable=False),
        sa.Column("summary_counts", JSON, nullable=False),
        _fk("initiator_user_id", "users.id", nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("started_at", TIMESTAMP, nullable=True),
        sa.Column("completed_at", TIMESTAMP, nullable=True),
        sa.Index("ix_operation_runs_workspace_id_created_at", "workspace_id", "created_at"),
    )
    op.create_table(
        "backup_schedules",
        _id(),
        _fk("tenant_id", "tenants.id", index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("frequency", sa.String(16), nullable=False),
        sa.Column("time_of_day", sa.Time, nullable=False),
        sa.Column("day_of_week", sa.Integer, nullable=True),
        sa.Column("retention_keep_last", sa.Integer, nullable=False),
        sa.Column("is_enabled", sa.Boolean, nullable=False),
    )
    create_legacy_run_tables()
    op.create_table(
        "backup_sets",
        _id(),
        _fk("backup_schedule_id", "backup_schedules.id", index=True),
        _fk("operation_run_id", "operation_runs.id", nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("item_count", sa.Integer, nullable=False),
    )
    op.create_table(
        "findings",
        _id(),
        _fk("tenant_id", "tenants.id", index=True),
        sa.Column("finding_type", sa.String(32), nullable=False),
        sa.Column("subject_external_id", sa.String(200), nullable=False),
        _fk("baseline_run_id", "inventory_sync_runs.id", nullable=True),
        _fk("current_run_id", "inventory_sync_runs.id", nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("evidence", JSON, nullable=True),
    )
    op.create_table(
        "inventory_items",
        _id(),
        _fk("tenant_id", "tenants.id"),
        sa.Column("external_id", sa.String(200), nullable=False),
        sa.Column("policy_type", sa.String(100), nullable=False),
        sa.Column("display_name", sa.String(300), nullable=False),
        _fk("last_seen_run_id", "inventory_sync_runs.id", nullable=True),
        _fk("last_seen_operation_run_id", "operation_runs.id", nullable=True, index=True),
        sa.Column("last_seen_at", TIMESTAMP, nullable=True),
        sa.UniqueConstraint("tenant_id", "external_id"),
    )


def downgrade() -> None:
    for table in (
        "inventory_items",
        "findings",
        "backup_sets",
        "backup_schedule_runs",
        "backup_schedules",
        "entra_group_sync_runs",
        "inventory_sync_runs",
        "operation_runs",
        "tenants",
        "workspace_memberships",
        "users",
        "workspaces",
    ):
        op.drop_table(table)
