"""A progress line on a terminal: `files done/total` on stderr, for checks that run longer than a second."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TextIO

# Shown only after this long: a quick check prints nothing.
DELAY_SECONDS = 1.0
_EVERY_SECONDS = 0.1
_CLEAR = "\r\x1b[K"


def wants_progress(stream: TextIO, quiet: bool) -> bool:
    """Only a person at a terminal sees it: not with --quiet, not in CI, not into a pipe or a file."""
    if quiet or os.environ.get("CI"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Progress:
    """Counts files done; redraws one line at most ten times a second, and wipes it when done."""

    def __init__(self, stream: TextIO, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.clock = clock
        self.total = 0
        self.done = 0
        self._start = clock()
        self._drawn_at: float | None = None

    def start(self, total: int) -> None:
        self.total, self.done = total, 0

    def advance(self, count: int = 1) -> None:
        self.done += count
        now = self.clock()
        if now - self._start < DELAY_SECONDS:
            return
        if self._drawn_at is not None and now - self._drawn_at < _EVERY_SECONDS and self.done < self.total:
            return
        self._drawn_at = now
        self.stream.write(f"{_CLEAR}nolegacyruns: {self.done}/{self.total} files checked")
        self.stream.flush()

    def close(self) -> None:
        if self._drawn_at is not None:
            self.stream.write(_CLEAR)
            self.stream.flush()
            self._drawn_at = None
