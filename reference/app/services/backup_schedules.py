"""Dispatch, execute, prune and purge backup schedules, each step a canonical run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from app.db import backup_schedules, backup_sets, inventory_items, tenants, utc
from app.run_types import RunType
from app.runs import Run, RunStore
from app.services.tracking import RunRefused, WorkResult, perform, queue_for_tenant

__all__ = ["BackupSchedules", "Dispatch", "latest_slot"]

DAILY = "daily"
WEEKLY = "weekly"


@dataclass(frozen=True, slots=True)
class Dispatch:
    """A schedule slot's run, and whether this dispatch created it."""

    run: Run
    created: bool


def latest_slot(frequency: str, time_of_day: time, day_of_week: int | None, now: datetime) -> datetime:
    """Return the latest slot at or before *now* (UTC) of a daily or weekly schedule (0 = Monday)."""
    now = utc(now)
    if frequency == DAILY:
        period, days_back = timedelta(days=1), 0
    elif frequency == WEEKLY:
        period, days_back = timedelta(weeks=1), (now.weekday() - (day_of_week or 0)) % 7
    else:
        raise ValueError(f"unknown backup frequency {frequency!r}; expected {DAILY!r} or {WEEKLY!r}")
    day = now.date() - timedelta(days=days_back)
    slot = datetime.combine(day, time_of_day.replace(tzinfo=None), tzinfo=timezone.utc)
    return slot - period if slot > now else slot


class BackupSchedules:
    """Turn backup schedules into backup_schedule_run, _retention and _purge runs."""

    def __init__(self, store: RunStore) -> None:
        self.store = store

    def dispatch_due(self, now: datetime | None = None) -> list[Dispatch]:
        """Queue one run for the latest slot of every enabled schedule; a slot never gets two."""
        now = now or self.store.clock()
        statement = (
            sa.select(backup_schedules, tenants.c.workspace_id)
            .join(tenants, tenants.c.id == backup_schedules.c.tenant_id)
            .where(backup_schedules.c.is_enabled.is_(True))
            .order_by(backup_schedules.c.id)
        )
        with self.store.engine.connect() as connection:
            schedules = connection.execute(statement).all()
        dispatches = []
        for schedule in schedules:
            slot = latest_slot(schedule.frequency, schedule.time_of_day, schedule.day_of_week, now)
            run, created = self.store.create_once(
                schedule.workspace_id,
                RunType.BACKUP_SCHEDULE_RUN,
                idempotency_key=f"{RunType.BACKUP_SCHEDULE_RUN.value}:{schedule.id}:{slot.isoformat()}",
                tenant_id=schedule.tenant_id,
                context=_slot_context(schedule.id, slot, "scheduled"),
            )
            dispatches.append(Dispatch(run, created))
        return dispatches

    def dispatch_now(self, schedule_id: int, *, initiator_user_id: int | None = None) -> Run:
        """Queue a run of *schedule_id* outside its slots, on a user's request."""
        schedule = self._schedule(schedule_id)
        context = _slot_context(schedule_id, self.store.clock(), "manual")
        return self._queue(schedule, RunType.BACKUP_SCHEDULE_RUN, initiator_user_id, context)

    def execute(self, run_id: int) -> Run:
        """Carry out a queued backup_schedule_run: snapshot the tenant's inventory into a backup set."""
        run = self.store.get(run_id)
        if run is None or run.type is not RunType.BACKUP_SCHEDULE_RUN:
            raise LookupError(f"operation run {run_id} is not a {RunType.BACKUP_SCHEDULE_RUN.value} run")
        return perform(self.store, run, self._back_up)

    def _back_up(self, connection: Connection, run: Run) -> WorkResult:
        schedule_id = run.context["backup_schedule_id"]
        tenant_id = connection.execute(
            sa.select(backup_schedules.c.tenant_id).where(backup_schedules.c.id == schedule_id)
        ).scalar()
        if tenant_id is None:
            raise RunRefused(f"backup schedule {schedule_id} no longer exists")
        item_count = connection.execute(
            sa.select(sa.func.count()).select_from(inventory_items).where(inventory_items.c.tenant_id == tenant_id)
        ).scalar_one()
        backup_set_id = connection.execute(
            backup_sets.insert()
            .values(
                backup_schedule_id=schedule_id,
                operation_run_id=run.id,
                created_at=self.store.clock(),
                item_count=item_count,
            )
            .returning(backup_sets.c.id)
        ).scalar_one()
        return WorkResult({"items_backed_up": item_count}, {"backup_set_id": backup_set_id})

    def apply_retention(self, schedule_id: int, *, initiator_user_id: int | None = None) -> Run:
        """Remove the schedule's backup sets beyond its newest retention_keep_last, as a retention run.

        Retention and purge of one schedule are serialised by a lock on its row, and each run
        records the backup sets its own DELETE removed.
        """
        schedule = self._schedule(schedule_id)
        run = self._queue(schedule, RunType.BACKUP_SCHEDULE_RETENTION, initiator_user_id)

        def prune(connection: Connection, run: Run) -> WorkResult:
            locked = _lock_schedule(connection, schedule_id)
            expired = (
                sa.select(backup_sets.c.id)
                .where(backup_sets.c.backup_schedule_id == schedule_id)
                .order_by(backup_sets.c.created_at.desc(), backup_sets.c.id.desc())
                .offset(locked.retention_keep_last)
            )
            removed = _delete_backup_sets(connection, backup_sets.c.id.in_(expired.scalar_subquery()))
            return WorkResult(
                {"backup_sets_removed": len(removed)},
                {"keep_last": locked.retention_keep_last, "removed_backup_set_ids": removed},
            )

        return perform(self.store, run, prune)

    def purge(self, schedule_id: int, *, initiator_user_id: int | None = None) -> Run:
        """Delete a disabled schedule and all its backup sets, as a purge run.

        Whether the schedule is enabled is read from its locked row inside the purge's transaction.
        """
        schedule = self._schedule(schedule_id)
        run = self._queue(schedule, RunType.BACKUP_SCHEDULE_PURGE, initiator_user_id)

        def remove(connection: Connection, run: Run) -> WorkResult:
            locked = _lock_schedule(connection, schedule_id)
            if locked.is_enabled:
                raise RunRefused(f"backup schedule {schedule_id} is enabled; disable it before purging")
            removed = _delete_backup_sets(connection, backup_sets.c.backup_schedule_id == schedule_id)
            connection.execute(backup_schedules.delete().where(backup_schedules.c.id == schedule_id))
            return WorkResult(
                {"backup_sets_removed": len(removed), "backup_schedules_removed": 1},
                {"schedule_name": locked.name, "removed_backup_set_ids": removed},
            )

        return perform(self.store, run, remove)

    def _schedule(self, schedule_id: int) -> sa.Row[Any]:
        with self.store.engine.connect() as connection:
            row = connection.execute(
                sa.select(backup_schedules).where(backup_schedules.c.id == schedule_id)
            ).one_or_none()
        if row is None:
            raise LookupError(f"backup schedule {schedule_id} does not exist")
        return row

    def _queue(
        self,
        schedule: sa.Row[Any],
        type: RunType,
        initiator_user_id: int | None,
        context: dict[str, Any] | None = None,
    ) -> Run:
        return queue_for_tenant(
            self.store,
            schedule.tenant_id,
            type,
            context=context or {"backup_schedule_id": schedule.id},
            initiator_user_id=initiator_user_id,
        )


def _slot_context(schedule_id: int, scheduled_for: datetime, reason: str) -> dict[str, Any]:
    return {"backup_schedule_id": schedule_id, "scheduled_for": utc(scheduled_for).isoformat(), "reason": reason}


def _lock_schedule(connection: Connection, schedule_id: int) -> sa.Row[Any]:
    """Lock schedule *schedule_id* for the rest of the transaction and return it as it is now.

    PostgreSQL takes a row lock (SELECT ... FOR UPDATE). SQLite locks whole databases: a write
    first takes its write lock, which a second writer waits for (the driver's busy timeout), so a
    no-op UPDATE of the row comes first there. Raises RunRefused when the schedule is gone.
    """
    if connection.dialect.name == "sqlite":
        connection.execute(
            backup_schedules.update()
            .where(backup_schedules.c.id == schedule_id)
            .values(is_enabled=backup_schedules.c.is_enabled)
        )
    row = connection.execute(
        sa.select(backup_schedules).where(backup_schedules.c.id == schedule_id).with_for_update()
    ).one_or_none()
    if row is None:
        raise RunRefused(f"backup schedule {schedule_id} no longer exists")
    return row


def _delete_backup_sets(connection: Connection, which: sa.ColumnElement[bool]) -> list[int]:
    """Delete the backup sets matching *which*; return the ids this statement actually deleted."""
    deleted = connection.execute(backup_sets.delete().where(which).returning(backup_sets.c.id)).scalars()
    return sorted(deleted)
