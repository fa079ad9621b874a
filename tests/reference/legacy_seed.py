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
Row = dict[str, Any]


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
    builder = _Builder(random.Random(seed))
    builder.runs(legacy_runs)
    builder.findings(findings, legacy_runs)
    builder.items(items, legacy_runs)
    tables = sa.MetaData()
    tables.reflect(connection)
    for table, rows in builder.rows.items():
        if rows:
            connection.execute(tables.tables[table].insert(), rows)
        # Rows carry explicit ids, so move PostgreSQL's sequences past them for later inserts.
        if connection.dialect.name == "postgresql" and rows and "id" in rows[0]:
            connection.execute(
                sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            )
    builder.result.operation_runs = len(builder.rows["operation_runs"])
    return builder.result


class _Builder:
    """Collect rows table by table, in an order that satisfies the foreign keys."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.result = LegacySeed()
        self.orphans: list[int] = []
        self.rows: dict[str, list[Row]] = {
            "workspaces": [{"id": w, "name": f"Workspace {w}"} for w in (1, 2)],
            "users": [{"id": u, "email": f"user{u}@example.test", "name": f"User {u}"} for u in (1, 2, 3)],
            "workspace_memberships": [
                {"workspace_id": 1, "user_id": 1, "role": "owner"},
                {"workspace_id": 2, "user_id": 2, "role": "billing"},
            ],
            "tenants": [{"id": t, "workspace_id": _workspace(t), "name": f"Tenant {t}"} for t in range(1, TENANTS + 1)],
            "operation_runs": [],
            "inventory_sync_runs": [],
            "entra_group_sync_runs": [],
            "backup_schedules": [],
            "backup_schedule_runs": [],
            "backup_sets": [],
            "findings": [],
            "inventory_items": [],
        }

    def operation_run(self, dotted: str, tenant_id: int) -> int:
        runs = self.rows["operation_runs"]
        run_id = len(runs) + 1
        created = EPOCH + timedelta(minutes=run_id)
        runs.append(
            {
                "id": run_id,
                "workspace_id": _workspace(tenant_id),
                "tenant_id": tenant_id,
                "type": dotted,
                "status": "completed",
                "outcome": "succeeded",
                "context": {"source": "legacy"},
                "summary_counts": {},
                "created_at": created,
                "started_at": created,
                "completed_at": created,
            }
        )
        self.result.dotted_types[dotted] += 1
        return run_id

    def runs(self, legacy_runs: int) -> None:
        """Add legacy runs of every kind, two in three (inventory) or one in two (others) mirrored."""
        for run_id in range(1, legacy_runs + 1):
            tenant_id = self.rng.randint(1, TENANTS)
            mapped = self.operation_run("inventory.sync", tenant_id) if run_id % 3 else None
            self.result.operation_run_of[run_id] = mapped
            self.rows["inventory_sync_runs"].append(
                {**_legacy_run(run_id, mapped), "tenant_id": tenant_id, "items_observed": self.rng.randint(0, 500)}
            )
        # Inventory sync operation runs that no legacy run points at: targets for preset item values.
        self.orphans = [self.operation_run("inventory.sync", self.rng.randint(1, TENANTS)) for _ in range(20)]
        for n in range(1, 61):
            tenant_id = 1 + n % TENANTS
            mapped = self.operation_run("entra_group.sync", tenant_id) if n % 2 else None
            self.rows["entra_group_sync_runs"].append(
                {**_legacy_run(n, mapped), "tenant_id": tenant_id, "groups_observed": n}
            )
        for dotted in ("backup_schedule.retention", "backup_schedule.purge"):
            for n in range(15):
                self.operation_run(dotted, 1 + n % TENANTS)
        self.rows["backup_schedules"] = [
            {
                "id": s,
                "tenant_id": 1 + s % TENANTS,
                "name": f"Nightly {s}",
                "frequency": "weekly" if s % 2 else "daily",
                "time_of_day": time(2, 30),
                "day_of_week": 6 if s % 2 else None,
                "retention_keep_last": 7,
                "is_enabled": True,
            }
            for s in range(1, 9)
        ]
        for n in range(1, 61):
            schedule_id = 1 + n % 8
            mapped = self.operation_run("backup_schedule.run", 1 + schedule_id % TENANTS) if n % 2 else None
            run = {**_legacy_run(n, mapped), "backup_schedule_id": schedule_id, "scheduled_for": EPOCH + timedelta(n)}
            self.rows["backup_schedule_runs"].append(run)
            self.rows["backup_sets"].append(
                {
                    "id": n,
                    "backup_schedule_id": schedule_id,
                    "operation_run_id": mapped,
                    "created_at": run["finished_at"],
                    "item_count": n,
                }
            )

    def legacy_reference(self, legacy_runs: int) -> int | None:
        return None if self.rng.random() < 0.1 else self.rng.randint(1, legacy_runs)

    def mapped(self, legacy: int | None) -> int | None:
        return self.result.operation_run_of[legacy] if legacy is not None else None

    def findings(self, count: int, legacy_runs: int) -> None:
        """Add findings whose baseline and current runs are mapped, unmapped or absent."""
        result = self.result
        for finding_id in range(1, count + 1):
            refs = (self.legacy_reference(legacy_runs), self.legacy_reference(legacy_runs))
            result.finding_runs[finding_id] = refs
            result.expected_finding_operation_runs[finding_id] = (self.mapped(refs[0]), self.mapped(refs[1]))
            self.rows["findings"].append(
                {
                    "id": finding_id,
                    "tenant_id": 1 + finding_id % TENANTS,
                    "finding_type": "drift",
                    "subject_external_id": f"policy-{finding_id}",
                    "baseline_run_id": refs[0],
                    "current_run_id": refs[1],
                    "status": ("new", "acknowledged", "resolved")[finding_id % 3],
                    "created_at": EPOCH,
                }
            )
        for index, column in enumerate(("baseline_operation_run_id", "current_operation_run_id")):
            result.unmapped[f"findings.{column}"] = sum(
                1
                for finding_id, refs in result.finding_runs.items()
                if refs[index] is not None and result.expected_finding_operation_runs[finding_id][index] is None
            )

    def items(self, count: int, legacy_runs: int) -> None:
        """Add items; one in five already has a last_seen_operation_run_id, agreeing with the mapping or not."""
        result = self.result
        preset_targets = self.orphans + [run for run in result.operation_run_of.values() if run][:20]
        for item_id in range(1, count + 1):
            legacy = self.legacy_reference(legacy_runs)
            preset = self.rng.choice(preset_targets) if self.rng.random() < 0.2 else None
            result.item_runs[item_id] = legacy
            result.item_preset[item_id] = preset
            result.expected_item_operation_runs[item_id] = preset or self.mapped(legacy)
            self.rows["inventory_items"].append(
                {
                    "id": item_id,
                    "tenant_id": 1 + item_id % TENANTS,
                    "external_id": f"policy-{item_id}",
                    "policy_type": "deviceConfiguration",
                    "display_name": f"Policy {item_id}",
                    "last_seen_run_id": legacy,
                    "last_seen_operation_run_id": preset,
                    "last_seen_at": EPOCH,
                }
            )
        result.unmapped["inventory_items.last_seen_operation_run_id"] = sum(
            1
            for item_id, legacy in result.item_runs.items()
            if legacy is not None and result.expected_item_operation_runs[item_id] is None
        )


def _workspace(tenant_id: int) -> int:
    return 1 + (tenant_id - 1) % 2


def _legacy_run(run_id: int, operation_run_id: int | None) -> Row:
    started = EPOCH + timedelta(hours=run_id)
    return {
        "id": run_id,
        "operation_run_id": operation_run_id,
        "status": "finished",
        "started_at": started,
        "finished_at": started + timedelta(minutes=5),
    }
