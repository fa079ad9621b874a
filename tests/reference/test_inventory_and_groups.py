"""Inventory sync and Entra group sync: their runs and what they write."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from refsupport import World, count

from app import db
from app.graph import InMemoryGraphClient, ObservedGroup, ObservedPolicy
from app.run_types import RunOutcome, RunStatus, RunType
from app.runs import RunStore
from app.services import EntraGroupSync, InventorySync


def _policy(external_id: str, name: str, **settings: object) -> ObservedPolicy:
    return ObservedPolicy(external_id, "deviceConfiguration", name, settings)


def _items(store: RunStore) -> dict[str, tuple[str, int | None]]:
    i = db.inventory_items.c
    with store.engine.connect() as connection:
        rows = connection.execute(sa.select(i.external_id, i.display_name, i.last_seen_operation_run_id))
        return {row.external_id: (row.display_name, row.last_seen_operation_run_id) for row in rows}


def test_inventory_sync_upserts_items_with_the_run_that_saw_them(store: RunStore, world: World) -> None:
    graph = InMemoryGraphClient()
    sync = InventorySync(store, graph)
    graph.policies[world.tenant] = [_policy("p1", "Baseline"), _policy("p2", "BitLocker"), _policy("p3", "Firewall")]
    first = sync.run(world.tenant, initiator_user_id=world.operator)
    graph.policies[world.tenant] = [_policy("p1", "Baseline v2"), _policy("p4", "Defender")]
    second = sync.run(world.tenant)

    for run, observed in ((first, 3), (second, 2)):
        assert (run.type, run.status, run.outcome) == (
            RunType.INVENTORY_SYNC,
            RunStatus.COMPLETED,
            RunOutcome.SUCCEEDED,
        )
        assert (run.workspace_id, run.tenant_id, dict(run.summary_counts)) == (
            world.workspace,
            world.tenant,
            {"items_observed": observed},
        )
    assert first.initiator_user_id == world.operator
    assert _items(store) == {
        "p1": ("Baseline v2", second.id),
        "p2": ("BitLocker", first.id),
        "p3": ("Firewall", first.id),
        "p4": ("Defender", second.id),
    }


def test_inventory_sync_keeps_tenants_apart(store: RunStore, world: World) -> None:
    graph = InMemoryGraphClient()
    graph.policies = {world.tenant: [_policy("p1", "EU")], world.other_tenant: [_policy("p1", "Fabrikam")]}
    sync = InventorySync(store, graph)
    runs = [sync.run(world.tenant), sync.run(world.other_tenant)]
    assert [run.workspace_id for run in runs] == [world.workspace, world.other_workspace]
    assert count(store.engine, db.inventory_items) == 2


def test_a_directory_outage_fails_the_run_and_writes_nothing(store: RunStore, world: World) -> None:
    graph = InMemoryGraphClient()
    graph.policies[world.tenant] = [_policy("p1", "Baseline")]
    graph.outages[world.tenant] = "Graph returned 503"
    run = InventorySync(store, graph).run(world.tenant)
    assert (run.status, run.outcome, run.context["error"]) == (
        RunStatus.COMPLETED,
        RunOutcome.FAILED,
        "Graph returned 503",
    )
    assert count(store.engine, db.inventory_items) == 0


def test_an_unexpected_error_fails_the_run_and_propagates(store: RunStore, world: World) -> None:
    class BrokenGraph(InMemoryGraphClient):
        def list_policies(self, tenant_id: int) -> list[ObservedPolicy]:
            raise KeyError("displayName")

    with pytest.raises(KeyError):
        InventorySync(store, BrokenGraph()).run(world.tenant)
    [run] = store.list().runs
    assert (run.outcome, run.context["error"]) == (RunOutcome.FAILED, "KeyError: 'displayName'")


def test_syncing_an_unknown_tenant_creates_no_run(store: RunStore, world: World) -> None:
    with pytest.raises(LookupError, match="tenant 99"):
        InventorySync(store, InMemoryGraphClient()).run(99)
    assert store.list().total == 0


def test_entra_group_sync_counts_distinct_groups(store: RunStore, world: World) -> None:
    graph = InMemoryGraphClient()
    graph.groups[world.second_tenant] = [
        ObservedGroup("g1", "Admins"),
        ObservedGroup("g2", "Pilot"),
        ObservedGroup("g1", "Admins"),
    ]
    run = EntraGroupSync(store, graph).run(world.second_tenant, initiator_user_id=world.manager)
    assert (run.type, run.outcome, dict(run.summary_counts)) == (
        RunType.ENTRA_GROUP_SYNC,
        RunOutcome.SUCCEEDED,
        {"groups_observed": 2},
    )
    assert (run.tenant_id, run.initiator_user_id) == (world.second_tenant, world.manager)
