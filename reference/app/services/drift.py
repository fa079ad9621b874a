"""Compare two inventory sync runs and record what drifted as findings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from app.db import findings, inventory_observations, operation_runs, utcnow
from app.records import Finding, tenant_workspace
from app.run_types import RunOutcome, RunType

__all__ = ["DriftDetector", "DriftError"]

DRIFT = "drift"
NEW = "new"
# Only these runs recorded what they observed; a failed sync would read as every policy removed.
COMPARABLE_OUTCOMES = frozenset({RunOutcome.SUCCEEDED.value, RunOutcome.PARTIALLY_SUCCEEDED.value})


class DriftError(ValueError):
    """The two runs cannot be compared."""


class DriftDetector:
    """Turn the differences between two inventory sync runs into drift findings."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utcnow) -> None:
        self.engine = engine
        self.clock = clock

    def compare(self, baseline_operation_run_id: int, current_operation_run_id: int) -> list[Finding]:
        """Record a finding per policy added, removed or changed between the two runs.

        Comparing the same pair again records only what is not recorded yet.
        """
        pair = {
            "baseline_operation_run_id": baseline_operation_run_id,
            "current_operation_run_id": current_operation_run_id,
        }
        with self.engine.begin() as connection:
            tenant_id, workspace_id = self._tenant(connection, baseline_operation_run_id, current_operation_run_id)
            recorded = set(
                connection.execute(
                    sa.select(findings.c.subject_external_id).where(
                        *(findings.c[column] == run_id for column, run_id in pair.items())
                    )
                ).scalars()
            )
            drifted = _drift(
                _observed(connection, baseline_operation_run_id), _observed(connection, current_operation_run_id)
            )
            rows = [
                {
                    **pair,
                    "tenant_id": tenant_id,
                    "finding_type": DRIFT,
                    "subject_external_id": external_id,
                    "status": NEW,
                    "created_at": self.clock(),
                    "evidence": evidence,
                }
                for external_id, evidence in drifted
                if external_id not in recorded
            ]
            if not rows:
                return []
            inserted = connection.execute(
                findings.insert().returning(*findings.c, sort_by_parameter_order=True), rows
            ).all()
        return [Finding.from_row(row, workspace_id=workspace_id) for row in inserted]

    def _tenant(self, connection: Connection, *run_ids: int) -> tuple[int, int]:
        runs = connection.execute(
            sa.select(
                operation_runs.c.id, operation_runs.c.type, operation_runs.c.outcome, operation_runs.c.tenant_id
            ).where(operation_runs.c.id.in_(run_ids))
        ).all()
        missing = set(run_ids) - {run.id for run in runs}
        if missing:
            raise DriftError(f"operation runs {sorted(missing)} do not exist")
        for run in runs:
            if run.type != RunType.INVENTORY_SYNC.value or run.outcome not in COMPARABLE_OUTCOMES:
                raise DriftError(f"operation run {run.id} is not a successful {RunType.INVENTORY_SYNC.value} run")
        tenant_ids = {run.tenant_id for run in runs}
        if len(tenant_ids) != 1:
            raise DriftError(f"operation runs {sorted(run_ids)} synced different tenants")
        tenant_id = tenant_ids.pop()
        return tenant_id, tenant_workspace(connection, tenant_id)


def _observed(connection: Connection, operation_run_id: int) -> dict[str, dict[str, Any]]:
    rows = connection.execute(
        sa.select(
            inventory_observations.c.external_id,
            inventory_observations.c.policy_type,
            inventory_observations.c.display_name,
            inventory_observations.c.fingerprint,
        ).where(inventory_observations.c.operation_run_id == operation_run_id)
    ).all()
    return {row.external_id: row._asdict() for row in rows}


def _drift(baseline: dict[str, dict[str, Any]], current: dict[str, dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """Return (external id, evidence) for every policy added, removed or changed, by external id."""
    drifted = []
    for external_id in sorted(baseline.keys() | current.keys()):
        before, after = baseline.get(external_id), current.get(external_id)
        if before is not None and after is not None and before["fingerprint"] == after["fingerprint"]:
            continue
        change = "added" if before is None else "removed" if after is None else "modified"
        seen = after or before or {}
        drifted.append(
            (external_id, {"change": change, "policy_type": seen["policy_type"], "display_name": seen["display_name"]})
        )
    return drifted
