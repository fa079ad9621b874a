"""The guard on our own code: `nolegacyruns check .` passes on the repository, and each kind of
regression injected into a copy of reference/ fails with the expected rule at the injected line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from helpers import run_cli

REPOSITORY = Path(__file__).resolve().parents[1]

BACKFILL_MIGRATION = '''"""Backfill operation runs from the legacy table (a regression the guard must catch)."""
from alembic import op

revision = "2026_02_12_000003_backfill"
down_revision = "2026_02_12_000003"


def upgrade():
    op.execute(
        "INSERT INTO operation_runs (workspace_id, type, status, created_at) "
        "SELECT t.workspace_id, 'inventory_sync', 'completed', r.started_at "
        "FROM inventory_sync_runs r JOIN tenants t ON t.id = r.tenant_id"
    )
'''
LEGACY_TABLE_MIGRATION = '''"""Recreate a legacy run table (a regression the guard must catch)."""
from alembic import op
import sqlalchemy as sa

revision = "2026_12_01_000001"
down_revision = "2026_11_28_000001"


def upgrade():
    op.create_table("entra_group_sync_runs", sa.Column("id", sa.Integer, primary_key=True))
'''


def _copy_of_reference(tmp_path: Path) -> Path:
    shutil.copy(REPOSITORY / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(
        REPOSITORY / "reference", tmp_path / "reference", ignore=shutil.ignore_patterns("__pycache__", "data")
    )
    return tmp_path


def _insert_after(path: Path, anchor: str, new_line: str) -> int:
    """Insert new_line after the first line containing anchor; return its 1-based line number."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if anchor in line)
    lines.insert(index + 1, new_line + "\n")
    path.write_text("".join(lines), encoding="utf-8")
    return index + 2


def _new_file(path: Path, text: str, marker: str) -> int:
    path.write_text(text, encoding="utf-8")
    return next(n for n, line in enumerate(text.splitlines(), start=1) if marker in line)


def _findings(root: Path) -> tuple[int, list[dict[str, object]]]:
    result = run_cli("check", "--format", "json", ".", cwd=root)
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)["findings"]


def test_the_repository_guards_its_reference_trees_and_passes() -> None:
    result = run_cli("check", ".", cwd=REPOSITORY)
    assert result.returncode == 0, result.stdout + result.stderr
    listed = run_cli("check", "--list-files", cwd=REPOSITORY).stdout
    for tree in ("reference/app/", "reference/database/", "reference/resources/", "reference/routes/"):
        assert tree in listed


def test_nothing_allows_the_backfill_rule() -> None:
    text = (REPOSITORY / "pyproject.toml").read_text(encoding="utf-8")
    assert "NLR101" not in text


INJECTIONS = [
    pytest.param(
        lambda root: _insert_after(
            root / "reference/app/runs.py",
            "from __future__ import annotations",
            "from app.models import InventorySyncRun",
        ),
        "reference/app/runs.py",
        "NLR002",
        id="legacy-model-import-in-app",
    ),
    pytest.param(
        lambda root: _insert_after(
            root / "reference/routes/web.py",
            "routes = [",
            '    Route("/admin/inventory-sync-runs", views.home, methods=["GET"]),',
        ),
        "reference/routes/web.py",
        "NLR005",
        id="legacy-url-route-in-routes",
    ),
    pytest.param(
        lambda root: _insert_after(
            root / "reference/resources/views/layout.html",
            "<body",
            '<a href="/admin/backup-schedule-runs">Backup runs</a>',
        ),
        "reference/resources/views/layout.html",
        "NLR005",
        id="template-link-to-legacy-url",
    ),
    pytest.param(
        lambda root: _new_file(
            root / "reference/database/migrations/versions/2026_12_01_000001_recreate.py",
            LEGACY_TABLE_MIGRATION,
            "entra_group_sync_runs",
        ),
        "reference/database/migrations/versions/2026_12_01_000001_recreate.py",
        "NLR001",
        id="new-migration-creating-a-legacy-table",
    ),
    pytest.param(
        lambda root: _new_file(
            root / "reference/database/migrations/versions/2026_02_12_000003_backfill_operation_runs.py",
            BACKFILL_MIGRATION,
            "INSERT INTO operation_runs",
        ),
        "reference/database/migrations/versions/2026_02_12_000003_backfill_operation_runs.py",
        "NLR101",
        id="backfill-migration-inside-an-allowed-path",
    ),
]


@pytest.mark.parametrize(("inject", "relpath", "rule"), INJECTIONS)
def test_each_injected_regression_fails_with_its_rule_at_its_line(
    tmp_path: Path, inject: object, relpath: str, rule: str
) -> None:
    root = _copy_of_reference(tmp_path)
    assert _findings(root) == (0, [])
    line = inject(root)  # type: ignore[operator]
    exit_code, findings = _findings(root)
    assert exit_code == 1
    assert [(f["path"], f["line"], f["rule"]) for f in findings] == [(relpath, line, rule)]
