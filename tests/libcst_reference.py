"""The libcst classification the Python scanner used before it read CPython's tokens: the reference
that test_python_scanner_differential.py compares the tokenizer's roles with."""

from __future__ import annotations

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from nolegacyruns.rules.roles import Role
from nolegacyruns.scan.cst_parse import too_hard_to_parse
from nolegacyruns.scan.lexed import Lexed, Segment
from nolegacyruns.scan.scanners.sql import Piece, embedded_sql
from nolegacyruns.scan.source import SourceText


def libcst_lexed(text: str) -> Lexed | None:
    """Segments, directive spans and SQL as libcst classifies them; None when libcst cannot take the text."""
    if too_hard_to_parse(text) is not None:
        return None  # it would crash or stall libcst
    try:
        module = cst.parse_module(text)
    except (cst.ParserSyntaxError, cst.CSTValidationError, RecursionError):
        return None
    collector = _SegmentCollector(SourceText(text))
    MetadataWrapper(module, unsafe_skip_copy=True).visit(collector)
    return collector.lexed


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
