"""Without PostgreSQL binaries the PostgreSQL tests skip locally and fail in CI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ONE_POSTGRES_TEST = (
    "tests/reference/test_run_types.py::test_store_refuses_to_create_a_run_of_an_unknown_type[postgresql-unknown]"
)


@pytest.mark.parametrize(
    ("ci", "exit_code", "summary"),
    [
        pytest.param("true", 1, "1 error", id="ci-fails"),
        pytest.param("", 0, "1 skipped", id="local-skips"),
    ],
)
def test_missing_postgres(tmp_path: Path, ci: str, exit_code: int, summary: str) -> None:
    env = {**os.environ, "CI": ci, "PG_BIN_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", ONE_POSTGRES_TEST],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == exit_code, result.stdout
    assert summary in result.stdout.splitlines()[-1]
    assert "PostgreSQL binaries (initdb, pg_ctl) not found" in result.stdout
