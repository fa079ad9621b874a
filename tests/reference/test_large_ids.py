"""Ids beyond 32 bits: records at 2^31 and up to 2^63-1 open; ids that name nothing answer 404, never 500."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from refsupport import World
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient
from websupport import log_in, new_client, set_passwords

from app import db, migrate
from app.main import create_app

ABOVE_32_BITS = 2**31 + 1
TOP = 2**63 - 1
LEVELS = [pytest.param(ABOVE_32_BITS, id="2^31+1"), pytest.param(TOP, id="2^63-1")]
ROUTES = [
    pytest.param("/admin/operations/{id}", 200, id="operation"),
    pytest.param("/admin/findings/{id}", 200, id="finding"),
    pytest.param("/admin/inventory-items/{id}", 200, id="inventory-item"),
    pytest.param("/admin/t/{id}/operations", 302, id="tenant-operations"),
    pytest.param("/admin/operations?tenant={id}", 200, id="operations-of-tenant"),
]
MISSING = [
    pytest.param(2**31, id="2^31"),
    pytest.param(2**32 + 7, id="2^32+7"),
    pytest.param(10**17, id="18-digits"),
    pytest.param(TOP - 1, id="2^63-2"),
    pytest.param(2**63, id="2^63"),
    pytest.param(2**64, id="2^64"),
    pytest.param(10**30, id="31-digits"),
]


def _seed_at(engine: Engine, world: World, record_id: int) -> None:
    """Add a tenant, a run, a finding and an inventory item that all have id *record_id*."""
    with engine.begin() as connection:
        connection.execute(db.tenants.insert().values(id=record_id, workspace_id=world.workspace, name="Big"))
        connection.execute(
            db.operation_runs.insert().values(
                id=record_id,
                workspace_id=world.workspace,
                tenant_id=record_id,
                type="inventory_sync",
                status="completed",
                outcome="succeeded",
                context={},
                summary_counts={},
                initiator_user_id=world.owner,
                created_at=db.utcnow(),
            )
        )
        connection.execute(
            db.findings.insert().values(
                id=record_id,
                tenant_id=record_id,
                finding_type="drift",
                subject_external_id="p-big",
                status="new",
                created_at=db.utcnow(),
                baseline_operation_run_id=record_id,
                current_operation_run_id=record_id,
            )
        )
        connection.execute(
            db.inventory_items.insert().values(
                id=record_id,
                tenant_id=record_id,
                external_id="p-big",
                policy_type="compliance",
                display_name="Big item",
                last_seen_operation_run_id=record_id,
            )
        )


@pytest.fixture
def owner(head_url: str, engine: Engine, world: World) -> Iterator[TestClient]:
    """Yield the owner of the world's workspace, signed in to the viewer."""
    set_passwords(engine)
    app = create_app(head_url)
    client = new_client(app)
    assert log_in(client, "user1@example.test").status_code == 303
    yield client
    client.close()
    app.state.viewer.engine.dispose()


@pytest.mark.parametrize(("template", "status"), ROUTES)
@pytest.mark.parametrize("record_id", LEVELS)
def test_records_with_64_bit_ids_open(
    owner: TestClient, engine: Engine, world: World, template: str, status: int, record_id: int
) -> None:
    _seed_at(engine, world, record_id)
    response = owner.get(template.format(id=record_id))
    assert response.status_code == status, response.text
    if template.startswith("/admin/operations/"):
        assert f"Operation run #{record_id}" in response.text
        assert f'href="/admin/findings/{record_id}"' in response.text
    if template.startswith("/admin/findings/"):
        assert f'href="/admin/operations/{record_id}"' in response.text


@pytest.mark.parametrize(("template", "_status"), ROUTES)
@pytest.mark.parametrize("record_id", MISSING)
def test_ids_that_name_nothing_answer_404(owner: TestClient, template: str, _status: int, record_id: int) -> None:
    response = owner.get(template.format(id=record_id))
    assert response.status_code == 404, response.text
    assert "There is nothing at this address." in response.text
    assert "location" not in response.headers


def test_generated_ids_continue_above_2_to_the_31(engine: Engine, world: World) -> None:
    """Once the highest id is above 32 bits, the next generated id follows it (a PostgreSQL sequence too)."""
    run = {
        "workspace_id": world.workspace,
        "type": "inventory_sync",
        "status": "queued",
        "context": {},
        "summary_counts": {},
        "created_at": db.utcnow(),
    }
    with engine.begin() as connection:
        connection.execute(db.operation_runs.insert().values(id=ABOVE_32_BITS, **run))
        if connection.dialect.name == "postgresql":
            connection.execute(
                sa.text("SELECT setval(pg_get_serial_sequence('operation_runs', 'id'), :n)"), {"n": ABOVE_32_BITS}
            )
        new_id = connection.execute(
            db.operation_runs.insert().values(**run).returning(db.operation_runs.c.id)
        ).scalar_one()
    assert new_id == ABOVE_32_BITS + 1


def test_every_id_and_reference_is_64_bit(engine: Engine) -> None:
    """Each id and foreign-key column is BIGINT (SQLite's INTEGER primary key is its 64-bit rowid)."""
    inspector = sa.inspect(engine)
    narrow = []
    for table in db.metadata.sorted_tables:
        keys = {
            column.name
            for column in table.columns
            if (column.primary_key or column.foreign_keys) and isinstance(column.type, sa.Integer)
        }
        for column in inspector.get_columns(table.name):
            sqlite_rowid = engine.dialect.name == "sqlite" and column["name"] == "id"
            wanted = sa.Integer if sqlite_rowid else sa.BigInteger
            if column["name"] in keys and not isinstance(column["type"], wanted):
                narrow.append(f"{table.name}.{column['name']} {column['type']}")
    assert narrow == []


def test_downgrade_refuses_to_narrow_ids_that_do_not_fit(head_url: str, engine: Engine, world: World) -> None:
    _seed_at(engine, world, ABOVE_32_BITS)
    migrate.downgrade(head_url, "2026_12_01_000001")
    with pytest.raises(RuntimeError, match=r"tenants\.id \(up to 2147483649\).*operation_runs\.id"):
        migrate.downgrade(head_url, "2026_11_28_000001")
    assert migrate.current_revision(head_url) == "2026_12_01_000001"
