"""What scanners hand to the rules: spans of a file with their roles, SQL fragments, hits and notices."""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from ..rules.roles import Role


@dataclass(frozen=True, slots=True)
class Segment:
    """A span [start, end) of the file text. `fold_case` marks case-insensitive names (SQL)."""

    role: Role
    start: int
    end: int
    fold_case: bool = False


@dataclass(frozen=True, slots=True)
class Notice:
    """A scan-level problem at an offset (NLR900): the file was scanned the coarse way."""

    offset: int
    detail: str


class HitDetails(Protocol):
    """What a structural rule knows about a hit: its message's placeholders, and a second line it rests on."""

    def placeholders(self) -> dict[str, str]: ...

    def related_line(self) -> int | None: ...


@dataclass(frozen=True, slots=True)
class Hit:
    """A rule firing on a span, before it becomes a Finding with positions."""

    rule: str
    start: int
    end: int
    token: str
    details: HitDetails | None = None


@dataclass(frozen=True, slots=True)
class SqlFragment:
    """SQL found in a file: a whole SQL file, or what a string literal holds.

    `text` is the SQL as written (interpolations read as `?`); `pieces` are the runs of it
    copied verbatim from the file, as (offset in text, offset in file, length); `segments`
    are the SQL lexer's spans of `text` when the scanner already lexed it (None: not lexed).
    """

    text: str
    pieces: tuple[tuple[int, int, int], ...]
    segments: tuple[Segment, ...] | None = None

    def file_offset(self, position: int) -> int:
        """Map an offset in `text` to the file; inside an interpolation, where the piece before it ends."""
        if not self.pieces:
            return 0
        index = bisect.bisect_right([piece[0] for piece in self.pieces], position) - 1
        if index < 0:
            return self.pieces[0][1]
        text_start, file_start, length = self.pieces[index]
        return file_start + min(position - text_start, length)


@dataclass(slots=True)
class Lexed:
    """A scanner's view of one file.

    segments: spans with their roles; directive_spans: where suppression directives may be
    written (real comments); notices: NLR900; sql_fragments: the SQL the file holds, for the
    analyzers of structural rules.
    """

    segments: list[Segment] = field(default_factory=list)
    directive_spans: list[tuple[int, int]] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    sql_fragments: list[SqlFragment] = field(default_factory=list)

    def extend(self, other: Lexed) -> None:
        self.segments += other.segments
        self.directive_spans += other.directive_spans
        self.notices += other.notices
        self.sql_fragments += other.sql_fragments


Scanner = Callable[[str, str], Lexed]
"""A scanner: a pure function of a file's path (for its dialect) and text."""
