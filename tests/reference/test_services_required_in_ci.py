"""Without chromium or PostgreSQL the tests that need them skip locally and fail in CI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ONE_BROWSER_TEST = "tests/reference/test_browser.py::test_a_legacy_url_shows_the_not_found_page"
ONE_POSTGRES_TEST = (
    "tests/reference/test_run_types.py::test_store_refuses_to_create_a_run_of_an_unknown_type[postgresql-unknown]"
)
# (test that needs the service, variable pointing at where it is looked for, name under tmp_path, message)
SERVICES = [
    pytest.param(ONE_BROWSER_TEST, "CHROMIUM_BIN", "chromium", "chromium and chromedriver not found", id="chromium"),
    pytest.param(
        ONE_POSTGRES_TEST, "PG_BIN_DIR", "", "PostgreSQL binaries (initdb, pg_ctl) not found", id="postgresql"
    ),
]


@pytest.mark.parametrize(("test_id", "variable", "missing", "message"), SERVICES)
@pytest.mark.parametrize(
    ("ci", "exit_code", "summary"),
    [
        pytest.param("true", 1, "1 error", id="ci-fails"),
        pytest.param("", 0, "1 skipped", id="local-skips"),
    ],
)
def test_missing_service(
    tmp_path: Path, test_id: str, variable: str, missing: str, message: str, ci: str, exit_code: int, summary: str
) -> None:
    env = {**os.environ, "CI": ci, variable: str(tmp_path / missing)}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test_id],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == exit_code, result.stdout
    assert summary in result.stdout.splitlines()[-1]
    assert message in result.stdout
