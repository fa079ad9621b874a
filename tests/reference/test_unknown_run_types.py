"""Run types outside the allow-list: the cutover stops and names them unless mapped; the viewer shows them raw."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from alembic.util import CommandError
from refsupport import World, capture_logs
from sqlalchemy.engine import Engine
from websupport import log_in, new_client, run_ids, set_passwords

from app import db, migrate
from app.main import create_app

EPOCH = datetime(2025, 6, 1, tzinfo=timezone.utc)
SEEDED = {"inventory.sync": 2, "backup_schedule.purge": 1, "entra_group_sync": 1, "some.other": 3, "Report-Export": 2}
UNKNOWN = {"some.other": 3, "Report-Export": 2}


def _seed_baseline(url: str) -> None:
    """Bring an empty database to the legacy baseline with runs of known and unknown types."""
    migrate.upgrade(url, "legacy_baseline")
    engine = db.create_engine(url, poolclass=sa.pool.NullPool)
    runs = sa.table(
        "operation_runs",
        *(sa.column(name) for name in ("workspace_id", "type", "status", "created_at")),
        sa.column("context", sa.JSON),
        sa.column("summary_counts", sa.JSON),
    )
    with engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO workspaces (id, name) VALUES (1, 'Contoso')"))
        for run_type, count in SEEDED.items():
            for _ in range(count):
                connection.execute(
                    runs.insert().values(
                        workspace_id=1,
                        type=run_type,
                        status="completed",
                        context={},
                        summary_counts={},
                        created_at=EPOCH,
                    )
                )
    engine.dispose()


def _types(url: str) -> Counter[str]:
    engine = db.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        found = Counter(connection.execute(sa.text("SELECT type FROM operation_runs")).scalars())
    engine.dispose()
    return found


def test_the_cutover_stops_and_names_every_unknown_type_with_its_count(empty_url: str) -> None:
    _seed_baseline(empty_url)
    with capture_logs("alembic.cutover") as logged, pytest.raises(CommandError) as stopped:
        migrate.upgrade(empty_url)

    message = str(stopped.value)
    assert "'Report-Export' (2 runs)" in message and "'some.other' (3 runs)" in message
    assert "run_type_map" in message
    assert "operation_runs.type: 3 runs of type 'some.other' are outside the allow-list" in logged
    assert migrate.current_revision(empty_url) == "legacy_baseline"
    assert _types(empty_url) == Counter(SEEDED)


def test_mapped_unknown_types_are_rewritten_by_the_cutover(empty_url: str) -> None:
    _seed_baseline(empty_url)
    mapping = {"some.other": "inventory_sync", "Report-Export": "backup_schedule_run"}
    with capture_logs("alembic.cutover") as logged:
        migrate.upgrade(empty_url, run_type_map=mapping)

    assert migrate.current_revision(empty_url) == migrate.head_revision()
    assert _types(empty_url) == Counter(
        {"inventory_sync": 5, "backup_schedule_purge": 1, "entra_group_sync": 1, "backup_schedule_run": 2}
    )
    assert "operation_runs.type: rewrote 3 runs of type 'some.other' to 'inventory_sync' as mapped" in logged


def test_a_mapping_must_name_canonical_types(empty_url: str) -> None:
    _seed_baseline(empty_url)
    with pytest.raises(CommandError, match=r"run_type_map: 'Report-Export' maps to 'report', not a canonical type"):
        migrate.upgrade(empty_url, run_type_map={"some.other": "inventory_sync", "Report-Export": "report"})
    assert _types(empty_url) == Counter(SEEDED)


@pytest.mark.parametrize("engine_name", ["sqlite"])
def test_the_alembic_command_takes_the_mapping_as_an_x_option(empty_url: str, engine_name: str) -> None:
    _seed_baseline(empty_url)
    command = [sys.executable, "-m", "alembic", "-x", f"database_url={empty_url}"]
    folder = Path(migrate.ALEMBIC_INI).parent
    env = {**os.environ, "PYTHONPATH": str(folder.parent)}
    refused = subprocess.run([*command, "upgrade", "head"], cwd=folder, env=env, capture_output=True, text=True)
    assert refused.returncode != 0
    said = " ".join((refused.stdout + refused.stderr).split())  # Alembic wraps long messages to the terminal's width
    assert "FAILED: operation_runs holds run types outside the allow-list" in said
    assert "'some.other' (3 runs)" in said

    mapping = "run_type_map=some.other:inventory_sync,Report-Export:backup_schedule_run"
    subprocess.run([*command, "-x", mapping, "upgrade", "head"], cwd=folder, env=env, check=True, capture_output=True)
    assert _types(empty_url)["inventory_sync"] == 5


def _index_and_page_of_a_stored_run(
    head_url: str, engine: Engine, world: World, **stored: Any
) -> tuple[int, httpx.Response, httpx.Response]:
    """Store one run as something other than this code wrote it; return its id, the index and its page."""
    with engine.begin() as connection:
        run_id = connection.execute(
            db.operation_runs.insert()
            .values(workspace_id=world.workspace, summary_counts={}, created_at=EPOCH, **stored)
            .returning(db.operation_runs.c.id)
        ).scalar_one()
    set_passwords(engine)
    app = create_app(head_url)
    client = new_client(app)
    log_in(client, "user1@example.test")
    index = client.get("/admin/operations")
    page = client.get(f"/admin/operations/{run_id}")
    app.state.viewer.engine.dispose()
    return run_id, index, page


def test_the_viewer_shows_a_stored_unknown_type_raw(head_url: str, engine: Engine, world: World) -> None:
    """A run that reached head with a type outside the allow-list still lists and opens."""
    run_id, index, page = _index_and_page_of_a_stored_run(
        head_url, engine, world, type="some.other", status="completed", outcome="failed", context={"error": "boom"}
    )
    assert index.status_code == 200 and run_ids(index.text) == [run_id]
    assert "<code>some.other</code>" in index.text
    assert page.status_code == 200
    assert "<code>some.other</code>" in page.text


def test_the_viewer_shows_a_stored_unknown_status_and_outcome_raw(head_url: str, engine: Engine, world: World) -> None:
    """Statuses and outcomes are stored as text too: one written by something else lists and opens, labelled."""
    _, index, page = _index_and_page_of_a_stored_run(
        head_url, engine, world, type="inventory_sync", status="paused", outcome="abandoned", context={}
    )
    for response in (index, page):
        assert response.status_code == 200
        assert '<span class="badge unknown"><code>paused</code> (not a known status)</span>' in response.text
        assert '<span class="badge unknown"><code>abandoned</code> (not a known outcome)</span>' in response.text
