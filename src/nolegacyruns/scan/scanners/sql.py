"""The SQL scanner: SQL files, dollar-quoted function bodies, and SQL held in other languages' strings."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from pygments.lexer import Lexer, RegexLexer, bygroups
from pygments.lexers.sql import MySqlLexer, PostgresLexer, language_callback
from pygments.token import Comment, Keyword, Name, String, Text, _TokenType

from ...rules.roles import Role
from ..lexed import Lexed, Segment, SqlFragment
from .pygments_lexed import LexerChoked, Token, default_role, is_a, lex, lexed_or_fallback, lexer, to_lexed

# A dollar-quoted string, read whole so that its body can be read again as SQL.
_DOLLAR_QUOTED = String.Heredoc
_DOLLAR_TAG = re.compile(r"\$((?:[A-Za-z_]\w*)?)\$")
# Keywords after which a dollar-quoted string is a function or DO body, not a constant.
_BODY_AFTER = frozenset({"AS", "DO"})
# How a string's text must start to be read as SQL: a statement keyword after blanks and comments.
_STATEMENT_START = re.compile(
    r"(?:\s|--[^\n]*\n|/\*(?:(?!\*/).)*\*/)*(?:SELECT|INSERT|UPDATE|DELETE|MERGE|WITH|CREATE|ALTER|DROP)\b",
    re.IGNORECASE | re.DOTALL,
)
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
# An interpolation reads as a bind parameter, so statements around it still parse.
INTERPOLATION = "?"


class _SqlLexer(RegexLexer):
    """PostgreSQL, plus `backticked` and [bracketed] names and E'' escapes; a dollar-quoted string is one token."""

    name = "SQL"
    flags = re.IGNORECASE
    tokens = {  # noqa: RUF012 - Pygments reads a lexer's token table from its class
        state: [rule for rule in rules if len(rule) < 2 or rule[1] is not language_callback]
        for state, rules in PostgresLexer.tokens.items()
    }
    tokens["root"][:0] = [  # noqa: RUF012 - Pygments reads a lexer's token table from its class
        (r"`[^`\n]*`", Name.Quoted),
        (r"\[[A-Za-z_][^\]\n]*\]", Name.Quoted),
        (r"(?s)\$((?:[A-Za-z_]\w*)?)\$.*?\$\1\$", _DOLLAR_QUOTED),
        # E'…' takes backslash escapes (`\'` is a quote); Pygments ends it at the escaped quote.
        (r"(?<![\w$])(E)(')", bygroups(String.Affix, String.Single), "escape-string"),  # type: ignore[no-untyped-call]
    ]
    tokens["escape-string"] = [  # noqa: RUF012 - Pygments reads a lexer's token table from its class
        (r"[^'\\]+", String.Single),
        (r"(?s)\\.", String.Escape),
        (r"''", String.Escape),
        (r"'", String.Single, "#pop"),
    ]


def _sql_role(kind: _TokenType) -> tuple[Role, bool] | None:
    """Unquoted names fold case; "quoted", `backticked` and [bracketed] names are exact."""
    if is_a(kind, String.Escape):
        return None  # `\t` in E'\tx' or '\tx' (MySQL) is not part of the word after it
    if is_a(kind, Name.Quoted) or is_a(kind, String.Name):
        return Role.IDENTIFIER, False
    if is_a(kind, Name) or is_a(kind, Keyword):
        return Role.IDENTIFIER, True
    return default_role(kind)


def _is_body(tokens: Sequence[Token], index: int, text: str) -> bool:
    """Is the dollar-quoted string at `index` a body (`AS $$`, `DO $$`, `DO LANGUAGE x $$`)?"""
    words = []
    for token in reversed(tokens[:index]):
        if is_a(token.kind, Text) or is_a(token.kind, Comment):
            continue
        words.append(text[token.start : token.end].upper())
        if len(words) == 3:
            break
    return bool(words) and (words[0] in _BODY_AFTER or (len(words) == 3 and words[1:] == ["LANGUAGE", "DO"]))


def sql_lexed(
    text: str, start: int = 0, end: int | None = None, dialect: type[Lexer] = _SqlLexer, *, strict: bool = True
) -> Lexed:
    """Read text[start:end] as SQL; function bodies in dollar quotes are read as SQL again.

    With `strict`, a lexer that chokes raises LexerChoked; without, it yields nothing.
    """
    try:
        tokens = lex(lexer(dialect), text, start, end, strict=strict)
    except LexerChoked:
        if strict:
            raise
        return Lexed()
    result = Lexed()
    plain = []
    for index, token in enumerate(tokens):
        if token.kind is not _DOLLAR_QUOTED:
            plain.append(token)
            continue
        tag = _DOLLAR_TAG.match(text, token.start)
        assert tag is not None  # the lexer matched the same opening
        body_start, body_end = tag.end(), token.end - len(tag.group())
        if _is_body(tokens, index, text):
            result.extend(sql_lexed(text, body_start, body_end, dialect, strict=False))
        else:
            plain.append(Token(body_start, body_end, String))
    result.extend(to_lexed(plain, text, _sql_role))
    return result


def _dialect(path: str) -> type[Lexer]:
    return MySqlLexer if path.lower().endswith(".mysql") else _SqlLexer


def scan_sql(path: str, text: str) -> Lexed:
    """Scan an SQL file; a file the lexer chokes on is scanned plainly, with NLR900."""
    lexed_as_sql: list[Lexed] = []

    def read_as_sql() -> Lexed:
        lexed_as_sql.append(sql_lexed(text, dialect=_dialect(path)))
        return lexed_as_sql[0]

    lexed = lexed_or_fallback(path, text, read_as_sql)
    # Statement rules (NLR101) reuse the lexer's spans; after a fallback they lex leniently themselves.
    segments = tuple(lexed_as_sql[0].segments) if lexed_as_sql else None
    lexed.sql_fragments.append(SqlFragment(text, ((0, 0, len(text)),), segments))
    return lexed


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of a string literal's text in the file; `escapes` when backslash escapes apply."""

    start: int
    end: int
    escapes: bool = False


def _blank_escape(match: re.Match[str]) -> str:
    """An escape as two characters: a quote stays a quote, a newline ends an SQL `--` comment."""
    char = match[1]
    return " " + (char if char in "'\"" else "\n" if char in "nr" else " ")


def _join(text: str, pieces: Sequence[Piece | None]) -> SqlFragment:
    """Join string pieces into SQL text; None is an interpolation. Escapes become blanks, same length."""
    parts: list[str] = []
    table = []
    length = 0
    for piece in pieces:
        if piece is None:
            parts.append(INTERPOLATION)
            length += len(INTERPOLATION)
            continue
        value = text[piece.start : piece.end]
        if piece.escapes:
            value = _ESCAPE.sub(_blank_escape, value)
        table.append((length, piece.start, len(value)))
        parts.append(value)
        length += len(value)
    return SqlFragment("".join(parts), tuple(table))


def _map_back(segment: Segment, fragment: SqlFragment, starts: list[int]) -> list[Segment]:
    """Map a segment of the SQL text to the file, split where it crosses from piece to piece."""
    result = []
    first = max(bisect.bisect_right(starts, segment.start) - 1, 0)
    for text_start, file_start, length in fragment.pieces[first:]:
        if text_start >= segment.end:
            break
        start, end = max(segment.start, text_start), min(segment.end, text_start + length)
        if end > start:
            shift = file_start - text_start
            result.append(Segment(segment.role, start + shift, end + shift, segment.fold_case))
    return result


def embedded_sql(text: str, pieces: Sequence[Piece | None]) -> Lexed:
    """Read a string literal made of `pieces` as SQL when it starts like a statement.

    Only names and string contents are added: the literal's own STRING segments stay, and
    the engine reports a token found both ways once.
    """
    fragment = _join(text, pieces)
    if not _STATEMENT_START.match(fragment.text):
        return Lexed()
    sql_segments = tuple(sql_lexed(fragment.text, strict=False).segments)
    result = Lexed(sql_fragments=[replace(fragment, segments=sql_segments)])
    starts = [piece[0] for piece in fragment.pieces]
    for segment in sql_segments:
        if segment.role in (Role.IDENTIFIER, Role.STRING):
            result.segments += _map_back(segment, fragment, starts)
    return result
