"""A Pygments token stream turned into segments: the lexer decides what is a comment, a string, a name."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

from pygments.lexer import Lexer
from pygments.token import Comment, Error, Generic, Keyword, Literal, Name, Number, Other, String, Text, _TokenType

from ...rules.roles import Role
from ..lexed import Lexed, Scanner, Segment
from .plaintext import fallback

# Offsets must be those of the original text: no newline added or stripped, no tab expansion.
LEXER_OPTIONS = {"stripnl": False, "ensurenl": False, "tabsize": 0}
# Pygments is pure Python; past this size a lexer takes too long and the plain scan is used.
# Measured whole-file checks run at 100–280k characters a second (SQL, MySQL and PHP slowest, HTML fastest),
# about 1–2.5 s and +30 MB at this size; 1.8 MB took 11–19 s and ~300 MB. The plain scan does 1.9 MB in ~2 s.
MAX_LEXED_CHARS = 250_000
# A lexer that marks more than this share of the non-blank text as errors has lost its way.
MAX_ERROR_SHARE = 0.1
# Delimiters trimmed from string and quoted-name tokens; none of them can be part of a word.
_DELIMITERS = "'\"`[]"


@cache
def lexer(lexer_class: type[Lexer], **options: object) -> Lexer:
    """Return a shared lexer; RegexLexers keep no state between texts, and building one is slow."""
    return lexer_class(**LEXER_OPTIONS, **options)


RoleOf = Callable[[_TokenType], "tuple[Role, bool] | None"]


class LexerChoked(Exception):
    """A lexer raised, lost track of the text, or produced mostly errors."""

    def __init__(self, detail: str, offset: int = 0) -> None:
        super().__init__(detail)
        self.detail = detail
        self.offset = offset


@dataclass(frozen=True, slots=True)
class Token:
    """A lexer token as a span [start, end) of the text it was read from."""

    start: int
    end: int
    kind: _TokenType


def lex(lexer: Lexer, text: str, start: int = 0, end: int | None = None, *, strict: bool = True) -> list[Token]:
    """Lex text[start:end] into tokens whose offsets point into `text`.

    Offsets are counted from the token values, so lexers that restart offsets in nested
    parts still line up. With `strict`, a share of error tokens above MAX_ERROR_SHARE chokes.
    """
    end = len(text) if end is None else end
    piece = text[start:end]
    if len(piece) > MAX_LEXED_CHARS:
        raise LexerChoked(f"{len(piece)} characters are too many for the {lexer.name} lexer", start)
    try:
        raw = [(kind, value) for _, kind, value in lexer.get_tokens_unprocessed(piece) if value]
    except Exception as exc:  # a lexer bug must not end the run: the file is scanned plainly
        raise LexerChoked(f"the {lexer.name} lexer failed ({type(exc).__name__})", start) from exc
    tokens = []
    offset = start
    errors = 0
    first_error = None
    for kind, value in raw:
        if is_a(kind, Error):
            errors += len(value.strip())
            first_error = offset if first_error is None else first_error
        tokens.append(Token(offset, offset + len(value), kind))
        offset += len(value)
    if "".join(value for _, value in raw) != piece:
        raise LexerChoked(f"the {lexer.name} lexer lost track of the text", start)
    if strict and errors and errors > MAX_ERROR_SHARE * len("".join(piece.split())):
        raise LexerChoked(f"the {lexer.name} lexer could not read much of the file", first_error or start)
    return tokens


def is_a(kind: _TokenType, parent: _TokenType) -> bool:
    """Is `kind` the token type `parent` or one of its subtypes? (Pygments' `kind in parent`.)"""
    return kind[: len(parent)] == parent


def default_role(kind: _TokenType) -> tuple[Role, bool] | None:
    """Return the role of a token kind (and whether names fold case), or None to skip it."""
    if is_a(kind, Comment.Preproc) or is_a(kind, Comment.PreprocFile):
        return Role.CODE, False  # template and PHP tag delimiters, not prose
    if is_a(kind, Comment):
        return Role.COMMENT, False
    if is_a(kind, String.Doc):
        return Role.DOCSTRING, False
    if is_a(kind, String.Affix) or is_a(kind, String.Delimiter) or is_a(kind, Number):
        return None
    if is_a(kind, Literal):
        return Role.STRING, False
    if is_a(kind, Name) or is_a(kind, Keyword):
        return Role.IDENTIFIER, False
    if is_a(kind, Text) or is_a(kind, Error) or is_a(kind, Generic) or is_a(kind, Other):
        return Role.CODE, False
    return None  # operators and punctuation


def is_comment(kind: _TokenType) -> bool:
    """A real comment, where a suppression directive may be written (docblocks included)."""
    if is_a(kind, Comment.Preproc) or is_a(kind, Comment.PreprocFile):
        return False
    return is_a(kind, Comment) or is_a(kind, String.Doc)


class SegmentBuilder:
    """Collect segments, merging a span into the previous one when they touch and agree."""

    def __init__(self) -> None:
        self.lexed = Lexed()

    def add(self, role: Role, start: int, end: int, fold_case: bool = False) -> None:
        if end <= start:
            return
        segments = self.lexed.segments
        last = segments[-1] if segments else None
        if last is not None and last.end == start and last.role is role and last.fold_case == fold_case:
            segments[-1] = Segment(role, last.start, end, fold_case)
        else:
            segments.append(Segment(role, start, end, fold_case))

    def add_directive_span(self, start: int, end: int) -> None:
        spans = self.lexed.directive_spans
        if spans and spans[-1][1] == start:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))


def to_lexed(tokens: Iterable[Token], text: str, role_of: RoleOf = default_role) -> Lexed:
    """Turn tokens into segments: blank tokens skipped, quotes trimmed off strings and quoted names."""
    builder = SegmentBuilder()
    # Token kinds are few: decide once per kind.
    decided: dict[_TokenType, tuple[tuple[Role, bool] | None, bool]] = {}
    for token in tokens:
        value = text[token.start : token.end]
        if not value.strip():
            continue
        if token.kind not in decided:
            decided[token.kind] = (role_of(token.kind), is_comment(token.kind))
        found, comment = decided[token.kind]
        if comment:
            builder.add_directive_span(token.start, token.end)
        if found is None:
            continue
        role, fold_case = found
        start, end = token.start, token.end
        if role in (Role.STRING, Role.IDENTIFIER):
            start += len(value) - len(value.lstrip(_DELIMITERS))
            end -= len(value) - len(value.rstrip(_DELIMITERS))
        builder.add(role, start, end, fold_case)
    return builder.lexed


def lexed_or_fallback(path: str, text: str, build: Callable[[], Lexed]) -> Lexed:
    """Run a lexer-based scan; when the lexer chokes, scan plainly with an NLR900 notice."""
    try:
        return build()
    except LexerChoked as choked:
        return fallback(path, text, choked.detail, choked.offset)


def pygments_scanner(lexer_for: Callable[[str], type[Lexer]], role_of: RoleOf = default_role) -> Scanner:
    """Return a scanner that reads a file with the Pygments lexer chosen by its path."""

    def scan(path: str, text: str) -> Lexed:
        return lexed_or_fallback(path, text, lambda: to_lexed(lex(lexer(lexer_for(path)), text), text, role_of))

    return scan
