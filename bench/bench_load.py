"""Load the operations viewer: uvicorn over PostgreSQL with 100,000 runs, N concurrent clients.

Run from the repository root:
    python bench/bench_load.py [--runs 100000] [--clients 16] [--requests 3000] [--workers 2]

A throwaway PostgreSQL server is started like the test suite's (as the postgres OS user when run
as root) and seeded set-based; uvicorn serves the viewer on 127.0.0.1. One signed-in session is
shared by every client. The clients (httpx, asyncio) send a fixed number of requests, cycling
through the index, one run's page and a legacy run URL, and the benchmark prints requests per
second, p50/p99 latency and errors per URL and overall. Any error (an unexpected status or a
failed request) makes it exit 1. The clients run on the same machine as the server.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "reference"), str(ROOT / "tests" / "reference")]

import httpx  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from liveserver import serve  # noqa: E402
from pgserver import find_bin_dir, running_server  # noqa: E402

from app import db, migrate  # noqa: E402
from app.web.passwords import hash_password  # noqa: E402

EMAIL, PASSWORD = "owner@example.test", "bench"
SEED = """
INSERT INTO operation_runs
    (workspace_id, tenant_id, type, status, outcome, context, summary_counts, created_at, started_at, completed_at)
SELECT 1 + (n % 4) % 2, 1 + n % 4,
       (ARRAY['inventory_sync', 'entra_group_sync', 'backup_schedule_run',
              'backup_schedule_retention', 'backup_schedule_purge'])[1 + n % 5],
       'completed',
       (ARRAY['succeeded', 'failed', 'partially_succeeded'])[1 + n % 3],
       CASE WHEN n % 3 = 1 THEN '{"error": "Graph answered 503"}'::jsonb ELSE '{}'::jsonb END,
       '{"items_observed": 4}'::jsonb,
       timestamptz '2026-01-01 00:00+00' + n * interval '1 minute',
       timestamptz '2026-01-01 00:00+00' + n * interval '1 minute',
       timestamptz '2026-01-01 00:01+00' + n * interval '1 minute'
FROM generate_series(1, :runs) AS n
"""


@dataclass
class Tally:
    """Latencies (seconds) and errors of one URL."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def seed(url: str, runs: int) -> int:
    """Seed two workspaces, four tenants, an owner of the first workspace and *runs* runs; return a run id."""
    engine = db.create_engine(url)
    with engine.begin() as connection:
        connection.execute(db.workspaces.insert(), [{"name": "Contoso"}, {"name": "Fabrikam"}])
        connection.execute(
            db.tenants.insert(), [{"workspace_id": 1 + (t - 1) % 2, "name": f"Tenant {t}"} for t in range(1, 5)]
        )
        connection.execute(
            db.users.insert().values(email=EMAIL, name="Bench Owner", password_hash=hash_password(PASSWORD))
        )
        connection.execute(db.workspace_memberships.insert().values(workspace_id=1, user_id=1, role="owner"))
        connection.execute(sa.text(SEED), {"runs": runs})
        run_id = connection.execute(
            sa.select(sa.func.max(db.operation_runs.c.id)).where(
                db.operation_runs.c.workspace_id == 1, db.operation_runs.c.id <= runs // 2
            )
        ).scalar_one()
        connection.execute(sa.text("ANALYZE"))
    engine.dispose()
    return int(run_id)


def sign_in(base: str) -> httpx.Cookies:
    """Sign in through the form and return the session cookie."""
    with httpx.Client(base_url=base) as client:
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
        assert token is not None
        response = client.post("/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token.group(1)})
        if response.status_code != 303:
            raise SystemExit(f"sign-in failed: {response.status_code}")
        return client.cookies


async def load(base: str, cookies: httpx.Cookies, targets: list[tuple[str, int]], clients: int, requests: int):
    """Send *requests* requests from *clients* concurrent clients; return the tallies and the elapsed time."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    sent = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async with httpx.AsyncClient(base_url=base, cookies=cookies, limits=limits, timeout=60) as client:

        async def worker() -> None:
            nonlocal sent
            while sent < requests:
                path, expected = targets[sent % len(targets)]
                sent += 1
                started = time.perf_counter()
                try:
                    response = await client.get(path)
                    if response.status_code != expected:
                        tallies[path].errors.append(f"{response.status_code} (expected {expected})")
                except httpx.HTTPError as error:
                    tallies[path].errors.append(type(error).__name__)
                tallies[path].latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        return tallies, time.perf_counter() - started


def _line(name: str, latencies: list[float], errors: int, elapsed: float) -> str:
    ordered = sorted(latencies)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    rate = len(ordered) / elapsed
    timing = f"p50 {p50:7.1f} ms  p99 {p99:7.1f} ms"
    return f"  {name:<36} {len(ordered):>6} req {rate:>8.1f} req/s  {timing}  errors {errors}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    args = parser.parse_args()
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise SystemExit("PostgreSQL binaries (initdb, pg_ctl) not found; install postgresql")
    with running_server(bin_dir) as server, tempfile.TemporaryDirectory(prefix="bench-load-") as folder:
        url = server.create_database("bench")
        migrate.upgrade(url)
        started = time.perf_counter()
        run_id = seed(url, args.runs)
        print(f"PostgreSQL: seeded {args.runs:,} runs in {time.perf_counter() - started:.1f} s")
        with serve(url, workers=args.workers, log=Path(folder) / "uvicorn.log") as base:
            cookies = sign_in(base)
            targets = [
                ("/admin/operations", 200),
                (f"/admin/operations/{run_id}", 200),
                (f"/admin/inventory-sync-runs/{run_id}", 404),
            ]
            asyncio.run(load(base, cookies, targets, args.clients, min(args.requests, 3 * args.clients)))  # warm up
            tallies, elapsed = asyncio.run(load(base, cookies, targets, args.clients, args.requests))
    print(f"uvicorn ({args.workers} workers) on 127.0.0.1, {args.clients} clients, {args.requests} requests:")
    every: list[float] = []
    errors: list[str] = []
    for path, tally in tallies.items():
        print(_line(path, tally.latencies, len(tally.errors), elapsed))
        every += tally.latencies
        errors += tally.errors
    print(_line("all", every, len(errors), elapsed))
    if errors:
        print(f"errors: {sorted(set(errors))}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
