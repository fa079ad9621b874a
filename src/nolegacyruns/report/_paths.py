"""Paths as a CI service expects them: relative to its workspace, which may sit above the project root."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath


def workspace_path(root: Path, relpath: str, workspace_variable: str) -> str:
    """Prefix a root-relative path with the root's place in the CI workspace, when it has one."""
    workspace = os.environ.get(workspace_variable)
    if not workspace:
        return relpath
    try:
        prefix = root.resolve().relative_to(Path(workspace).resolve())
    except (ValueError, OSError):
        return relpath
    return (PurePosixPath(prefix.as_posix()) / relpath).as_posix()
