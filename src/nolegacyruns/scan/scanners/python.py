"""The Python scanner: a libcst concrete syntax tree decides what is a name, a string, a comment."""

from __future__ import annotations

import ast
import io
import tokenize
from functools import partial
from typing import TYPE_CHECKING

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from ...rules.roles import Role
from ..analyzers.python import BackfillVisitor
from ..analyzers.spec import backfill_specs
from ..analyzers.sql import canonical_write_spans
from ..isolation import run_isolated
from ..lexed import Lexed, Segment
from ..source import SourceText
from .plaintext import fallback
from .sql import Piece, embedded_sql

if TYPE_CHECKING:
    from ...rules.ruleset import RuleSet

# libcst 1.x kills the interpreter (SIGSEGV) on deep nesting and takes seconds on long
# operator chains (quadratic). CPython itself refuses more than 200 nested brackets.
MAX_NESTING = 200
MAX_OPERATOR_CHAIN = 1000
MAX_UNARY_RUN = 200
_BRACKETS_OPEN = frozenset("([{")
_BRACKETS_CLOSE = frozenset(")]}")
_UNARY = frozenset({"-", "+", "~"})
_CHAIN_OPERATORS = frozenset(
    "+ - * / // % ** @ << >> & | ^ < > <= >= == != . and or not is in if else = := lambda".split()
)
# A call or subscript right after a name, string or closing bracket is a trailer: `f()()`, `a[0][0]`.
_TRAILER_AFTER = frozenset({tokenize.NAME, tokenize.STRING, tokenize.NUMBER})


def too_hard_to_parse(text: str) -> str | None:
    """Return why libcst must not see this text (it could crash or stall), or None."""
    depth = deepest = chain = unary_run = 0
    previous_was_operator = True
    previous_kind, previous_string = tokenize.NEWLINE, ""
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            kind, string = token.type, token.string
            if kind == tokenize.OP and string in _BRACKETS_OPEN:
                depth += 1
                deepest = max(deepest, depth)
                if deepest > MAX_NESTING:
                    return f"brackets nested deeper than {MAX_NESTING} at line {token.start[0]}"
            elif kind == tokenize.OP and string in _BRACKETS_CLOSE:
                depth = max(depth - 1, 0)
            if kind == tokenize.NEWLINE or (kind == tokenize.OP and string in ",;"):
                chain = 0
            elif (string in _CHAIN_OPERATORS and kind in (tokenize.OP, tokenize.NAME)) or (
                string in "([" and (previous_kind in _TRAILER_AFTER or previous_string in (")", "]"))
            ):
                chain += 1
                if chain > MAX_OPERATOR_CHAIN:
                    return f"more than {MAX_OPERATOR_CHAIN} operators in one statement at line {token.start[0]}"
            if kind == tokenize.OP and string in _UNARY and previous_was_operator:
                unary_run += 1
                if unary_run > MAX_UNARY_RUN:
                    return f"more than {MAX_UNARY_RUN} stacked unary operators at line {token.start[0]}"
            elif kind not in (tokenize.NL, tokenize.COMMENT):
                unary_run = 0
            previous_was_operator = kind == tokenize.OP and string not in _BRACKETS_CLOSE
            if kind not in (tokenize.NL, tokenize.COMMENT):
                previous_kind, previous_string = kind, string
    except (tokenize.TokenError, SyntaxError, ValueError):
        return None  # libcst reports the syntax error itself, with a better message
    return None


def _docstring_nodes(body: object) -> list[cst.CSTNode]:
    statements = getattr(body, "body", body)
    if not isinstance(statements, (list, tuple)) or not statements:
        return []
    first = statements[0]
    if not isinstance(first, cst.SimpleStatementLine) or not first.body:
        return []
    expr = first.body[0]
    if not isinstance(expr, cst.Expr):
        return []
    value = expr.value
    if isinstance(value, cst.SimpleString):
        return [value]
    if isinstance(value, cst.ConcatenatedString):
        parts: list[cst.CSTNode] = []
        pending: list[cst.BaseExpression] = [value]
        while pending:
            node = pending.pop()
            if isinstance(node, cst.ConcatenatedString):
                pending += [node.left, node.right]
            elif isinstance(node, cst.SimpleString):
                parts.append(node)
        return parts
    return []


class _SegmentCollector(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, source: SourceText) -> None:
        super().__init__()
        self.source = source
        self.lexed = Lexed()
        self._docstrings: set[int] = set()
        self._concatenated: set[int] = set()

    def _span(self, node: cst.CSTNode) -> tuple[int, int]:
        position = self.get_metadata(PositionProvider, node)
        return (
            self.source.offset(position.start.line, position.start.column),
            self.source.offset(position.end.line, position.end.column),
        )

    def _add(self, role: Role, start: int, end: int) -> None:
        if end > start:
            self.lexed.segments.append(Segment(role, start, end))

    def _note_docstring(self, body: object) -> None:
        self._docstrings.update(id(node) for node in _docstring_nodes(body))

    def visit_Module(self, node: cst.Module) -> None:
        self._note_docstring(node.body)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._note_docstring(node.body)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._note_docstring(node.body)

    def visit_Name(self, node: cst.Name) -> None:
        self._add(Role.IDENTIFIER, *self._span(node))

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        start, end = self._span(node)
        opening = len(node.prefix) + len(node.quote)
        role = Role.DOCSTRING if id(node) in self._docstrings else Role.STRING
        self._add(role, start + opening, end - len(node.quote))
        if role is Role.STRING and id(node) not in self._concatenated:
            self._read_sql([node])

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        if id(node) not in self._concatenated:
            self._read_sql([node])

    def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> None:
        if id(node) in self._concatenated:
            return
        parts: list[cst.BaseExpression] = []
        pending: list[cst.BaseExpression] = [node]
        while pending:
            current = pending.pop()
            self._concatenated.add(id(current))
            if isinstance(current, cst.ConcatenatedString):
                pending += [current.right, current.left]
            else:
                parts.append(current)
        if not any(id(part) in self._docstrings for part in parts):
            self._read_sql(parts)

    def _read_sql(self, parts: list[cst.BaseExpression]) -> None:
        """Read a string literal (its concatenated parts, f-string texts) as SQL if it starts like SQL."""
        pieces: list[Piece | None] = []
        for part in parts:
            if isinstance(part, cst.SimpleString):
                start, end = self._span(part)
                escapes = "r" not in part.prefix.lower()
                pieces.append(Piece(start + len(part.prefix) + len(part.quote), end - len(part.quote), escapes))
            elif isinstance(part, cst.FormattedString):
                escapes = "r" not in part.prefix.lower()
                for inner in part.parts:
                    if isinstance(inner, cst.FormattedStringText):
                        pieces.append(Piece(*self._span(inner), escapes))
                    elif not pieces or pieces[-1] is not None:
                        pieces.append(None)
        self.lexed.extend(embedded_sql(self.source.text, pieces))

    def visit_FormattedStringText(self, node: cst.FormattedStringText) -> None:
        self._add(Role.STRING, *self._span(node))

    def visit_Comment(self, node: cst.Comment) -> None:
        start, end = self._span(node)
        self._add(Role.COMMENT, start, end)
        self.lexed.directive_spans.append((start, end))


def _locate_syntax_error(text: str, error: cst.ParserSyntaxError) -> tuple[int, str]:
    """Prefer CPython's own account of a syntax error (exact line, readable message) to libcst's."""
    try:
        compile(text, "<scanned>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as exc:
        if exc.lineno:
            return exc.lineno, str(exc.msg)
    except (ValueError, RecursionError, MemoryError):
        pass
    message = " ".join(str(error.message).split())
    return max(error.raw_line, 1), message[:120]


def _parse_and_collect(path: str, text: str, ruleset: RuleSet) -> Lexed:
    """Parse with libcst and collect segments and backfill hits; may raise ParserSyntaxError."""
    module = cst.parse_module(text)
    source = SourceText(text)
    collector = _SegmentCollector(source)
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    wrapper.visit(collector)
    for spec in ruleset.derived("backfill", backfill_specs):
        if not spec.may_write_canonical(text):
            continue  # no canonical name in the file: nothing can be written, skip the walk
        backfill = BackfillVisitor(source, spec, partial(canonical_write_spans, spec=spec))
        wrapper.visit(backfill)
        collector.lexed.hits += backfill.hits
    return collector.lexed


def _syntax_error_fallback(path: str, text: str, ruleset: RuleSet, error: cst.ParserSyntaxError) -> Lexed:
    line, message = _locate_syntax_error(text, error)
    source = SourceText(text)
    offset = source.offset(line, 0) if 1 <= line <= source.line_count else 0
    return fallback(path, text, ruleset, f"syntax error at line {line}: {message}", offset)


def _parse_or_syntax_error(path: str, text: str, ruleset: RuleSet) -> Lexed:
    try:
        return _parse_and_collect(path, text, ruleset)
    except cst.ParserSyntaxError as error:
        return _syntax_error_fallback(path, text, ruleset, error)


def scan_python(path: str, text: str, ruleset: RuleSet) -> Lexed:
    """Scan Python source through libcst; fall back to the plain scan when it cannot parse.

    A cheap token pre-screen turns away input known to crash or stall libcst; the parse
    itself runs isolated, so whatever the pre-screen misses costs only this file.
    """
    reason = too_hard_to_parse(text)
    if reason is not None:
        return fallback(path, text, ruleset, f"not parsed: {reason}")
    outcome = run_isolated(partial(_parse_or_syntax_error, path, text, ruleset))
    if outcome.value is None:
        return fallback(path, text, ruleset, f"not parsed: {outcome.failure}")
    return outcome.value
