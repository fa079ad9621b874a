"""Read a checked file back as text, for reports and the baseline that show its lines."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from .decoding import decode
from .filekinds import PYTHON, kind_of
from .findings import SourceText


@lru_cache(maxsize=64)
def _cached(path: Path, mtime_ns: int, size: int) -> SourceText | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return SourceText(decode(data, python=kind_of(path) == PYTHON)[0])


def source_of(path: Path) -> SourceText | None:
    """Return the decoded text of a file, or None when it cannot be read."""
    try:
        stat = path.stat()
    except OSError:
        return None
    # Keyed on mtime and size too, so a long-lived process (the pytest plugin) never shows stale lines.
    return _cached(path, stat.st_mtime_ns, stat.st_size)


def line_of(path: Path, line: int) -> str:
    """Return one line of a file without its line break ('' when it is gone)."""
    source = source_of(path)
    if source is None or line > source.line_count:
        return ""
    return source.line_text(line)
