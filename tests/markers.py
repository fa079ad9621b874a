"""Inline expectation markers: `expect: NLR001` on the line a finding must be reported on.

`NLR001@-2` moves the expectation two lines up, for lines where no comment can sit
(inside a multi-line string). A marker line is read in any language's comment syntax.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from nolegacyruns.scan.cache import CACHE_DIR_NAME

MARKER = re.compile(r"expect:\s*(?P<ids>(?:[A-Z]{3}[0-9]{3}(?:@[-+][0-9]+)?[\s,]*)+)")
_ID = re.compile(r"(?P<id>[A-Z]{3}[0-9]{3})(?:@(?P<shift>[-+][0-9]+))?")


def markers_in(text: str) -> Counter[tuple[int, str]]:
    """Return (line, rule) -> count for every marker in text."""
    expected: Counter[tuple[int, str]] = Counter()
    for number, line in enumerate(text.splitlines(), start=1):
        for marker in MARKER.finditer(line):
            for item in _ID.finditer(marker["ids"]):
                expected[(number + int(item["shift"] or 0), item["id"])] += 1
    return expected


def project_markers(root: Path) -> Counter[tuple[str, int, str]]:
    """Collect the markers of every text file below root, keyed by (path, line, rule)."""
    expected: Counter[tuple[str, int, str]] = Counter()
    for path in sorted(root.rglob("*")):
        if not path.is_file() or CACHE_DIR_NAME in path.relative_to(root).parts:
            continue  # the cache keeps checked lines, markers included
        data = path.read_bytes()
        if b"\0" in data[:8192]:
            continue
        relpath = path.relative_to(root).as_posix()
        for (line, rule), count in markers_in(data.decode("utf-8", errors="replace")).items():
            expected[(relpath, line, rule)] += count
    return expected
