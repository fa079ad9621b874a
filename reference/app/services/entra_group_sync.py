"""Sync a tenant's Entra groups, recorded as an entra_group_sync run."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from app.graph import GraphClient
from app.run_types import RunType
from app.runs import Run, RunStore
from app.services.tracking import WorkResult, perform, queue_for_tenant

__all__ = ["EntraGroupSync"]


class EntraGroupSync:
    """Read a tenant's groups; the run's summary counts are the record."""

    def __init__(self, store: RunStore, graph: GraphClient) -> None:
        self.store = store
        self.graph = graph

    def run(self, tenant_id: int, *, initiator_user_id: int | None = None) -> Run:
        """Sync *tenant_id*'s groups and return the completed run."""
        run = queue_for_tenant(self.store, tenant_id, RunType.ENTRA_GROUP_SYNC, initiator_user_id=initiator_user_id)
        return perform(self.store, run, lambda connection, run: self._observe(connection, tenant_id))

    def _observe(self, _connection: Connection, tenant_id: int) -> WorkResult:
        groups = {group.external_id for group in self.graph.list_groups(tenant_id)}
        return WorkResult({"groups_observed": len(groups)})
