"""A file's decoded text with line/column positions; read a checked file back for reports and the baseline."""

from __future__ import annotations

import bisect
import re
from functools import lru_cache
from itertools import accumulate
from pathlib import Path

from ..filekinds import PYTHON, kind_of
from .decoding import decode

_NEWLINE = re.compile(r"\r\n|\r|\n")


def line_starts_of(text: str) -> list[int]:
    """Offsets where lines begin: after `\\r\\n`, a lone `\\r` or `\\n`."""
    if "\r" in text:
        return [0] + [m.end() for m in _NEWLINE.finditer(text)]
    # Most files: the lengths of the lines, summed in C (a regex match object per line costs four times more).
    return list(accumulate(map((1).__add__, map(len, text.split("\n")[:-1])), initial=0))


class SourceText:
    """A decoded file with offset <-> (line, column) conversion; columns count code points."""

    __slots__ = ("_starts", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts: list[int] | None = None

    @property
    def _line_starts(self) -> list[int]:
        # Built on first use: most files have nothing to report and never need it.
        if self._starts is None:
            self._starts = line_starts_of(self.text)
        return self._starts

    @property
    def line_starts(self) -> list[int]:
        """Offsets where lines begin: after `\\r\\n`, a lone `\\r` or `\\n` (CPython's line breaks too)."""
        return self._line_starts

    def position(self, offset: int) -> tuple[int, int]:
        """Return the 1-based (line, column) of a character offset."""
        index = bisect.bisect_right(self._line_starts, offset) - 1
        return index + 1, offset - self._line_starts[index] + 1

    def offset(self, line: int, column: int) -> int:
        """Return the offset of a 1-based line and 0-based column (libcst's convention)."""
        return self._line_starts[line - 1] + column

    def line_text(self, line: int) -> str:
        """Return one line without its line break."""
        start = self._line_starts[line - 1]
        end = self._line_starts[line] if line < len(self._line_starts) else len(self.text)
        return self.text[start:end].rstrip("\r\n")

    @property
    def line_count(self) -> int:
        return len(self._line_starts)


@lru_cache(maxsize=64)
def _cached(path: Path, mtime_ns: int, size: int, inode: int, ctime_ns: int) -> SourceText | None:
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
    # Keyed on the stat too, so a long-lived process (the pytest plugin) never shows stale lines.
    return _cached(path, stat.st_mtime_ns, stat.st_size, stat.st_ino, stat.st_ctime_ns)


def line_of(path: Path, line: int) -> str:
    """Return one line of a file without its line break ('' when it is gone)."""
    source = source_of(path)
    if source is None or line > source.line_count:
        return ""
    return source.line_text(line)
