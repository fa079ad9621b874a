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

from ...rules.roles import Role
from ..lexed import Lexed, Segment
from .php import php_lexed
from .pygments_lexed import lexed_or_fallback

# Blade's own openers. `@{{` and `@@name` are escapes that print the text as it is.
_OPENER = re.compile(r"\{\{--|@\{\{|@@\w+|\{\{|\{!!|\B@(?P<name>\w+(?:::\w+)?)")
_CLOSERS = {"{{--": "--}}", "{{": "}}", "{!!": "!!}"}
_ARGUMENTS = re.compile(r"[ \t]*\(")
# What directive arguments are made of: parentheses, PHP strings, and the rest.
_ARGUMENT_PART = re.compile(r"""[()]|'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^()'"]+""", re.DOTALL)
# Arguments longer than this are taken for an unclosed parenthesis; the text is then read as HTML.
MAX_ARGUMENTS = 5_000
MAX_UNCLOSED = 50


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
    position = opening
    limit = min(len(text), opening + MAX_ARGUMENTS)
    while position < limit:
        part = _ARGUMENT_PART.match(text, position, limit)
        if part is None:  # a string that does not close
            return None
        if part.group() == "(":
            depth += 1
        elif part.group() == ")":
            depth -= 1
            if depth == 0:
                return position
        position = part.end()
    return None


class _Finder:
    """Find closers, remembering what is missing, so that unclosed openers cost little.

    A `(` that never closes costs a scan of MAX_ARGUMENTS; after MAX_UNCLOSED of them,
    directive arguments are no longer looked for and read as HTML (still scanned).
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._missing: set[str] = set()
        self._unclosed = 0

    def closing_parenthesis(self, opening: int) -> int | None:
        if self._unclosed >= MAX_UNCLOSED:
            return None
        closing = _closing_parenthesis(self.text, opening)
        self._unclosed += closing is None
        return closing

    def find(self, needle: str, start: int) -> int:
        if needle in self._missing:
            return -1
        index = self.text.find(needle, start)
        if index < 0:
            self._missing.add(needle)
        return index


def _directive(finder: _Finder, match: re.Match[str]) -> tuple[_Region | None, int]:
    """Read `@name …` at a match: the region it forms, if any, and where to go on."""
    text, name = finder.text, match["name"]
    arguments = _ARGUMENTS.match(text, match.end())
    if name in ("verbatim", "php") and arguments is None:
        closer = f"@end{name}"
        closing = finder.find(closer, match.end())
        if closing < 0:
            return None, match.end()
        if name == "verbatim":  # its text is printed as it is: HTML, not Blade
            return None, closing + len(closer)
        return _Region(match.start(), closing + len(closer), match.end(), closing, match.end()), closing + len(closer)
    if arguments is None:
        return None, match.end()
    opening = arguments.end() - 1
    parenthesis = finder.closing_parenthesis(opening)
    if parenthesis is None:
        return None, match.end()
    return _Region(match.start(), parenthesis + 1, opening, parenthesis + 1, match.end()), parenthesis + 1


def _regions(text: str) -> Iterator[_Region]:
    """Yield Blade's constructs in order."""
    finder = _Finder(text)
    position = 0
    while (match := _OPENER.search(text, position)) is not None:
        opener = match.group()
        if match["name"] is not None:
            region, position = _directive(finder, match)
            if region is not None:
                yield region
            continue
        closer = _CLOSERS.get(opener)
        closing = finder.find(closer, match.end()) if closer else -1
        if closer is None or closing < 0:
            position = match.end()
            continue
        position = closing + len(closer)
        if opener == "{{--":
            yield _Region(match.start(), position, is_comment=True)
        else:
            yield _Region(match.start(), position, match.end(), closing)


def _blanked(text: str, regions: list[_Region]) -> str:
    """Blank the Blade constructs out (newlines kept), so HTML around them lexes as it reads."""
    parts = []
    position = 0
    for region in regions:
        parts += [text[position : region.start], re.sub(r"[^\r\n]", " ", text[region.start : region.end])]
        position = region.end
    return "".join([*parts, text[position:]])


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


def scan_blade(path: str, text: str) -> Lexed:
    """Scan a Blade template; one a lexer chokes on is scanned plainly, with NLR900."""
    return lexed_or_fallback(path, text, lambda: blade_lexed(text))
