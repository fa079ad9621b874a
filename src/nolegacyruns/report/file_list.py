"""The `--list-files` report: the files a check reads, and why each other file is left out."""

from __future__ import annotations

import json
from collections.abc import Iterable

from ..scope.discovery import Scope
from .printable import printable


def format_file_list(scope: Scope, left_out: Iterable[tuple[str, str]], as_json: bool = False) -> str:
    """Files in scope first, then every left-out path with its reason."""
    left = sorted(set(left_out))
    if as_json:
        document = {"files": scope.files, "left_out": [{"path": path, "reason": reason} for path, reason in left]}
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    lines = [printable(path) for path in scope.files]
    if left:
        lines += [""] * bool(lines) + ["Left out:"] + [f"  {printable(path)}  ({reason})" for path, reason in left]
    files = len(scope.files)
    lines.append(f"{files} file{'s' * (files != 1)} in scope; {len(left)} left out.")
    return "\n".join(lines) + "\n"
