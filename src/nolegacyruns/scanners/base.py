"""What every scanner returns, and the hits rules make on it."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..segments import Notice, Segment

if TYPE_CHECKING:
    from ..ruleset import RuleSet


@dataclass(frozen=True, slots=True)
class Hit:
    """A rule firing on a span, before it becomes a Finding with positions."""

    rule: str
    start: int
    end: int
    token: str
    details: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True)
class Lexed:
    """A scanner's view of one file.

    segments: spans with their roles; directive_spans: where suppression directives may be
    written (real comments); hits: what tree- or statement-level rules found; notices: NLR900.
    """

    segments: list[Segment] = field(default_factory=list)
    directive_spans: list[tuple[int, int]] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)

    def extend(self, other: Lexed) -> None:
        self.segments += other.segments
        self.directive_spans += other.directive_spans
        self.hits += other.hits
        self.notices += other.notices


Scanner = Callable[[str, str, "RuleSet"], Lexed]
