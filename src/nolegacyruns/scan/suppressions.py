"""Inline directives: `nolegacyruns: ignore[NLR001, NLR003] <reason>` inside a real comment."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .source import SourceText

_DIRECTIVE = re.compile(r"nolegacyruns:\s*ignore\[(?P<rules>[^\]\r\n]*)\](?P<reason>[^\r\n]*)")
# Comment closers of the languages we read; they end the comment, not the reason.
_CLOSERS = re.compile(r"\s*(?:--\}\}|-->|\*/|#\}|%\}|\*\}|\s)*$")


@dataclass(frozen=True, slots=True)
class Directive:
    """One parsed directive: the line it sits on and covers, its rules and its reason."""

    line: int
    start: int
    end: int
    rules: tuple[str, ...]
    reason: str


def parse_directives(source: SourceText, spans: Iterable[tuple[int, int]]) -> list[Directive]:
    """Find directives inside comment spans (text outside comments is never a directive)."""
    directives = []
    text = source.text
    for span_start, span_end in spans:
        for match in _DIRECTIVE.finditer(text, span_start, span_end):
            rules = tuple(r.strip() for r in match["rules"].split(",") if r.strip())
            reason = _CLOSERS.sub("", match["reason"]).strip(" \t:-—")
            line, _ = source.position(match.start())
            directives.append(Directive(line, match.start(), match.end(), rules, reason))
    return directives
