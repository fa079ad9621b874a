"""Fill a database at the legacy baseline with runs, findings and items, and say what the cutover must yield."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

__all__ = ["DOTTED_TYPES", "LegacySeed", "seed_legacy"]

DOTTED_TYPES = {
    "inventory.sync": "inventory_sync",
    "entra_group.sync": "entra_group_sync",
    "backup_schedule.run": "backup_schedule_run",
    "backup_schedule.retention": "backup_schedule_retention",
    "backup_schedule.purge": "backup_schedule_purge",
}
EPOCH = datetime(2025, 6, 1, tzinfo=timezone.utc)
TENANTS = 4


@dataclass
class LegacySeed:
    """What was seeded, and what each reference must become after the cutover."""

    finding_runs: dict[int, tuple[int | None, int | None]] = field(default_factory=dict)
    """finding id -> (baseline_run_id, current_run_id) as seeded."""
    expected_finding_operation_runs: dict[int, tuple[int | None, int | None]] = field(default_factory=dict)
    item_runs: dict[int, int | None] = field(default_factory=dict)
    """inventory item id -> last_seen_run_id as seeded."""
    item_preset: dict[int, int | None] = field(default_factory=dict)
    """inventory item id -> last_seen_operation_run_id as seeded."""
    expected_item_operation_runs: dict[int, int | None] = field(default_factory=dict)
    operation_run_of: dict[int, int | None] = field(default_factory=dict)
    """inventory sync run id -> its operation_run_id."""
    unmapped: dict[str, int] = field(default_factory=dict)
    """column -> how many legacy references must become NULL."""
    dotted_types: Counter[str] = field(default_factory=Counter)
    operation_runs: int = 0


def seed_legacy(
    connection: Connection, *, findings: int, items: int, legacy_runs: int = 300, seed: int = 20260212
) -> LegacySeed:
    """Seed the legacy schema; one legacy run in three has no operation run, one item in five a preset value."""
    rng = random.Random(seed)
    tables = sa.MetaData()
    tables.reflect(connection)
    result = LegacySeed()
    insert = _Inserter(connection, tables)

    insert("workspaces", [{"id": w, "name": f"Workspace {w}"} for w in (1, 2)])
    insert("users", [{"id": u, "email": f"user{u}@example.test", "name": f"User {u}"} for u in (1, 2, 3)])
    insert(
        "workspace_memberships",
        [{"workspace_id": 1, "user_id": 1, "role": "owner"}, {"workspace_id": 2, "user_id": 2, "role": "billing"}],
    )
    insert("tenants", [{"id": t, "workspace_id": 1 + (t - 1) % 2, "name": f"Tenant {t}"} for t in range(1, TENANTS + 1)])

    operation_runs: list[dict[str, Any]] = []

    def operation_run(dotted: str, tenant_id: int) -> int:
        run_id = len(operation_runs) + 1
        operation_runs.append(_operation_run(run_id, dotted, tenant_id))
        result.dotted_types[dotted] += 1
        return run_id

    sync_runs = []
    for run_id in range(1, legacy_runs + 1):
        tenant_id = rng.randint(1, TENANTS)
        mapped = operation_run("inventory.sync", tenant_id) if run_id % 3 else None
        result.operation_run_of[run_id] = mapped
        sync_runs.append({**_legacy_run(run_id, tenant_id, mapped), "items_observed": rng.randint(0, 500)})
    # Inventory sync operation runs that no legacy run points at: targets for preset item values.
    orphans = [operation_run("inventory.sync", rng.randint(1, TENANTS)) for _ in range(20)]
    group_runs = [
        {**_legacy_run(n, 1 + n % TENANTS, operation_run("entra_group.sync", 1 + n % TENANTS) if n % 2 else None),
         "groups_observed": n}
        for n in range(1, 61)
    ]
    for dotted in ("backup_schedule.retention", "backup_schedule.purge"):
        for n in range(15):
            operation_run(dotted, 1 + n % TENANTS)
    schedules = [
        {"id": s, "tenant_id": 1 + s % TENANTS, "name": f"Nightly {s}", "frequency": "daily" if s % 2 else "weekly",
         "time_of_day": time(2, 30), "day_of_week": None if s % 2 else 6, "retention_keep_last": 7, "is_enabled": True}
        for s in range(1, 9)
    ]
    schedule_runs = []
    for n in range(1, 61):
        schedule = schedules[n % len(schedules)]
        mapped = operation_run("backup_schedule.run", schedule["tenant_id"]) if n % 2 else None
        schedule_runs.append(
            {**_legacy_run(n, None, mapped), "backup_schedule_id": schedule["id"], "scheduled_for": EPOCH + timedelta(days=n)}
        )

    insert("operation_runs", operation_runs)
    insert("inventory_sync_runs", sync_runs)
    insert("entra_group_sync_runs", group_runs)
    insert("backup_schedules", schedules)
    insert("backup_schedule_runs", schedule_runs)
    insert(
        "backup_sets",
        [{"id": n, "backup_schedule_id": r["backup_schedule_id"], "operation_run_id": r["operation_run_id"],
          "created_at": r["finished_at"], "item_count": n} for n, r in enumerate(schedule_runs, 1)],
    )
    result.operation_runs = len(operation_runs)

    def legacy_reference() -> int | None:
        return None if rng.random() < 0.1 else rng.randint(1, legacy_runs)

    finding_rows = []
    for finding_id in range(1, findings + 1):
        refs = (legacy_reference(), legacy_reference())
        result.finding_runs[finding_id] = refs
        result.expected_finding_operation_runs[finding_id] = (
            result.operation_run_of.get(refs[0]) if refs[0] else None,
            result.operation_run_of.get(refs[1]) if refs[1] else None,
        )
        finding_rows.append(
            {"id": finding_id, "tenant_id": 1 + finding_id % TENANTS, "finding_type": "drift",
             "subject_external_id": f"policy-{finding_id}", "baseline_run_id": refs[0], "current_run_id": refs[1],
             "status": ("new", "acknowledged", "resolved")[finding_id % 3], "created_at": EPOCH}
        )
    insert("findings", finding_rows)
    for index, column in enumerate(("baseline_operation_run_id", "current_operation_run_id")):
        result.unmapped[f"findings.{column}"] = sum(
            1 for finding_id, refs in result.finding_runs.items()
            if refs[index] is not None and result.expected_finding_operation_runs[finding_id][index] is None
        )

    # Preset values point at operation runs with and without a legacy run, agreeing or not with the mapping.
    preset_targets = orphans + [run for run in result.operation_run_of.values() if run][:20]
    item_rows = []
    for item_id in range(1, items + 1):
        legacy = legacy_reference()
        preset = rng.choice(preset_targets) if rng.random() < 0.2 else None
        result.item_runs[item_id] = legacy
        result.item_preset[item_id] = preset
        result.expected_item_operation_runs[item_id] = preset or (result.operation_run_of[legacy] if legacy else None)
        item_rows.append(
            {"id": item_id, "tenant_id": 1 + item_id % TENANTS, "external_id": f"policy-{item_id}",
             "policy_type": "deviceConfiguration", "display_name": f"Policy {item_id}", "last_seen_run_id": legacy,
             "last_seen_operation_run_id": preset, "last_seen_at": EPOCH}
        )
    insert("inventory_items", item_rows)
    result.unmapped["inventory_items.last_seen_operation_run_id"] = sum(
        1 for item_id, legacy in result.item_runs.items()
        if legacy is not None and result.expected_item_operation_runs[item_id] is None
    )
    insert.reset_sequences()
    return result


def _operation_run(run_id: int, dotted: str, tenant_id: int) -> dict[str, Any]:
    created = EPOCH + timedelta(minutes=run_id)
    return {
        "id": run_id, "workspace_id": 1 + (tenant_id - 1) % 2, "tenant_id": tenant_id, "type": dotted,
        "status": "completed", "outcome": "succeeded", "context": {"source": "legacy"}, "summary_counts": {},
        "initiator_user_id": None, "created_at": created, "started_at": created, "completed_at": created,
    }


def _legacy_run(run_id: int, tenant_id: int | None, operation_run_id: int | None) -> dict[str, Any]:
    started = EPOCH + timedelta(hours=run_id)
    row = {"id": run_id, "operation_run_id": operation_run_id, "status": "finished", "started_at": started,
           "finished_at": started + timedelta(minutes=5)}
    return row if tenant_id is None else {**row, "tenant_id": tenant_id}


class _Inserter:
    """Bulk-insert rows with explicit ids, then move PostgreSQL's id sequences past them."""

    def __init__(self, connection: Connection, tables: sa.MetaData) -> None:
        self.connection = connection
        self.tables = tables
        self.touched: list[str] = []

    def __call__(self, table: str, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.connection.execute(self.tables.tables[table].insert(), rows)
            self.touched.append(table)

    def reset_sequences(self) -> None:
        if self.connection.dialect.name != "postgresql":
            return
        for table in self.touched:
            if "id" in self.tables.tables[table].c:
                self.connection.execute(
                    sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
                )
