"""Retention and purge of one schedule at once: serialised, and each run records only what it deleted."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from refsupport import Clock, World, count
from sqlalchemy.engine import Engine

from app import db
from app.run_types import RunOutcome
from app.runs import Run, RunStore
from app.services import BackupSchedules

WORKERS = 4
SETS = 12  # the daily schedule keeps the newest 2
WIDEN = 0.3


def _add_backup_sets(engine: Engine, schedule_id: int, how_many: int) -> list[int]:
    start = Clock().now
    with engine.begin() as connection:
        return list(
            connection.execute(
                db.backup_sets.insert().returning(db.backup_sets.c.id),
                [
                    {"backup_schedule_id": schedule_id, "created_at": start + timedelta(hours=n), "item_count": n}
                    for n in range(how_many)
                ],
            ).scalars()
        )


@contextmanager
def _slow_backup_set_reads(engine: Engine) -> Iterator[None]:
    """Pause after every SELECT of backup sets, so that unserialised workers all read the same rows."""

    def pause(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM backup_sets" in statement:
            time.sleep(WIDEN)

    sa.event.listen(engine, "after_cursor_execute", pause)
    try:
        yield
    finally:
        sa.event.remove(engine, "after_cursor_execute", pause)


def _at_once(work: Any) -> list[Any]:
    """Call *work* from WORKERS threads released together; return their runs."""
    gate = threading.Barrier(WORKERS)
    runs: list[Any] = []
    errors: list[BaseException] = []

    def worker() -> None:
        gate.wait()
        try:
            runs.append(work())
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return runs


def test_concurrent_retentions_each_record_only_what_they_deleted(engine: Engine, world: World) -> None:
    store = RunStore(engine, clock=Clock())
    made = _add_backup_sets(engine, world.daily_schedule, SETS)
    schedules = BackupSchedules(store)

    with _slow_backup_set_reads(engine):
        runs = _at_once(lambda: schedules.apply_retention(world.daily_schedule))

    recorded = [run.context["removed_backup_set_ids"] for run in runs]
    every = [set_id for ids in recorded for set_id in ids]
    assert all(run.outcome is RunOutcome.SUCCEEDED for run in runs)
    assert len(every) == len(set(every)), f"runs recorded the same sets: {recorded}"
    assert sorted(every) == made[: SETS - 2]
    assert sum(run.summary_counts["backup_sets_removed"] for run in runs) == SETS - 2
    assert count(engine, db.backup_sets) == 2


def test_retention_waits_while_another_transaction_holds_the_schedule(engine: Engine, world: World) -> None:
    """Serialised, not only disjoint: no backup set goes while another transaction holds the schedule's row.

    DELETE ... RETURNING alone keeps concurrent runs' removed ids disjoint; this is what the lock adds.
    """
    store = RunStore(engine, clock=Clock())
    _add_backup_sets(engine, world.daily_schedule, SETS)
    schedules = BackupSchedules(store)
    schedule = db.backup_schedules.c.id == world.daily_schedule
    holder = engine.connect()
    transaction = holder.begin()
    if engine.dialect.name == "postgresql":
        holder.execute(sa.select(db.backup_schedules.c.id).where(schedule).with_for_update())
    else:  # SQLite locks the database for the first write
        holder.execute(db.backup_schedules.update().where(schedule).values(is_enabled=db.backup_schedules.c.is_enabled))
    done: list[Run] = []
    worker = threading.Thread(target=lambda: done.append(schedules.apply_retention(world.daily_schedule)))
    worker.start()
    try:
        time.sleep(1.0)
        assert (done, count(engine, db.backup_sets)) == ([], SETS)
    finally:
        transaction.rollback()
        holder.close()
        worker.join(30)
    assert done[0].outcome is RunOutcome.SUCCEEDED
    assert len(done[0].context["removed_backup_set_ids"]) == SETS - 2
    assert count(engine, db.backup_sets) == 2


def test_purge_rereads_is_enabled_inside_its_transaction(
    engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A schedule enabled after the purge was asked for, but before it runs, is not purged."""
    store = RunStore(engine, clock=Clock())
    _add_backup_sets(engine, world.disabled_schedule, 3)
    schedules = BackupSchedules(store)
    queue = schedules._queue

    def enable_then_queue(*args: Any, **kwargs: Any) -> Run:
        with engine.begin() as connection:
            connection.execute(
                db.backup_schedules.update()
                .where(db.backup_schedules.c.id == world.disabled_schedule)
                .values(is_enabled=True)
            )
        return queue(*args, **kwargs)

    monkeypatch.setattr(schedules, "_queue", enable_then_queue)
    run = schedules.purge(world.disabled_schedule)

    assert run.outcome is RunOutcome.FAILED
    assert "is enabled; disable it before purging" in run.context["error"]
    assert count(engine, db.backup_sets, db.backup_sets.c.backup_schedule_id == world.disabled_schedule) == 3


def test_concurrent_purges_delete_the_schedule_once(engine: Engine, world: World) -> None:
    store = RunStore(engine, clock=Clock())
    made = _add_backup_sets(engine, world.disabled_schedule, 5)
    schedules = BackupSchedules(store)

    def purge() -> Run | None:
        try:
            return schedules.purge(world.disabled_schedule)
        except LookupError:  # the schedule was gone before this purge was even queued
            return None

    with _slow_backup_set_reads(engine):
        runs = [run for run in _at_once(purge) if run is not None]

    succeeded = [run for run in runs if run.outcome is RunOutcome.SUCCEEDED]
    assert len(succeeded) == 1 and succeeded[0].context["removed_backup_set_ids"] == made
    failed = [run.context["error"] for run in runs if run.outcome is RunOutcome.FAILED]
    assert failed == [f"backup schedule {world.disabled_schedule} no longer exists"] * (len(runs) - 1)
