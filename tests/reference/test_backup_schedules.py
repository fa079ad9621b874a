"""Backup schedules: dispatching slots once, executing, retention and purge."""

from __future__ import annotations

import threading
import time as clock
from datetime import datetime, time, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from refsupport import World, count

from app import db
from app.run_types import RunOutcome, RunStatus, RunType
from app.runs import RunFilter, RunStore
from app.services import BackupSchedules, Dispatch, latest_slot

MONDAY = datetime(2026, 2, 16, 12, 0, tzinfo=timezone.utc)
PAUSE = 0.5


@pytest.mark.parametrize(
    ("frequency", "day_of_week", "now", "expected"),
    [
        pytest.param("daily", None, MONDAY, MONDAY.replace(hour=2), id="daily-after-today's-time"),
        pytest.param(
            "daily", None, MONDAY.replace(hour=1), MONDAY.replace(hour=2) - timedelta(days=1), id="daily-before"
        ),
        pytest.param("daily", None, MONDAY.replace(hour=2, minute=0), MONDAY.replace(hour=2), id="daily-on-the-dot"),
        pytest.param("weekly", 0, MONDAY, MONDAY.replace(hour=2), id="weekly-today"),
        pytest.param("weekly", 6, MONDAY, MONDAY.replace(hour=2) - timedelta(days=1), id="weekly-yesterday"),
        pytest.param(
            "weekly", 0, MONDAY.replace(hour=1), MONDAY.replace(hour=2) - timedelta(weeks=1), id="weekly-later-today"
        ),
        pytest.param("weekly", 1, MONDAY, MONDAY.replace(hour=2) - timedelta(days=6), id="weekly-tuesday"),
    ],
)
def test_latest_slot(frequency: str, day_of_week: int | None, now: datetime, expected: datetime) -> None:
    assert latest_slot(frequency, time(2, 0), day_of_week, now) == expected


def test_latest_slot_rejects_unknown_frequencies() -> None:
    with pytest.raises(ValueError, match="monthly"):
        latest_slot("monthly", time(2, 0), None, MONDAY)


def _created(dispatches: list[Dispatch]) -> dict[int, bool]:
    return {d.run.context["backup_schedule_id"]: d.created for d in dispatches}


def test_dispatch_queues_one_run_per_enabled_schedule_and_slot(store: RunStore, world: World) -> None:
    schedules = BackupSchedules(store)
    first = schedules.dispatch_due(MONDAY)
    again = schedules.dispatch_due(MONDAY + timedelta(hours=3))
    next_day = schedules.dispatch_due(MONDAY + timedelta(days=1))

    assert _created(first) == {world.daily_schedule: True, world.weekly_schedule: True}
    assert _created(again) == {world.daily_schedule: False, world.weekly_schedule: False}
    assert _created(next_day) == {world.daily_schedule: True, world.weekly_schedule: False}
    assert [d.run.id for d in again] == [d.run.id for d in first]
    daily = first[0].run
    assert (daily.type, daily.status, daily.workspace_id, daily.tenant_id) == (
        RunType.BACKUP_SCHEDULE_RUN,
        RunStatus.QUEUED,
        world.workspace,
        world.tenant,
    )
    assert daily.context == {
        "backup_schedule_id": world.daily_schedule,
        "scheduled_for": "2026-02-16T02:00:00+00:00",
        "reason": "scheduled",
    }
    assert store.list(RunFilter(type=RunType.BACKUP_SCHEDULE_RUN)).total == 3


def test_the_database_refuses_a_second_run_with_the_same_key(store: RunStore, world: World) -> None:
    row = {
        "workspace_id": world.workspace,
        "type": "backup_schedule_run",
        "status": "queued",
        "context": {},
        "summary_counts": {},
        "created_at": MONDAY,
        "idempotency_key": "backup_schedule_run:1:slot",
    }
    with store.engine.begin() as connection:
        connection.execute(db.operation_runs.insert().values(row))
    with pytest.raises(sa.exc.IntegrityError), store.engine.begin() as connection:
        connection.execute(db.operation_runs.insert().values(row))


def test_two_workers_dispatching_the_same_slot_at_once_get_one_run(store: RunStore, world: World) -> None:
    schedules = BackupSchedules(store)
    first_inserted = threading.Event()
    holder: dict[str, Any] = {}

    def hold_first_insert_open(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        # Worker A keeps its transaction open after inserting, so worker B inserts into the same slot meanwhile.
        is_a = threading.get_ident() == holder.get("a")
        if is_a and statement.startswith("INSERT INTO operation_runs") and not first_inserted.is_set():
            first_inserted.set()
            clock.sleep(PAUSE)

    def worker(name: str) -> None:
        if name == "a":
            holder["a"] = threading.get_ident()
        else:
            first_inserted.wait(timeout=10)
        started = clock.monotonic()
        holder[name] = schedules.dispatch_due(MONDAY)
        holder[f"{name}-seconds"] = clock.monotonic() - started

    sa.event.listen(store.engine, "after_cursor_execute", hold_first_insert_open)
    threads = [threading.Thread(target=worker, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    sa.event.remove(store.engine, "after_cursor_execute", hold_first_insert_open)

    a, b = _created(holder["a"]), _created(holder["b"])
    assert {schedule: a[schedule] + b[schedule] for schedule in a} == {
        world.daily_schedule: 1,
        world.weekly_schedule: 1,
    }
    assert [d.run.id for d in holder["a"]] == [d.run.id for d in holder["b"]]
    assert count(store.engine, db.operation_runs) == 2
    # B really overlapped A: its insert waited for A's transaction to end.
    assert holder["b-seconds"] > PAUSE * 0.6


def test_dispatch_now_queues_a_manual_run(store: RunStore, world: World) -> None:
    run = BackupSchedules(store).dispatch_now(world.disabled_schedule, initiator_user_id=world.owner)
    assert run.context["reason"] == "manual" and run.context["backup_schedule_id"] == world.disabled_schedule
    assert (run.type, run.initiator_user_id) == (RunType.BACKUP_SCHEDULE_RUN, world.owner)


def _inventory(store: RunStore, world: World, items: int) -> None:
    rows = [
        {"tenant_id": world.tenant, "external_id": f"p{n}", "policy_type": "compliance", "display_name": f"P{n}"}
        for n in range(items)
    ]
    with store.engine.begin() as connection:
        connection.execute(db.inventory_items.insert(), rows)


def _backup_sets(store: RunStore, schedule_id: int) -> list[int]:
    with store.engine.connect() as connection:
        return list(
            connection.execute(
                sa.select(db.backup_sets.c.id).where(db.backup_sets.c.backup_schedule_id == schedule_id).order_by("id")
            ).scalars()
        )


def test_execute_backs_up_the_tenant_inventory(store: RunStore, world: World) -> None:
    _inventory(store, world, 4)
    schedules = BackupSchedules(store)
    [daily, _weekly] = schedules.dispatch_due(MONDAY)
    run = schedules.execute(daily.run.id)
    [backup_set] = _backup_sets(store, world.daily_schedule)
    assert (run.outcome, dict(run.summary_counts), run.context["backup_set_id"]) == (
        RunOutcome.SUCCEEDED,
        {"items_backed_up": 4},
        backup_set,
    )


def test_execute_refuses_runs_of_other_types(store: RunStore, world: World) -> None:
    run = store.create(world.workspace, RunType.INVENTORY_SYNC)
    with pytest.raises(LookupError, match="not a backup_schedule_run run"):
        BackupSchedules(store).execute(run.id)


def test_retention_keeps_the_newest_sets_and_records_what_it_removed(store: RunStore, world: World) -> None:
    schedules = BackupSchedules(store)
    for day in range(5):
        [daily, _weekly] = schedules.dispatch_due(MONDAY + timedelta(days=day))
        schedules.execute(daily.run.id)
    made = _backup_sets(store, world.daily_schedule)

    run = schedules.apply_retention(world.daily_schedule, initiator_user_id=world.manager)

    assert _backup_sets(store, world.daily_schedule) == made[-2:]
    assert (run.type, run.outcome, dict(run.summary_counts)) == (
        RunType.BACKUP_SCHEDULE_RETENTION,
        RunOutcome.SUCCEEDED,
        {"backup_sets_removed": 3},
    )
    assert run.context == {
        "backup_schedule_id": world.daily_schedule,
        "keep_last": 2,
        "removed_backup_set_ids": made[:3],
    }


def test_purge_refuses_an_enabled_schedule(store: RunStore, world: World) -> None:
    run = BackupSchedules(store).purge(world.daily_schedule)
    assert (run.type, run.outcome) == (RunType.BACKUP_SCHEDULE_PURGE, RunOutcome.FAILED)
    assert "disable it before purging" in run.context["error"]
    assert count(store.engine, db.backup_schedules) == 3


def test_purge_removes_a_disabled_schedule_and_its_sets(store: RunStore, world: World) -> None:
    schedules = BackupSchedules(store)
    executed = [schedules.execute(schedules.dispatch_now(world.disabled_schedule).id) for _ in range(2)]
    made = _backup_sets(store, world.disabled_schedule)

    run = schedules.purge(world.disabled_schedule, initiator_user_id=world.owner)

    assert (run.type, run.outcome, dict(run.summary_counts)) == (
        RunType.BACKUP_SCHEDULE_PURGE,
        RunOutcome.SUCCEEDED,
        {"backup_sets_removed": 2, "backup_schedules_removed": 1},
    )
    assert run.context["removed_backup_set_ids"] == made and len(made) == len(executed)
    assert count(store.engine, db.backup_schedules, db.backup_schedules.c.id == world.disabled_schedule) == 0
    assert _backup_sets(store, world.disabled_schedule) == []


def test_executing_a_run_of_a_purged_schedule_fails_it(store: RunStore, world: World) -> None:
    schedules = BackupSchedules(store)
    queued = schedules.dispatch_now(world.disabled_schedule)
    schedules.purge(world.disabled_schedule)
    run = schedules.execute(queued.id)
    assert run.outcome is RunOutcome.FAILED
    assert run.context["error"] == f"backup schedule {world.disabled_schedule} no longer exists"
