"""Blade templates: Blade's own syntax is read here, the PHP in it and the HTML around it by PHP lexers.

`{{-- … --}}` is a comment (prose). `{{ … }}`, `{!! … !!}`, `@directive( … )` arguments and
`@php … @endphp` blocks are PHP. The rest is HTML with PHP, read with the Blade parts blanked
out so that offsets stay those of the file.
"""
from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..segments import Role, Segment
from .base import Lexed
from .php import php_lexed
from .pygments_lexed import lexed_or_fallback

if TYPE_CHECKING:
    from ..ruleset import RuleSet

# Blade's own openers. `@{{` and `@@name` are escapes that print the text as it is.
_OPENER = re.compile(r"\{\{--|@\{\{|@@\w+|\{\{|\{!!|\B@(?P<name>\w+(?:::\w+)?)")
_CLOSERS = {"{{--": "--}}", "{{": "}}", "{!!": "!!}"}
_ARGUMENTS = re.compile(r"[ \t]*\(")
# Arguments longer than this are not directive arguments but an unclosed parenthesis.
MAX_ARGUMENTS = 20_000


@dataclass(frozen=True, slots=True)
class _Region:
    """A Blade construct at [start, end): a comment, or PHP at [code_start, code_end)."""

    start: int
    end: int
    code_start: int = 0
    code_end: int = 0
    name_end: int = 0  # a directive's name is at [start + 1, name_end)
    is_comment: bool = False


def _closing_parenthesis(text: str, opening: int) -> int | None:
    """Return the index of the `)` that closes the one at `opening`, skipping PHP strings."""
    depth = 0
    quote = ""
    index = opening
    limit = min(len(text), opening + MAX_ARGUMENTS)
    while index < limit:
        char = text[index]
        if quote:
            if char == "\\":
                index += 1
            elif char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return None


def _directive(text: str, match: re.Match[str]) -> tuple[_Region | None, int]:
    """Read `@name …` at a match: the region it forms, if any, and where to go on."""
    name = match["name"]
    if name == "verbatim":
        closing = text.find("@endverbatim", match.end())
        return None, len(text) if closing < 0 else closing + len("@endverbatim")
    arguments = _ARGUMENTS.match(text, match.end())
    if name == "php" and arguments is None:
        closing = text.find("@endphp", match.end())
        if closing < 0:
            return None, match.end()
        return _Region(match.start(), closing + len("@endphp"), match.end(), closing, match.end()), closing + len("@endphp")
    if arguments is None:
        return None, match.end()
    opening = arguments.end() - 1
    closing_index = _closing_parenthesis(text, opening)
    if closing_index is None:
        return None, match.end()
    return _Region(match.start(), closing_index + 1, opening, closing_index + 1, match.end()), closing_index + 1


def _regions(text: str) -> Iterator[_Region]:
    """Yield Blade's constructs in order."""
    position = 0
    while (match := _OPENER.search(text, position)) is not None:
        opener = match.group()
        if match["name"] is not None:
            region, position = _directive(text, match)
            if region is not None:
                yield region
            continue
        closer = _CLOSERS.get(opener)
        closing = text.find(closer, match.end()) if closer else -1
        if closing < 0:
            position = match.end()
            continue
        position = closing + len(closer or "")
        if opener == "{{--":
            yield _Region(match.start(), position, is_comment=True)
        else:
            yield _Region(match.start(), position, match.end(), closing)


def _blanked(text: str, regions: list[_Region]) -> str:
    """Blank the Blade constructs out (newlines kept), so HTML around them lexes as it reads."""
    parts = []
    position = 0
    for region in regions:
        parts += [text[position:region.start], re.sub(r"[^\r\n]", " ", text[region.start:region.end])]
        position = region.end
    return "".join(parts + [text[position:]])


class _Cutter:
    """Cut the Blade regions out of spans."""

    def __init__(self, regions: list[_Region]) -> None:
        self._regions = regions
        self._starts = [region.start for region in regions]

    def cut(self, start: int, end: int) -> Iterator[tuple[int, int]]:
        for index in range(max(bisect.bisect_right(self._starts, start) - 1, 0), len(self._regions)):
            region = self._regions[index]
            if region.start >= end:
                break
            if region.end > start:
                if region.start > start:
                    yield start, region.start
                start = max(start, region.end)
        if end > start:
            yield start, end


def blade_lexed(text: str) -> Lexed:
    """Read a Blade template: its constructs, then the HTML with PHP around them."""
    regions = list(_regions(text))
    html = php_lexed(_blanked(text, regions))
    cutter = _Cutter(regions)
    result = Lexed(
        segments=[
            Segment(segment.role, start, end, segment.fold_case)
            for segment in html.segments
            for start, end in cutter.cut(segment.start, segment.end)
        ],
        directive_spans=[span for start, end in html.directive_spans for span in cutter.cut(start, end)],
        sql_fragments=html.sql_fragments,
    )
    for region in regions:
        if region.is_comment:
            result.segments.append(Segment(Role.COMMENT, region.start, region.end))
            result.directive_spans.append((region.start, region.end))
            continue
        if region.name_end:
            result.segments.append(Segment(Role.IDENTIFIER, region.start + 1, region.name_end))
        result.extend(php_lexed(text, region.code_start, region.code_end, inline=True, strict=False))
    return result


def scan_blade(path: str, text: str, ruleset: RuleSet) -> Lexed:
    """Scan a Blade template; one a lexer chokes on is scanned plainly, with NLR900."""
    return lexed_or_fallback(path, text, ruleset, lambda: blade_lexed(text))
