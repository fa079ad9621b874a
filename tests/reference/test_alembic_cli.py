"""The commands reference/README.md documents, run as a shell would run them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from app import migrate

DATABASE_DIR = Path(__file__).resolve().parents[2] / "reference" / "database"


def _alembic(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    plain_url = url.replace("postgresql+psycopg://", "postgresql://")
    return subprocess.run(
        [sys.executable, "-m", "alembic", *args],
        cwd=DATABASE_DIR,
        env={**os.environ, "DATABASE_URL": plain_url},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )


def test_readme_commands_upgrade_and_downgrade(empty_url: str) -> None:
    _alembic(empty_url, "upgrade", "legacy_baseline")
    assert migrate.current_revision(empty_url) == "legacy_baseline"

    upgraded = _alembic(empty_url, "upgrade", "head")
    assert migrate.current_revision(empty_url) == migrate.head_revision()
    assert "findings.baseline_operation_run_id: 0 legacy references had no operation run" in upgraded.stderr

    _alembic(empty_url, "downgrade", "legacy_baseline")
    assert migrate.current_revision(empty_url) == "legacy_baseline"
