"""Time `alembic upgrade head` over 100,000 legacy findings and 100,000 inventory items, on SQLite and PostgreSQL.

Run from the repository root:  python bench/bench_migrations.py [--findings N] [--items N] [--engines sqlite,postgresql]
PostgreSQL runs on a throwaway server started like the test suite's (as the postgres OS user when run as root).
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "reference"), str(ROOT / "tests" / "reference")]

import sqlalchemy as sa  # noqa: E402
from legacy_seed import LegacySeed, seed_legacy  # noqa: E402
from pgserver import find_bin_dir, running_server  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from app import db, migrate  # noqa: E402

ENGINES = ("sqlite", "postgresql")


class _RevisionTimer(logging.Handler):
    """Note when Alembic starts each revision."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.starts: list[tuple[str, float]] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith("Running upgrade"):
            self.starts.append((message.split(",")[0].split(" -> ")[-1], time.perf_counter()))


@contextmanager
def _timing_revisions() -> Iterator[_RevisionTimer]:
    timer = _RevisionTimer()
    logger = logging.getLogger("alembic.runtime.migration")
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(timer)
    try:
        yield timer
    finally:
        logger.removeHandler(timer)
        logger.setLevel(level)


@contextmanager
def _database(engine_name: str, stack: ExitStack) -> Iterator[str]:
    if engine_name == "sqlite":
        folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-sqlite-"))
        yield f"sqlite:///{folder}/reference.db"
        return
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise SystemExit("PostgreSQL binaries (initdb, pg_ctl) not found; install postgresql or pass --engines sqlite")
    server = stack.enter_context(running_server(bin_dir))
    yield server.create_database("bench")


def bench(engine_name: str, findings: int, items: int) -> None:
    """Seed the legacy baseline, upgrade to head, and print how long each step took."""
    with ExitStack() as stack, _database(engine_name, stack) as url:
        migrate.upgrade(url, "legacy_baseline")
        engine = db.create_engine(url)
        started = time.perf_counter()
        with engine.begin() as connection:
            seed = seed_legacy(connection, findings=findings, items=items, legacy_runs=max(300, findings // 30))
        seeded = time.perf_counter() - started

        with _timing_revisions() as timer:
            started = time.perf_counter()
            migrate.upgrade(url)
            finished = time.perf_counter()
        _check(engine, seed)
        engine.dispose()
        print(f"{engine_name}: seeded {findings:,} findings and {items:,} inventory items in {seeded:.1f} s")
        print(f"{engine_name}: upgrade legacy_baseline -> head took {finished - started:.2f} s")
        ends = [start for _, start in timer.starts[1:]] + [finished]
        for (revision, start), end in zip(timer.starts, ends, strict=True):
            print(f"    {revision:<20} {end - start:7.2f} s")
        print(f"    checked: every reference arrived; set to NULL for want of an operation run: {seed.unmapped}")


def _check(engine: Engine, seed: LegacySeed) -> None:
    """Fail unless every finding and item references the operation run the seed expects."""
    f, i = db.findings.c, db.inventory_items.c
    with engine.connect() as connection:
        found = {
            row.id: (row.baseline_operation_run_id, row.current_operation_run_id)
            for row in connection.execute(sa.select(f.id, f.baseline_operation_run_id, f.current_operation_run_id))
        }
        items = {
            row.id: row.last_seen_operation_run_id
            for row in connection.execute(sa.select(i.id, i.last_seen_operation_run_id))
        }
    if found != seed.expected_finding_operation_runs or items != seed.expected_item_operation_runs:
        raise SystemExit("the upgraded references differ from what the seed expects")


def main(argv: list[str] | None = None) -> None:
    """Parse the arguments and run the benchmark on each engine."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--findings", type=int, default=100_000)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated: sqlite, postgresql")
    args = parser.parse_args(argv)
    for engine_name in args.engines.split(","):
        if engine_name not in ENGINES:
            parser.error(f"unknown engine {engine_name!r}; expected one of {', '.join(ENGINES)}")
        bench(engine_name, args.findings, args.items)


if __name__ == "__main__":
    main()
