"""Small builders for projects on disk, shared by the CLI and configuration tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CLEAN_MODULE = 'from app.models import OperationRun\n\nTYPE = "inventory_sync"\n'
LEGACY_MODULE = 'from app.models import OperationRun\n\nTABLE = "inventory_sync_runs"\n'


def write_files(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write {relative path: content} below root and return root."""
    for relpath, content in files.items():
        path = root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m nolegacyruns` as a real subprocess."""
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "nolegacyruns", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
