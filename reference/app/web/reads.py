"""What the pages read besides runs and records: tenant names, user labels, and what links to a run."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from app.db import findings, inventory_items, is_id, tenants, users

__all__ = ["LINKED_LIMIT", "Linked", "TenantRef", "linked_to_run", "tenant", "tenants_in", "user_labels"]

LINKED_LIMIT = 100
_TENANTS = sa.select(tenants.c.id, tenants.c.workspace_id, tenants.c.name).order_by(tenants.c.name, tenants.c.id)


@dataclass(frozen=True, slots=True)
class TenantRef:
    """A tenant's id, workspace and name."""

    id: int
    workspace_id: int
    name: str


@dataclass(frozen=True, slots=True)
class Linked:
    """Rows that reference one run, the first LINKED_LIMIT of them, and whether there are more."""

    rows: list[sa.Row[Any]]
    more: bool


def tenants_in(connection: Connection, workspace_ids: Iterable[int]) -> dict[int, TenantRef]:
    """Return the tenants of *workspace_ids* by id, ordered by name."""
    rows = connection.execute(_TENANTS.where(tenants.c.workspace_id.in_(sorted(workspace_ids))))
    return {row.id: TenantRef(*row) for row in rows}


def tenant(connection: Connection, tenant_id: int | None) -> TenantRef | None:
    """Return tenant *tenant_id*, or None."""
    if tenant_id is None or not is_id(tenant_id):
        return None
    row = connection.execute(_TENANTS.where(tenants.c.id == tenant_id)).one_or_none()
    return TenantRef(*row) if row is not None else None


def user_labels(connection: Connection, user_ids: Iterable[int | None]) -> dict[int, str]:
    """Return "Name <email>" for each of *user_ids* in one query; None ids are skipped."""
    wanted = sorted({user_id for user_id in user_ids if user_id is not None})
    if not wanted:
        return {}
    rows = connection.execute(sa.select(users.c.id, users.c.name, users.c.email).where(users.c.id.in_(wanted)))
    return {row.id: f"{row.name} <{row.email}>" for row in rows}


def linked_to_run(connection: Connection, run_id: int) -> tuple[Linked, Linked]:
    """Return the findings that compare run *run_id* and the inventory items it saw last."""
    f, i = findings.c, inventory_items.c
    comparing = (
        sa.select(f.id, f.finding_type, f.subject_external_id, f.status)
        .where(sa.or_(f.baseline_operation_run_id == run_id, f.current_operation_run_id == run_id))
        .order_by(f.id)
    )
    last_seen = (
        sa.select(i.id, i.display_name, i.policy_type, i.external_id)
        .where(i.last_seen_operation_run_id == run_id)
        .order_by(i.id)
    )
    return _first(connection, comparing), _first(connection, last_seen)


def _first(connection: Connection, statement: sa.Select[Any]) -> Linked:
    rows = list(connection.execute(statement.limit(LINKED_LIMIT + 1)))
    return Linked(rows[:LINKED_LIMIT], len(rows) > LINKED_LIMIT)
