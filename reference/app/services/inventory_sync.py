"""Sync a tenant's policies into inventory_items, recorded as an inventory_sync run."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from app.db import dialect_insert, inventory_items, inventory_observations
from app.graph import GraphClient
from app.run_types import RunType
from app.runs import Run, RunStore
from app.services.tracking import WorkResult, perform, queue_for_tenant

__all__ = ["InventorySync"]


class InventorySync:
    """Observe a tenant's policies and remember which run saw each item last."""

    def __init__(self, store: RunStore, graph: GraphClient) -> None:
        self.store = store
        self.graph = graph

    def run(self, tenant_id: int, *, initiator_user_id: int | None = None) -> Run:
        """Sync *tenant_id* and return its completed run."""
        run = queue_for_tenant(self.store, tenant_id, RunType.INVENTORY_SYNC, initiator_user_id=initiator_user_id)
        return perform(self.store, run, lambda connection, run: self._observe(connection, run, tenant_id))

    def _observe(self, connection: Connection, run: Run, tenant_id: int) -> WorkResult:
        # The directory is read before the first statement, so no database transaction waits on it.
        policies = {policy.external_id: policy for policy in self.graph.list_policies(tenant_id)}
        now = self.store.clock()
        items: list[dict[str, Any]] = []
        observations: list[dict[str, Any]] = []
        for policy in policies.values():
            described = {
                "tenant_id": tenant_id,
                "external_id": policy.external_id,
                "policy_type": policy.policy_type,
                "display_name": policy.display_name,
            }
            items.append({**described, "last_seen_operation_run_id": run.id, "last_seen_at": now})
            observations.append({**described, "operation_run_id": run.id, "fingerprint": policy.fingerprint()})
        if items:
            upsert = dialect_insert(connection, inventory_items)
            upsert = upsert.on_conflict_do_update(
                index_elements=["tenant_id", "external_id"],
                set_={
                    name: upsert.excluded[name]
                    for name in ("policy_type", "display_name", "last_seen_operation_run_id", "last_seen_at")
                },
            )
            connection.execute(upsert, items)
            connection.execute(inventory_observations.insert(), observations)
        return WorkResult({"items_observed": len(items)})
