"""Look up tenants, findings and inventory items together with the workspace they belong to."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from app.db import findings, inventory_items, is_id, tenants, utc, utc_or_none
from app.runs import Pages

__all__ = [
    "Finding",
    "InventoryItem",
    "RecordPage",
    "get_finding",
    "get_inventory_item",
    "list_findings",
    "list_inventory_items",
    "tenant_workspace",
]


@dataclass(frozen=True, slots=True)
class Finding:
    """A finding and the operation runs it compares."""

    id: int
    workspace_id: int
    tenant_id: int
    finding_type: str
    subject_external_id: str
    status: str
    created_at: datetime
    evidence: Mapping[str, Any] | None
    baseline_operation_run_id: int | None
    current_operation_run_id: int | None

    @classmethod
    def from_row(cls, row: sa.Row[Any], *, workspace_id: int | None = None) -> Finding:
        """Build a finding from a findings row joined with its tenant's workspace_id, or given it."""
        values = row._asdict()
        if workspace_id is not None:
            values["workspace_id"] = workspace_id
        return cls(**{**values, "created_at": utc(values["created_at"])})


@dataclass(frozen=True, slots=True)
class InventoryItem:
    """An inventory item and the operation run that last saw it."""

    id: int
    workspace_id: int
    tenant_id: int
    external_id: str
    policy_type: str
    display_name: str
    last_seen_operation_run_id: int | None
    last_seen_at: datetime | None

    @classmethod
    def from_row(cls, row: sa.Row[Any]) -> InventoryItem:
        """Build an item from an inventory_items row joined with its tenant's workspace_id."""
        values = row._asdict()
        return cls(**{**values, "last_seen_at": utc_or_none(values["last_seen_at"])})


FINDINGS_WITH_WORKSPACE = sa.select(findings, tenants.c.workspace_id).join(
    tenants, tenants.c.id == findings.c.tenant_id
)


def get_finding(engine: Engine, finding_id: int) -> Finding | None:
    """Return the finding with *finding_id* and its workspace, or None."""
    if not is_id(finding_id):
        return None
    with engine.connect() as connection:
        row = connection.execute(FINDINGS_WITH_WORKSPACE.where(findings.c.id == finding_id)).one_or_none()
    return Finding.from_row(row) if row is not None else None


def get_inventory_item(engine: Engine, item_id: int) -> InventoryItem | None:
    """Return the inventory item with *item_id* and its workspace, or None."""
    if not is_id(item_id):
        return None
    statement = (
        sa.select(inventory_items, tenants.c.workspace_id)
        .join(tenants, tenants.c.id == inventory_items.c.tenant_id)
        .where(inventory_items.c.id == item_id)
    )
    with engine.connect() as connection:
        row = connection.execute(statement).one_or_none()
    return InventoryItem.from_row(row) if row is not None else None


@dataclass(frozen=True, slots=True)
class RecordPage(Pages):
    """One page of findings or inventory items, newest id first."""

    records: list[Any]
    total: int
    page: int
    per_page: int


def _list(
    engine: Engine, table: sa.Table, build: Any, workspace_ids: frozenset[int], page: int, per_page: int
) -> RecordPage:
    """Return one page of *table*'s rows in *workspace_ids*, in two queries whatever the page size."""
    in_scope = table.c.tenant_id.in_(
        sa.select(tenants.c.id).where(tenants.c.workspace_id.in_(sorted(workspace_ids))).scalar_subquery()
    )
    statement = (
        sa.select(table, tenants.c.workspace_id)
        .join(tenants, tenants.c.id == table.c.tenant_id)
        .where(in_scope)
        .order_by(table.c.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    with engine.connect() as connection:
        total = connection.execute(sa.select(sa.func.count()).select_from(table).where(in_scope)).scalar_one()
        rows = connection.execute(statement).all()
    return RecordPage([build(row) for row in rows], total, page, per_page)


def list_findings(engine: Engine, workspace_ids: frozenset[int], *, page: int = 1, per_page: int = 25) -> RecordPage:
    """Return one page of the findings of *workspace_ids*, newest first."""
    return _list(engine, findings, Finding.from_row, workspace_ids, page, per_page)


def list_inventory_items(
    engine: Engine, workspace_ids: frozenset[int], *, page: int = 1, per_page: int = 25
) -> RecordPage:
    """Return one page of the inventory items of *workspace_ids*, newest first."""
    return _list(engine, inventory_items, InventoryItem.from_row, workspace_ids, page, per_page)


def tenant_workspace(connection: Connection, tenant_id: int) -> int:
    """Return the workspace that owns *tenant_id*, or raise LookupError."""
    workspace_id = connection.execute(sa.select(tenants.c.workspace_id).where(tenants.c.id == tenant_id)).scalar()
    if workspace_id is None:
        raise LookupError(f"tenant {tenant_id} does not exist")
    return int(workspace_id)
