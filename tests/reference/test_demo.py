"""The demo: `python -m app.demo` seeds through the services and serves the viewer."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import sqlalchemy as sa
from refsupport import count
from sqlalchemy.engine import Engine

from app import db
from app.demo import DEMO_USERS
from app.run_types import RunOutcome, RunStatus, RunType

REFERENCE = Path(__file__).resolve().parents[2] / "reference"


def _demo(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.demo", *args],
        cwd=REFERENCE,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )


def _counts(url: str) -> dict[str, int]:
    engine = db.create_engine(url)
    try:
        tables = (db.operation_runs, db.findings, db.inventory_items, db.users)
        return {table.name: count(engine, table) for table in tables}
    finally:
        engine.dispose()


def test_seed_only_migrates_seeds_and_prints_the_logins(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    first = _demo("--seed-only", "--database-url", url)
    seeded = _counts(url)
    again = _demo("--seed-only", "--database-url", url)

    for user in DEMO_USERS:
        assert f"{user.email}  " in first.stdout and user.describe() in first.stdout
    assert "the password is 'demo' for all" in first.stdout
    assert all(seeded.values()), seeded
    assert "seeding skipped" in again.stdout
    assert _counts(url) == seeded


def test_the_demo_serves_the_login_page(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "app.demo", "--database-url", f"sqlite:///{tmp_path / 'demo.db'}"]
    server = subprocess.Popen(
        [*command, "--port", str(port)], cwd=REFERENCE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        response = _wait_for(f"http://127.0.0.1:{port}/login", server)
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert response.status_code == 200, output
    assert "<h1>Sign in</h1>" in response.text
    assert f"Operations viewer: http://127.0.0.1:{port}/login" in output


def _wait_for(url: str, server: subprocess.Popen[str], timeout: float = 60) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return httpx.get(url, timeout=5)
        except httpx.TransportError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_the_demo_holds_every_run_type_status_and_outcome(demo_engine: Engine) -> None:
    r = db.operation_runs.c
    with demo_engine.connect() as connection:
        seen = connection.execute(sa.select(r.type, r.status, r.outcome).distinct()).all()
    assert {row.type for row in seen} == {t.value for t in RunType}
    assert {row.status for row in seen} == {s.value for s in RunStatus}
    assert {row.outcome for row in seen} >= {RunOutcome.SUCCEEDED.value, RunOutcome.FAILED.value}


def test_demo_findings_and_items_reference_operation_runs(demo_engine: Engine) -> None:
    f, i = db.findings.c, db.inventory_items.c
    assert count(demo_engine, db.findings) > 0
    assert count(demo_engine, db.findings, f.baseline_operation_run_id.is_(None)) == 0
    assert count(demo_engine, db.findings, f.current_operation_run_id.is_(None)) == 0
    assert count(demo_engine, db.inventory_items, i.last_seen_operation_run_id.is_(None)) == 0
