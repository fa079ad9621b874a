"""PHP and HTML with PHP, read by Pygments' PHP lexers; heredoc and nowdoc read here.

`//`, `#` and `/* */` comments and docblocks are prose; names include namespaced names
(`App\\Models\\InventorySyncRun`); strings whose text starts like a statement are also SQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pygments.lexers.php import PhpLexer
from pygments.lexers.templates import HtmlPhpLexer
from pygments.token import Operator, String

from ...rules.roles import Role
from ..lexed import Lexed, Segment
from .pygments_lexed import Token, is_a, lex, lexed_or_fallback, lexer, to_lexed
from .sql import Piece, embedded_sql

_HEREDOC_OPEN = "<<<"
# PHP 7.3 heredoc and nowdoc: the closing marker may be indented and followed by `)`, `,` …
_HEREDOC = re.compile(
    r"<<<[ \t]*(?P<quote>[\"']?)(?P<label>[A-Za-z_\x80-\U0010ffff]\w*)(?P=quote)\r?\n"
    r"(?P<body>.*?)(?:\r?\n|^)[ \t]*(?P=label)(?!\w)",
    re.DOTALL | re.MULTILINE,
)
# `$name`, `$name->prop`, `$name[key]` and `{$ … }` inside a double-quoted string or heredoc.
_INTERPOLATION = re.compile(r"\{\$[^}]*\}|\$[A-Za-z_]\w*(?:->[A-Za-z_]\w*|\[[^\]]*\])?")


def _heredocs(tokens: list[Token], text: str, end: int) -> list[re.Match[str]]:
    """Find heredocs and nowdocs, ending by `end`, where the lexer saw `<<<` in PHP code."""
    found: list[re.Match[str]] = []
    for token in tokens:
        index = text.find(_HEREDOC_OPEN, token.start, token.end)
        if index >= 0 and (is_a(token.kind, Operator) or is_a(token.kind, String)):
            match = _HEREDOC.match(text, index, end)
            if match is not None and (not found or match.start() >= found[-1].end()):
                found.append(match)
    return found


def _masked(text: str, heredocs: list[re.Match[str]]) -> str:
    """Replace each heredoc by a single-quoted string of the same length, which any lexer state reads whole."""
    parts = []
    position = 0
    for match in heredocs:
        parts += [text[position : match.start()], "'", " " * (match.end() - match.start() - 2), "'"]
        position = match.end()
    return "".join([*parts, text[position:]])


def _heredoc_pieces(match: re.Match[str]) -> list[Piece | None]:
    """The body of a heredoc split around its interpolations; a nowdoc's body is one piece."""
    start, end = match.span("body")
    if match["quote"] == "'":
        return [Piece(start, end)]
    pieces: list[Piece | None] = []
    position = start
    for interpolation in _INTERPOLATION.finditer(match.string, start, end):
        pieces += [Piece(position, interpolation.start(), escapes=True), None]
        position = interpolation.end()
    return [*pieces, Piece(position, end, escapes=True)]


def _string_literals(tokens: list[Token], text: str) -> Iterator[list[Piece | None]]:
    """Yield each quoted string literal as pieces of text, interpolations as None."""
    pieces: list[Piece | None] | None = None  # inside a double-quoted string
    for token in tokens:
        value = text[token.start : token.end]
        if pieces is not None:
            if is_a(token.kind, String.Double) and value == '"':
                yield pieces
                pieces = None
            elif is_a(token.kind, String.Double) or is_a(token.kind, String.Escape):
                pieces.append(Piece(token.start, token.end, escapes=True))
            elif pieces and pieces[-1] is not None:
                pieces.append(None)
        elif is_a(token.kind, String.Double) and value == '"':
            pieces = []
        elif (is_a(token.kind, String.Single) or is_a(token.kind, String.Double)) and len(value) >= 2:
            yield [Piece(token.start + 1, token.end - 1, escapes=True)]


def php_tokens(
    text: str, start: int = 0, end: int | None = None, *, inline: bool = False, strict: bool = True
) -> tuple[list[Token], list[re.Match[str]]]:
    """Lex text[start:end] as PHP (`inline`: code without `<?php`) or as HTML with PHP.

    Each heredoc or nowdoc is read as one string token spanning it; the heredocs are returned too.
    """
    php = lexer(PhpLexer, startinline=True) if inline else lexer(HtmlPhpLexer)
    end = len(text) if end is None else end
    tokens = lex(php, text, start, end, strict=strict)
    heredocs = _heredocs(tokens, text, end)
    if heredocs:
        tokens = lex(php, _masked(text, heredocs), start, end, strict=strict)
    return tokens, heredocs


def php_lexed(text: str, start: int = 0, end: int | None = None, *, inline: bool = False, strict: bool = True) -> Lexed:
    """Read text[start:end] as PHP (`inline`: code without `<?php`) or as HTML with PHP."""
    tokens, heredocs = php_tokens(text, start, end, inline=inline, strict=strict)
    lexed_text = _masked(text, heredocs) if heredocs else text
    openings = {match.start() for match in heredocs}
    ordinary = [token for token in tokens if token.start not in openings]
    result = to_lexed(ordinary, lexed_text)
    literals = list(_string_literals(ordinary, lexed_text))
    for match in heredocs:
        result.segments.append(Segment(Role.STRING, *match.span("body")))
        literals.append(_heredoc_pieces(match))
    for pieces in literals:
        result.extend(embedded_sql(text, pieces))
    return result


def scan_php(path: str, text: str) -> Lexed:
    """Scan a PHP file; a file the lexer chokes on is scanned plainly, with NLR900."""
    return lexed_or_fallback(path, text, lambda: php_lexed(text))
