"""`--shard K/N`: a deterministic share of the files in scope, the same on every machine."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from ..errors import UsageError

_SPEC = re.compile(r"(\d+)/(\d+)")


@dataclass(frozen=True, slots=True)
class Shard:
    """Shard `index` of `count` (1-based): the files whose path hash falls to it."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        match = _SPEC.fullmatch(text.strip())
        if match is None or not 1 <= int(match[1]) <= int(match[2]):
            raise UsageError(f"--shard {text}: expected K/N with 1 <= K <= N, such as 2/4")
        return cls(int(match[1]), int(match[2]))

    def holds(self, relpath: str) -> bool:
        """Is this root-relative path in this shard? Decided by the path alone, never by the machine."""
        digest = hashlib.sha256(relpath.encode("utf-8", errors="surrogateescape")).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.index - 1

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"
