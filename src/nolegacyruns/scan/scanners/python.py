"""The Python scanner: CPython's own tokenizer decides what is a name, a string, f-string text, a comment.

CPython's parser (`ast`) decides whether the file is Python at all and where its docstrings
are; `tokenize` gives every other role. Both see the text the way the interpreter does:
`\\r\\n` and a lone `\\r` end a line, a form feed is whitespace, and columns count the code
points of the line, so every span maps back to the decoded file exactly.

On Python 3.12+ f-strings come as FSTRING_START / FSTRING_MIDDLE / FSTRING_END tokens with the
replacement fields tokenized in between; before 3.12 an f-string is one STRING token and its
literal text, replacement fields and format specs are split here.
"""

from __future__ import annotations

import ast
import bisect
import contextlib
import gc
import keyword
import re
import tokenize
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial

from ...rules.roles import Role
from ..lexed import Lexed, Segment
from ..source import SourceText
from .plaintext import fallback
from .python_outline import Outline, outline
from .sql import Piece, embedded_sql

_PREFIX = re.compile(r"[A-Za-z]*")
# Tokens that may sit between the parts of one implicitly concatenated string.
_BETWEEN_PARTS = frozenset({tokenize.NL, tokenize.COMMENT})
# Names that are never a Name node: keywords (True, False and None are names in a syntax tree).
_KEYWORDS = frozenset(keyword.kwlist) - {"True", "False", "None"}
_OPENING = frozenset("([{")
_CLOSING = frozenset(")]}")
_FSTRING_START: frozenset[int] = frozenset(
    getattr(tokenize, name) for name in ("FSTRING_START", "TSTRING_START") if hasattr(tokenize, name)
)
_FSTRING_END: frozenset[int] = frozenset(
    getattr(tokenize, name) for name in ("FSTRING_END", "TSTRING_END") if hasattr(tokenize, name)
)
_FSTRING_MIDDLE: frozenset[int] = frozenset(
    getattr(tokenize, name) for name in ("FSTRING_MIDDLE", "TSTRING_MIDDLE") if hasattr(tokenize, name)
)
# SyntaxErrors that say the file is too big for CPython's parser rather than wrong at a place.
_PARSER_LIMITS = frozenset({"too many nested parentheses", "too many statically nested blocks"})


@dataclass(frozen=True, slots=True)
class Rejected:
    """CPython does not accept the text as Python: why, and the offset of the line it names."""

    offset: int
    detail: str


def scan_python(path: str, text: str) -> Lexed:
    """Scan Python source by its tokens; text CPython refuses is scanned the plain way, with NLR900.

    No syntax tree is built beyond `ast`'s (for the docstrings) and nothing runs in a child
    process: CPython's tokenizer and parser do not crash on hostile input, they raise.
    """
    return scan_python_around(path, text, None)


def scan_python_around(path: str, text: str, focus: Sequence[int] | None) -> Lexed:
    """`scan_python`, reading only the statements on the lines of the `focus` offsets (see `classify`)."""
    lexed = classify(text, focus)
    if isinstance(lexed, Rejected):
        return fallback(path, text, lexed.detail, lexed.offset)
    return lexed


def classify(text: str, focus: Sequence[int] | None = None) -> Lexed | Rejected:
    """Return the roles of a Python file's spans, its comments and its SQL; Rejected when CPython refuses it.

    With `focus` (offsets), only the statements on the lines of those offsets are tokenized: every
    span, comment and SQL fragment that holds one of the offsets is found exactly as in a whole-file
    run; the others may be missing.
    """
    # SourceText breaks lines where CPython does (it reads `\r\n` and a lone `\r` as `\n`), not where
    # str.splitlines does (form feeds, vertical tabs, U+2028 too).
    starts = SourceText(text).line_starts
    lines = sorted({bisect.bisect_right(starts, offset) for offset in focus}) if focus is not None else None
    layout = _outline(text, starts, lines)
    if isinstance(layout, Rejected):
        return layout
    if lines is not None:
        walker = _Walker(text, starts, layout.docstrings)
        try:
            for window in layout.windows(lines, starts, len(text)):
                walker.walk(_tokens(text, window.begin, window.end, starts, wrap=False, preamble=window.preamble))
            return walker.lexed
        except (tokenize.TokenError, SyntaxError, ValueError, IndexError):
            # A layout the outline misread: the whole file, as without focus, with all its docstrings.
            whole = _outline(text, starts, None)
            assert not isinstance(whole, Rejected)
            layout = whole
    walker = _Walker(text, starts, layout.docstrings)
    try:
        walker.walk(_tokens(text, 0, len(text), starts, wrap=False))
    except (tokenize.TokenError, SyntaxError, ValueError, IndexError) as error:  # pragma: no cover
        # CPython's parser accepted the text, so tokenize should too; if not, scan it the plain way.
        return Rejected(0, f"not tokenized: {type(error).__name__}: {error}")
    return walker.lexed


def _outline(text: str, starts: list[int], lines: Sequence[int] | None) -> Outline | Rejected:
    """CPython's verdict on the text, and its outline (around `lines` only, when given)."""
    with _collector_paused():
        tree = _parse(text, starts)
        if isinstance(tree, Rejected):
            return tree
        layout = outline(tree, text, starts, lines)
        del tree  # freed while the collector is paused: it would otherwise trace the whole tree once
    return layout


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """A syntax tree holds no reference cycles, so the cycle collector only slows its building (by a fifth)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _parse(text: str, starts: list[int]) -> ast.Module | Rejected:
    """CPython's verdict: a syntax error is reported at its line, a limit of the parser for the whole file."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarnings about the user's code are not ours to print
            return ast.parse(text)
    except SyntaxError as error:
        line = min(max(error.lineno or 1, 1), len(starts))
        if error.msg in _PARSER_LIMITS:
            return Rejected(0, f"not parsed: {error.msg} at line {line} (a limit of CPython's parser)")
        return Rejected(starts[line - 1], f"syntax error at line {line}: {error.msg}")
    except ValueError as error:  # null bytes, before 3.12
        line = bisect.bisect_right(starts, max(text.find("\0"), 0))
        return Rejected(starts[line - 1], f"syntax error at line {line}: {error}")
    except (RecursionError, MemoryError) as error:
        reason = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        return Rejected(0, f"not parsed: Python's own parser gave up ({reason})")


def _tokens(
    text: str, begin: int, end: int, starts: list[int], *, wrap: bool, preamble: Sequence[str] = ()
) -> Iterator[tuple[int, str, int, int]]:
    """Tokenize text[begin:end] as (type, string, start offset, end offset) in the whole text.

    Lines go to tokenize with `\\n` for whatever break ended them, so a column is always the
    count of code points before the token on its line. `wrap` parenthesises the text, so a
    replacement field's expression may span lines. The `preamble` lines go first and yield
    no tokens: they set up the indentation of the blocks the text sits in.
    """
    first = bisect.bisect_right(starts, begin) - 1
    line_offsets = [begin, *starts[first + 1 : bisect.bisect_left(starts, end, first + 1)]]
    lines: list[str] = []
    for index, start in enumerate(line_offsets):
        line = text[start : line_offsets[index + 1] if index + 1 < len(line_offsets) else end]
        content = line.rstrip("\r\n")
        lines.append(content + "\n" if len(content) < len(line) else content)
    if wrap:
        lines[0] = "(" + lines[0]
        if lines[-1].endswith("\n"):
            lines.append(")")  # on a line of its own, past the last row that maps back
        else:
            lines[-1] += ")"
    skipped = len(preamble)
    readline = partial(next, iter([*preamble, *lines]), "")
    for token in tokenize.generate_tokens(readline):
        (start_row, start_col), (end_row, end_col) = token.start, token.end
        start_row, end_row = start_row - skipped, end_row - skipped
        if not 0 < start_row <= len(line_offsets):
            continue  # the preamble's; ENDMARKER, DEDENT after the last line
        shift_start = 1 if wrap and start_row == 1 else 0
        shift_end = 1 if wrap and end_row == 1 else 0
        end_row = min(end_row, len(line_offsets))
        yield (
            token.type,
            token.string,
            line_offsets[start_row - 1] + start_col - shift_start,
            line_offsets[end_row - 1] + end_col - shift_end,
        )


@dataclass(slots=True)
class _Group:
    """The parts of one (implicitly concatenated) string literal, as SQL pieces."""

    pieces: list[Piece | None] = field(default_factory=list)
    docstring: bool = False

    def interpolation(self) -> None:
        if not self.pieces or self.pieces[-1] is not None:
            self.pieces.append(None)


@dataclass(slots=True)
class _Field:
    """An open replacement field of a tokenized f-string (3.12+)."""

    in_spec: bool = False
    depth: int = 0
    spec_start: int = 0
    conversion: bool = False


@dataclass(slots=True)
class _FString:
    """An f-string being tokenized (3.12+): where its literal text resumes, its open fields."""

    body_start: int
    escapes: bool
    group: _Group = field(default_factory=_Group)  # strings inside its replacement fields
    pieces: list[Piece | None] = field(default_factory=list)
    fields: list[_Field] = field(default_factory=list)


class _Walker:
    """Turn tokens into segments, directive spans and SQL fragments."""

    def __init__(self, text: str, starts: list[int], docstrings: list[tuple[int, int]]) -> None:
        self.text = text
        self._starts = starts
        self.lexed = Lexed()
        self._docstrings = docstrings
        self._docstring_starts = [start for start, _ in docstrings]

    def _add(self, role: Role, start: int, end: int) -> None:
        if end > start:
            self.lexed.segments.append(Segment(role, start, end))

    def _is_docstring(self, offset: int) -> bool:
        index = bisect.bisect_right(self._docstring_starts, offset) - 1
        return index >= 0 and offset < self._docstrings[index][1]

    def _flush(self, group: _Group) -> None:
        if group.pieces and not group.docstring:
            self.lexed.extend(embedded_sql(self.text, group.pieces))
        group.pieces = []
        group.docstring = False

    def walk(self, tokens: Iterator[tuple[int, str, int, int]]) -> None:
        """Classify a token stream; strings next to each other form one group."""
        top = _Group()
        frames: list[_FString] = []
        identifier_end = -1
        for kind, string, start, end in tokens:
            frame = frames[-1] if frames else None
            group = frame.group if frame is not None else top
            if kind in _FSTRING_MIDDLE:
                continue
            if kind == tokenize.NAME or (kind == tokenize.ERRORTOKEN and not string.isspace()):
                if frame is not None and frame.fields and frame.fields[-1].conversion:
                    frame.fields[-1].conversion = False  # the `r` of `!r` is no name
                elif kind == tokenize.ERRORTOKEN or string not in _KEYWORDS:
                    self._identifier(start, end, identifier_end)
                    identifier_end = end
            if kind == tokenize.STRING:
                self._string(string, start, end, group)
            elif kind in _FSTRING_START:
                frames.append(_FString(end, "r" not in string.lower()))
            elif kind in _FSTRING_END and frame is not None:
                frames.pop()
                self._add(Role.STRING, frame.body_start, start)
                if start > frame.body_start:
                    frame.pieces.append(Piece(frame.body_start, start, frame.escapes))
                self._flush(frame.group)
                parent = frames[-1].group if frames else top
                for piece in frame.pieces:
                    if piece is None:
                        parent.interpolation()
                    else:
                        parent.pieces.append(piece)
            elif kind == tokenize.COMMENT:
                self._add(Role.COMMENT, start, end)
                self.lexed.directive_spans.append((start, end))
            elif kind not in _BETWEEN_PARTS:
                self._flush(group)
                if kind == tokenize.OP and frame is not None:
                    self._fstring_op(frame, string, start, end)
        self._flush(top)

    def _identifier(self, start: int, end: int, previous_end: int) -> None:
        # tokenize splits a name at code points `\w` lacks (combining marks, U+2118): join the pieces.
        segments = self.lexed.segments
        if start == previous_end and segments and segments[-1].role is Role.IDENTIFIER and segments[-1].end == start:
            segments[-1] = Segment(Role.IDENTIFIER, segments[-1].start, end)
        else:
            self._add(Role.IDENTIFIER, start, end)

    def _fstring_op(self, frame: _FString, string: str, start: int, end: int) -> None:
        """Follow the replacement fields of a tokenized f-string by its `{`, `}`, `!` and `:`."""
        current = frame.fields[-1] if frame.fields else None
        if current is None:
            if string == "{":  # a replacement field opens: the literal text before it ends
                self._add(Role.STRING, frame.body_start, start)
                if start > frame.body_start:
                    frame.pieces.append(Piece(frame.body_start, start, frame.escapes))
                if not frame.pieces or frame.pieces[-1] is not None:
                    frame.pieces.append(None)
                frame.fields.append(_Field())
            return
        if current.in_spec:
            if string == "{":
                self._add(Role.STRING, current.spec_start, start)
                frame.fields.append(_Field())
            elif string == "}":
                self._add(Role.STRING, current.spec_start, start)
                self._close_field(frame, end)
        elif string in _OPENING:
            current.depth += 1
        elif string in _CLOSING and current.depth:
            current.depth -= 1
        elif string == "}":
            self._close_field(frame, end)
        elif string == ":" and not current.depth:
            current.in_spec, current.spec_start = True, end
        elif string == "!" and not current.depth:
            current.conversion = True

    @staticmethod
    def _close_field(frame: _FString, end: int) -> None:
        frame.fields.pop()
        if frame.fields:
            frame.fields[-1].spec_start = end  # back in the format spec that held this field
        else:
            frame.body_start = end

    def _string(self, string: str, start: int, end: int, group: _Group) -> None:
        prefix = _PREFIX.match(string)
        assert prefix is not None
        letters = prefix.group().lower()
        quote_length = 3 if string[len(letters) : len(letters) + 3] in ('"""', "'''") else 1
        body_start, body_end = start + len(letters) + quote_length, end - quote_length
        escapes = "r" not in letters
        if "f" in letters:
            self._split_fstring(body_start, body_end, escapes, group)
            return
        docstring = self._is_docstring(start)
        self._add(Role.DOCSTRING if docstring else Role.STRING, body_start, body_end)
        group.docstring |= docstring
        group.pieces.append(Piece(body_start, body_end, escapes))

    # -- f-strings before 3.12: one STRING token, split here the way CPython 3.10/3.11 parse them.

    def _split_fstring(self, begin: int, end: int, escapes: bool, group: _Group) -> None:
        text = self.text
        literal = index = begin
        while index < end:
            char = text[index]
            if char == "\\" and escapes:
                if text.startswith("N{", index + 1):  # \N{NAME}: its braces open no field
                    index = text.index("}", index) + 1
                else:
                    index += 1 if text[index + 1 : index + 2] in ("{", "}") else 2
            elif char in "{}" and text[index + 1 : index + 2] == char:
                index += 2  # {{ and }} are literal braces
            elif char == "{":
                self._add(Role.STRING, literal, index)
                if index > literal:
                    group.pieces.append(Piece(literal, index, escapes))
                group.interpolation()
                index = literal = self._replacement_field(index, end)
            else:
                index += 1
        self._add(Role.STRING, literal, end)
        if end > literal:
            group.pieces.append(Piece(literal, end, escapes))

    def _replacement_field(self, opening: int, end: int) -> int:
        """Classify the field that opens at `opening`; return the offset after its `}`."""
        text = self.text
        index = expression_start = opening + 1
        expression_end = -1
        depth = 0
        while index < end:
            char = text[index]
            if char in "'\"":
                quote = text[index : index + 3] if text[index : index + 3] in ('"""', "'''") else char
                index = text.index(quote, index + len(quote)) + len(quote)
                continue
            if char in _OPENING:
                depth += 1
            elif char in _CLOSING and depth:
                depth -= 1
            elif depth == 0 and (char in "}:" or (char == "!" and text[index + 1 : index + 2] != "=")):
                expression_end = index
                break
            index += 1
        self._expression(expression_start, expression_end)
        if text[index] == "!":
            index += 2  # the conversion: !r, !s or !a
            while text[index] not in "}:":
                index += 1
        if text[index] == ":":
            index = self._format_spec(index + 1, end)
        return index + 1

    def _format_spec(self, begin: int, end: int) -> int:
        """Classify a format spec (text and nested fields); return the offset of its closing `}`."""
        literal = index = begin
        while self.text[index] != "}":
            if self.text[index] == "{":
                self._add(Role.STRING, literal, index)
                index = literal = self._replacement_field(index, end)
            else:
                index += 1
        self._add(Role.STRING, literal, index)
        return index

    def _expression(self, begin: int, end: int) -> None:
        """Tokenize a replacement field's expression in place, as its own stream."""
        if self.text[begin:end].strip():
            self.walk(_tokens(self.text, begin, end, self._starts, wrap=True))
