"""The cutover migrations on SQLite and PostgreSQL, over thousands of seeded legacy rows."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from legacy_seed import DOTTED_TYPES, LegacySeed, seed_legacy
from refsupport import ENGINES, capture_logs
from sqlalchemy.engine import Engine

from app import db, migrate

LEGACY_TABLES = ("inventory_sync_runs", "entra_group_sync_runs", "backup_schedule_runs")
LEGACY_COLUMNS = {"findings": {"baseline_run_id", "current_run_id"}, "inventory_items": {"last_seen_run_id"}}
CANONICAL_COLUMNS = {"findings": {"baseline_operation_run_id", "current_operation_run_id"}}
REVISIONS = [
    "legacy_baseline",
    "2026_02_12_000001",
    "2026_02_12_000002",
    "2026_02_12_000003",
    "2026_02_12_000004",
    "2026_02_12_000005",
    "2026_02_12_000006",
    "2026_02_19_000001",
    "2026_11_28_000001",
    "2026_12_01_000001",
    "2026_12_01_000002",
]
DATA_ONLY = frozenset({"2026_02_12_000001", "2026_02_12_000003"})
CUTOVER_LOG = "alembic.cutover"


@dataclass
class Cutover:
    """A seeded legacy database after `upgrade head`."""

    url: str
    engine: Engine
    seed: LegacySeed
    logged: list[str]


@contextmanager
def _database(engine_name: str, request: pytest.FixtureRequest, folder: Path) -> Iterator[str]:
    if engine_name == "sqlite":
        yield f"sqlite:///{folder / 'reference.db'}"
    else:
        with request.getfixturevalue("pg_server").scratch_database() as url:
            yield url


@contextmanager
def _seeded(url: str, *, findings: int, items: int) -> Iterator[tuple[Engine, LegacySeed]]:
    migrate.upgrade(url, "legacy_baseline")
    engine = db.create_engine(url)
    try:
        with engine.begin() as connection:
            seed = seed_legacy(connection, findings=findings, items=items)
        yield engine, seed
    finally:
        engine.dispose()


@pytest.fixture(scope="module", params=ENGINES)
def cutover(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cutover]:
    """Seed 3,000 findings and 3,000 items at the legacy baseline and upgrade to head, once per engine."""
    folder = tmp_path_factory.mktemp("cutover")
    with _database(request.param, request, folder) as url, _seeded(url, findings=3000, items=3000) as (engine, seed):
        with capture_logs(CUTOVER_LOG) as logged:
            migrate.upgrade(url)
        yield Cutover(url, engine, seed, logged)


def _rows(engine: Engine, statement: sa.Select[Any]) -> dict[int, Any]:
    with engine.connect() as connection:
        return {row[0]: tuple(row[1:]) if len(row) > 2 else row[1] for row in connection.execute(statement)}


def _columns(engine: Engine, table: str) -> set[str]:
    return {column["name"] for column in sa.inspect(engine).get_columns(table)}


def test_seed_covers_mapped_unmapped_and_preset_references(cutover: Cutover) -> None:
    seed = cutover.seed
    assert len(seed.finding_runs) == 3000 and len(seed.item_runs) == 3000
    assert all(count > 100 for count in seed.unmapped.values())
    assert set(seed.dotted_types) == set(DOTTED_TYPES)
    presets = [value for value in seed.item_preset.values() if value is not None]
    mapped_items = [item for item, legacy in seed.item_runs.items() if legacy and seed.operation_run_of[legacy]]
    assert len(presets) > 300 and len(mapped_items) > 1000


def test_findings_reference_the_operation_runs_of_their_legacy_runs(cutover: Cutover) -> None:
    f = db.findings.c
    arrived = _rows(cutover.engine, sa.select(f.id, f.baseline_operation_run_id, f.current_operation_run_id))
    assert arrived == cutover.seed.expected_finding_operation_runs


def test_inventory_items_keep_preset_values_and_gain_mapped_ones(cutover: Cutover) -> None:
    i = db.inventory_items.c
    arrived = _rows(cutover.engine, sa.select(i.id, i.last_seen_operation_run_id))
    assert arrived == cutover.seed.expected_item_operation_runs
    kept = {item: value for item, value in cutover.seed.item_preset.items() if value is not None}
    assert {item: arrived[item] for item in kept} == kept


@pytest.mark.parametrize(
    "column",
    [
        pytest.param("findings.baseline_operation_run_id", id="findings-baseline"),
        pytest.param("findings.current_operation_run_id", id="findings-current"),
        pytest.param("inventory_items.last_seen_operation_run_id", id="inventory-items"),
    ],
)
def test_upgrade_logs_how_many_references_became_null(cutover: Cutover, column: str) -> None:
    expected = f"{column}: {cutover.seed.unmapped[column]} legacy references had no operation run and became NULL"
    assert expected in cutover.logged


def test_operation_runs_are_neither_created_nor_removed(cutover: Cutover) -> None:
    with cutover.engine.connect() as connection:
        rows = connection.execute(
            sa.select(db.operation_runs.c.type, sa.func.count()).group_by(db.operation_runs.c.type)
        )
        types: Counter[str] = Counter({run_type: n for run_type, n in rows})
    assert sum(types.values()) == cutover.seed.operation_runs
    assert types == Counter({DOTTED_TYPES[dotted]: n for dotted, n in cutover.seed.dotted_types.items()})


def test_legacy_tables_and_columns_are_gone(cutover: Cutover) -> None:
    tables = set(sa.inspect(cutover.engine).get_table_names())
    assert tables.isdisjoint(LEGACY_TABLES)
    for table, legacy in LEGACY_COLUMNS.items():
        assert _columns(cutover.engine, table).isdisjoint(legacy)


def test_new_finding_columns_are_indexed_foreign_keys_to_operation_runs(cutover: Cutover) -> None:
    inspector = sa.inspect(cutover.engine)
    foreign_keys = {
        tuple(fk["constrained_columns"]): fk["referred_table"] for fk in inspector.get_foreign_keys("findings")
    }
    indexed = {tuple(index["column_names"]) for index in inspector.get_indexes("findings")}
    for column in CANONICAL_COLUMNS["findings"]:
        assert foreign_keys[(column,)] == "operation_runs"
        assert (column,) in indexed


def test_schema_after_cutover_matches_the_application_tables(cutover: Cutover) -> None:
    with cutover.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert differences == []


def test_database_is_at_head(cutover: Cutover) -> None:
    assert migrate.current_revision(cutover.url) == REVISIONS[-1]


def test_downgrade_restores_the_legacy_schema_and_upgrade_runs_again(
    engine_name: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    with _database(engine_name, request, tmp_path) as url, _seeded(url, findings=2000, items=2000) as (engine, seed):
        migrate.upgrade(url)
        migrate.downgrade(url, "legacy_baseline")

        assert migrate.current_revision(url) == "legacy_baseline"
        with engine.connect() as connection:
            for table in LEGACY_TABLES:
                assert connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one() == 0
            types = set(connection.execute(sa.text("SELECT DISTINCT type FROM operation_runs")).scalars())
        assert types == set(DOTTED_TYPES)
        for table, legacy in LEGACY_COLUMNS.items():
            columns = _columns(engine, table)
            assert legacy <= columns
            assert columns.isdisjoint(CANONICAL_COLUMNS.get(table, ()))

        migrate.upgrade(url)
        assert migrate.current_revision(url) == REVISIONS[-1]
        i = db.inventory_items.c
        # last_seen_operation_run_id predates the cutover, so it survives the round trip.
        assert _rows(engine, sa.select(i.id, i.last_seen_operation_run_id)) == seed.expected_item_operation_runs


def test_partial_downgrade_refills_legacy_references_while_legacy_runs_exist(
    engine_name: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    with _database(engine_name, request, tmp_path) as url, _seeded(url, findings=1000, items=1000) as (engine, seed):
        migrate.upgrade(url, "2026_02_12_000005")
        migrate.downgrade(url, "2026_02_12_000003")

        legacy_run_of = {op: run for run, op in sorted(seed.operation_run_of.items(), reverse=True) if op}
        f, i = db.findings.c, sa.table("inventory_items", sa.column("id"), sa.column("last_seen_run_id")).c
        refilled = _rows(engine, sa.select(f.id, sa.column("baseline_run_id"), sa.column("current_run_id")))
        expected = {
            finding: tuple(legacy_run_of.get(op) if op else None for op in ops)
            for finding, ops in seed.expected_finding_operation_runs.items()
        }
        assert refilled == expected
        expected_items = {
            item: legacy_run_of.get(op) if op else None for item, op in seed.expected_item_operation_runs.items()
        }
        assert _rows(engine, sa.select(i.id, i.last_seen_run_id)) == expected_items


@pytest.mark.parametrize("engine_name", [p for p in ENGINES if p.id == "postgresql"])
def test_failed_upgrade_leaves_postgresql_at_the_starting_revision(
    engine_name: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    with _database(engine_name, request, tmp_path) as url, _seeded(url, findings=200, items=200) as (engine, seed):
        # The last revision creates this table; finding it already there fails the upgrade after the cutover ran.
        with engine.begin() as connection:
            connection.execute(sa.text("CREATE TABLE inventory_observations (id integer)"))

        with pytest.raises(sa.exc.ProgrammingError, match="inventory_observations"):
            migrate.upgrade(url)

        assert migrate.current_revision(url) == "legacy_baseline"
        assert set(LEGACY_TABLES) <= set(sa.inspect(engine).get_table_names())
        with engine.connect() as connection:
            types = Counter(connection.execute(sa.text("SELECT type FROM operation_runs")).scalars())
        assert types == seed.dotted_types


def _schema(engine: Engine) -> dict[str, Any]:
    inspector = sa.inspect(engine)
    columns = inspector.get_multi_columns()
    foreign_keys = inspector.get_multi_foreign_keys()
    indexes = inspector.get_multi_indexes()
    return {
        table: {
            "columns": sorted((c["name"], str(c["type"]), c["nullable"]) for c in columns[key]),
            "foreign_keys": sorted(
                (fk["name"] or "", tuple(fk["constrained_columns"]), fk["referred_table"]) for fk in foreign_keys[key]
            ),
            "indexes": sorted((ix["name"], tuple(ix["column_names"]), ix["unique"]) for ix in indexes[key]),
        }
        for key in columns
        if (table := key[1]) != "alembic_version"
    }


def test_every_downgrade_restores_the_schema_its_upgrade_started_from(empty_url: str) -> None:
    engine = db.create_engine(empty_url, poolclass=sa.pool.NullPool)
    for before, after in pairwise(REVISIONS):
        migrate.upgrade(empty_url, before)
        expected = _schema(engine)
        migrate.upgrade(empty_url, after)
        assert (_schema(engine) == expected) == (after in DATA_ONLY), f"{after} changes the schema as documented"
        migrate.downgrade(empty_url, before)
        assert _schema(engine) == expected, f"downgrading {after} does not restore {before}"
    engine.dispose()
