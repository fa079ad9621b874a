"""Canonical run types, statuses and outcomes: the allow-list every run must pass."""

from __future__ import annotations

from enum import Enum

__all__ = ["RunOutcome", "RunStatus", "RunType", "UnknownRunType", "parse_run_type"]


class RunType(str, Enum):
    """The only run types an operation run may carry."""

    INVENTORY_SYNC = "inventory_sync"
    ENTRA_GROUP_SYNC = "entra_group_sync"
    BACKUP_SCHEDULE_RUN = "backup_schedule_run"
    BACKUP_SCHEDULE_RETENTION = "backup_schedule_retention"
    BACKUP_SCHEDULE_PURGE = "backup_schedule_purge"


class RunStatus(str, Enum):
    """Where a run is in its lifecycle."""

    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"


class RunOutcome(str, Enum):
    """How a completed run ended."""

    SUCCEEDED = "succeeded"
    PARTIALLY_SUCCEEDED = "partially_succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class UnknownRunType(ValueError):
    """A run type outside the allow-list."""

    def __init__(self, value: object) -> None:
        allowed = ", ".join(member.value for member in RunType)
        super().__init__(f"unknown run type {value!r}; expected one of: {allowed}")
        self.value = value


def parse_run_type(value: RunType | str) -> RunType:
    """Return the canonical run type for *value*, or raise UnknownRunType."""
    if isinstance(value, RunType):
        return value
    try:
        return RunType(value)
    except ValueError:
        raise UnknownRunType(value) from None
