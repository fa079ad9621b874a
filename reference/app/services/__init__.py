"""Services that do the work behind each canonical run type and record it in operation_runs."""

from __future__ import annotations

from app.services.backup_schedules import BackupSchedules, Dispatch, latest_slot
from app.services.drift import DriftDetector, DriftError
from app.services.entra_group_sync import EntraGroupSync
from app.services.inventory_sync import InventorySync
from app.services.tracking import RunRefused, WorkResult, perform

__all__ = [
    "BackupSchedules",
    "Dispatch",
    "DriftDetector",
    "DriftError",
    "EntraGroupSync",
    "InventorySync",
    "RunRefused",
    "WorkResult",
    "latest_slot",
    "perform",
]
