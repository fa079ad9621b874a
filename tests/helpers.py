"""Small builders for projects on disk, shared by the CLI and configuration tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
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


def age_files(root: Path) -> None:
    """Date every file back a minute (the cache's folder left alone): a file changed just before a check
    is not taken on its stat alone."""
    past = time.time() - 60
    for path in root.rglob("*"):
        if path.is_file() and ".nolegacyruns_cache" not in path.parts:
            os.utime(path, (past, past))


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


# A rule pack of a team's own: one rule, with the examples every rule needs.
ACME_PACK = """
[[rule]]
id = "ACME001"
name = "legacy-widget-table"
message = "legacy widget table `{token}`"
tokens = ["widget_runs"]
[rule.docs]
what-it-does = "Flags widget_runs."
why-is-this-bad = "It was dropped."
example = "widget_runs"
use-instead = "operation_runs"
[[rule.valid]]
file = "app/a.py"
code = "x = 'operation_runs'"
[[rule.invalid]]
file = "app/a.py"
code = "x = 'widget_runs'"
expect = ["1:6"]
"""


# git as the tests run it: no user or system settings, a fixed author.
GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, env={**os.environ, **GIT_ENV}, capture_output=True, text=True, check=True
    )
    return done.stdout
