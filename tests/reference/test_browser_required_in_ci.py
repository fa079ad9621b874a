"""Without chromium and chromedriver the browser tests skip locally and fail in CI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ONE_BROWSER_TEST = "tests/reference/test_browser.py::test_a_legacy_url_shows_the_not_found_page"


@pytest.mark.parametrize(
    ("ci", "exit_code", "summary"),
    [
        pytest.param("true", 1, "1 error", id="ci-fails"),
        pytest.param("", 0, "1 skipped", id="local-skips"),
    ],
)
def test_missing_chromium(tmp_path: Path, ci: str, exit_code: int, summary: str) -> None:
    env = {**os.environ, "CI": ci, "CHROMIUM_BIN": str(tmp_path / "chromium")}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", ONE_BROWSER_TEST],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == exit_code, result.stdout
    assert summary in result.stdout.splitlines()[-1]
    assert "chromium and chromedriver not found" in result.stdout
