"""The reference tree names no legacy run table, model, column, type or URL outside the cutover revisions."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REFERENCE = Path(__file__).resolve().parents[2] / "reference"
SCANNED = ("app", "database", "resources", "routes")
VERSIONS = REFERENCE / "database" / "migrations" / "versions"
CUTOVER_FILES = frozenset({VERSIONS / "legacy_baseline.py", *VERSIONS.glob("2026_02_12_00000[1-6]_*.py")})
LEGACY_NAMES = (
    "inventory_sync_runs",
    "entra_group_sync_runs",
    "backup_schedule_runs",
    "InventorySyncRun",
    "InventorySyncRuns",
    "EntraGroupSyncRun",
    "EntraGroupSyncRuns",
    "BackupScheduleRun",
    "BackupScheduleRuns",
    "last_seen_run_id",
    "baseline_run_id",
    "current_run_id",
    "inventory.sync",
    "entra_group.sync",
    "backup_schedule.run",
    "backup_schedule.retention",
    "backup_schedule.purge",
    "inventory-sync-runs",
    "entra-group-sync-runs",
    "backup-schedule-runs",
)
LEGACY = re.compile("|".join(rf"\b{re.escape(name)}\b" for name in LEGACY_NAMES))
# A cutover revision must never turn legacy rows into operation runs.
CREATES_RUNS = re.compile(
    r"INSERT\s+INTO\s+operation_runs|UPDATE\s+operation_runs\b[^;]*?\bFROM\b|operation_runs\.insert\(|bulk_insert\(",
    re.IGNORECASE | re.DOTALL,
)


def _scanned_files() -> list[Path]:
    roots = [REFERENCE / name for name in SCANNED if (REFERENCE / name).exists()]
    return sorted(
        path
        for root in roots
        for path in root.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path not in CUTOVER_FILES
    )


def test_the_allow_list_holds_the_baseline_and_six_cutover_revisions() -> None:
    assert len(CUTOVER_FILES) == 7 and all(path.exists() for path in CUTOVER_FILES)


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        pytest.param("SELECT * FROM inventory_sync_runs", True, id="table"),
        pytest.param("class InventorySyncRun:", True, id="model"),
        pytest.param("type == 'backup_schedule.purge'", True, id="dotted-type"),
        pytest.param("/entra-group-sync-runs/3", True, id="url"),
        pytest.param("class InventorySyncRunner:", False, id="longer-identifier"),
        pytest.param("baseline_operation_run_id", False, id="canonical-column"),
        pytest.param("backup_schedule_run", False, id="canonical-type"),
    ],
)
def test_the_matcher_finds_legacy_names_by_word(text: str, flagged: bool) -> None:
    assert bool(LEGACY.search(text)) is flagged


def test_no_scanned_file_names_a_legacy_run() -> None:
    offenders = [
        f"{path.relative_to(REFERENCE)}:{number}: {match.group()}"
        for path in _scanned_files()
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if (match := LEGACY.search(line))
    ]
    assert offenders == []


@pytest.mark.parametrize("path", [pytest.param(p, id=p.stem) for p in sorted(CUTOVER_FILES)])
def test_cutover_revisions_never_create_operation_runs(path: Path) -> None:
    assert CREATES_RUNS.search(path.read_text()) is None
