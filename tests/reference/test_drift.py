"""Drift: findings between two inventory sync runs reference both through operation runs."""

from __future__ import annotations

import pytest
from refsupport import World

from app.graph import InMemoryGraphClient, ObservedPolicy
from app.records import get_finding
from app.run_types import RunType
from app.runs import Run, RunStore
from app.services import DriftDetector, DriftError, InventorySync


def _sync(store: RunStore, graph: InMemoryGraphClient, tenant_id: int, *policies: ObservedPolicy) -> Run:
    graph.policies[tenant_id] = list(policies)
    return InventorySync(store, graph).run(tenant_id)


def _policy(external_id: str, name: str, **settings: object) -> ObservedPolicy:
    return ObservedPolicy(external_id, "deviceConfiguration", name, settings)


def test_compare_records_added_removed_and_modified_policies(store: RunStore, world: World) -> None:
    graph = InMemoryGraphClient()
    kept, renamed, retuned = _policy("p1", "Kept"), _policy("p2", "Old name"), _policy("p3", "Firewall", on=True)
    baseline = _sync(store, graph, world.tenant, kept, renamed, retuned, _policy("p4", "Removed"))
    current = _sync(
        store,
        graph,
        world.tenant,
        kept,
        _policy("p2", "New name"),
        _policy("p3", "Firewall", on=False),
        _policy("p5", "Added"),
    )

    found = DriftDetector(store.engine, store.clock).compare(baseline.id, current.id)

    assert {f.subject_external_id: f.evidence["change"] for f in found} == {  # type: ignore[index]
        "p2": "modified",
        "p3": "modified",
        "p4": "removed",
        "p5": "added",
    }
    for finding in found:
        assert (finding.baseline_operation_run_id, finding.current_operation_run_id) == (baseline.id, current.id)
        assert (finding.finding_type, finding.status, finding.tenant_id, finding.workspace_id) == (
            "drift",
            "new",
            world.tenant,
            world.workspace,
        )
        assert get_finding(store.engine, finding.id) == finding


def test_identical_runs_yield_no_findings(store: RunStore, world: World) -> None:
    graph = InMemoryGraphClient()
    runs = [_sync(store, graph, world.tenant, _policy("p1", "Same")) for _ in range(2)]
    assert DriftDetector(store.engine).compare(runs[0].id, runs[1].id) == []


def test_comparing_a_pair_again_records_nothing_new(store: RunStore, world: World) -> None:
    graph = InMemoryGraphClient()
    baseline = _sync(store, graph, world.tenant, _policy("p1", "One"))
    current = _sync(store, graph, world.tenant, _policy("p2", "Two"))
    detector = DriftDetector(store.engine)
    first = detector.compare(baseline.id, current.id)
    assert [f.subject_external_id for f in first] == ["p1", "p2"]
    assert detector.compare(baseline.id, current.id) == []
    assert [f.subject_external_id for f in detector.compare(current.id, baseline.id)] == ["p1", "p2"]


def test_compare_refuses_runs_it_cannot_compare(store: RunStore, world: World) -> None:
    graph = InMemoryGraphClient()
    eu = _sync(store, graph, world.tenant, _policy("p1", "EU"))
    us = _sync(store, graph, world.second_tenant, _policy("p1", "US"))
    queued = store.create(world.workspace, RunType.INVENTORY_SYNC, tenant_id=world.tenant)
    graph.outages[world.tenant] = "Graph returned 503"
    failed = InventorySync(store, graph).run(world.tenant)
    backup = store.create(world.workspace, RunType.BACKUP_SCHEDULE_RUN, tenant_id=world.tenant)
    detector = DriftDetector(store.engine)
    cases = [
        ((eu.id, us.id), "different tenants"),
        ((eu.id, queued.id), "not a successful inventory_sync run"),
        ((failed.id, eu.id), "not a successful inventory_sync run"),
        ((eu.id, backup.id), "not a successful inventory_sync run"),
        ((eu.id, 999), r"\[999\] do not exist"),
    ]
    for run_ids, message in cases:
        with pytest.raises(DriftError, match=message):
            detector.compare(*run_ids)
