"""What CPython's syntax tree says about a Python file's layout: its docstrings, and the lines where
tokenizing may start afresh, so that only the lines around a possible match need to be tokenized.

A *restart* line begins with a statement (or an `except` clause): only blanks before it on its line,
and no backslash continuing the line before. There the tokenizer is outside every bracket, string
and continued line, and its only state is the stack of indentation columns of the enclosing blocks.
The outline keeps, for each restart line, the leading blanks of the lines that opened those blocks;
tokenizing from the restart line after a preamble of such lines (`Window.preamble`) yields exactly
the tokens a run over the whole file yields from that line on, up to the next restart line.
"""

from __future__ import annotations

import ast
import bisect
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_DEFINITIONS = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
_STATEMENT_LISTS = ("body", "orelse", "finalbody", "handlers", "cases")
_BLANKS = " \t\f"
_INDENT = re.compile(r"[ \t\f]*")


@dataclass(frozen=True, slots=True)
class Window:
    """Offsets [begin, end) of whole lines to tokenize alone, and the preamble that sets up its indentation."""

    begin: int
    end: int
    preamble: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Outline:
    """A file's docstring spans, and its restart lines with the indentation of their enclosing blocks."""

    docstrings: list[tuple[int, int]]
    restarts: list[int]  # sorted 1-based line numbers
    blocks: dict[int, tuple[str, ...]]  # restart line -> leading blanks of its block lines, outermost first

    def windows(self, lines: Iterable[int], starts: list[int], length: int) -> list[Window]:
        """The windows that hold the given 1-based lines, in order, each once."""
        windows: dict[int, Window] = {}
        for line in sorted(set(lines)):
            index = bisect.bisect_right(self.restarts, line) - 1
            first = self.restarts[index]
            if first in windows:
                continue
            after = self.restarts[index + 1] if index + 1 < len(self.restarts) else None
            end = starts[after - 1] if after is not None else length
            preamble = tuple(blanks + "pass\n" for blanks in self.blocks[first] if blanks)
            windows[first] = Window(starts[first - 1], end, preamble)
        return list(windows.values())


def outline(tree: ast.Module, text: str, starts: list[int], lines: Sequence[int] | None = None) -> Outline:
    """Walk the statements of a parsed file once: docstrings and restart lines.

    With `lines` (sorted, 1-based), only the statements that hold one of them are entered: the
    windows of those lines come out the same (the last restart line at or before a line is a
    statement of a block that holds it), and the rest of the file costs nothing. Such an outline
    is for `windows` of those lines only; its docstrings are those of the blocks entered.
    """
    docstrings: list[tuple[int, int]] = []
    blocks: dict[int, tuple[str, ...]] = {1: ()}
    # (node, leading blanks of its enclosing blocks, the last line before what follows it)
    pending: list[tuple[ast.AST, tuple[str, ...], float]] = [(tree, (), math.inf)]
    while pending:
        node, enclosing, reach = pending.pop()
        own = enclosing
        line, blanks = _starts_line(node, text, starts)
        if blanks is not None:
            own = (*enclosing, blanks) if blanks else enclosing
            blocks.setdefault(line, own)
        body = getattr(node, "body", None)
        if isinstance(node, _DEFINITIONS) and body:
            span = _docstring_span(body[0], text, starts)
            if span is not None:
                docstrings.append(span)
        for name in _STATEMENT_LISTS:
            children = getattr(node, name, None)
            if not isinstance(children, list):
                continue
            clauses = [c for c in children if isinstance(c, (ast.stmt, ast.excepthandler, ast.match_case))]
            for index, child in enumerate(clauses):
                # A line between two statements (a comment, a decorator) has its window in the one before.
                child_reach = _first_line(clauses[index + 1]) - 1 if index + 1 < len(clauses) else reach
                if lines is None or _holds_one(_first_line(child), child_reach, lines):
                    pending.append((child, own, child_reach))
                else:  # its own line bounds the windows around it; nothing inside it is asked for
                    child_line, child_blanks = _starts_line(child, text, starts)
                    if child_blanks is not None:
                        blocks.setdefault(child_line, (*own, child_blanks) if child_blanks else own)
    return Outline(sorted(docstrings), sorted(blocks), blocks)


def _first_line(node: ast.AST) -> int:
    if isinstance(node, ast.match_case):
        return node.pattern.lineno
    line: int = getattr(node, "lineno", 1)
    return line


def _holds_one(first: int, last: float, lines: Sequence[int]) -> bool:
    """Does [first, last] hold one of the sorted lines?"""
    index = bisect.bisect_left(lines, first)
    return index < len(lines) and lines[index] <= last


def _starts_line(node: ast.AST, text: str, starts: list[int]) -> tuple[int, str | None]:
    """The line of a statement, `except` or `case` clause, and its leading blanks if it begins that line."""
    if isinstance(node, (ast.stmt, ast.excepthandler)):
        return node.lineno, _leading_blanks(text, starts, node.lineno, node.col_offset)
    if isinstance(node, ast.match_case):  # no position of its own: its pattern follows `case` on its line
        line = node.pattern.lineno
        start = starts[line - 1]
        indent = _INDENT.match(text, start)
        keyword = indent.end() - start if indent is not None else 0
        if text.startswith("case", start + keyword):
            return line, _leading_blanks(text, starts, line, keyword)
    return 0, None


def _leading_blanks(text: str, starts: list[int], line: int, byte_column: int) -> str | None:
    """The blanks before a statement that begins its line (None when something else comes first)."""
    start = starts[line - 1]
    # Only blanks before it: then its byte column is its character column.
    blanks = text[start : start + byte_column]
    if blanks.strip(_BLANKS) or len(blanks) != byte_column:
        return None
    if line > 1 and text[starts[line - 2] : start].rstrip("\r\n").endswith("\\"):
        return None  # the line before continues onto this one
    return blanks


def _docstring_span(first: ast.AST, text: str, starts: list[int]) -> tuple[int, int] | None:
    if not (
        isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str)
    ):
        return None
    value = first.value
    assert value.end_lineno is not None and value.end_col_offset is not None
    return (
        _offset(text, starts, value.lineno, value.col_offset),
        _offset(text, starts, value.end_lineno, value.end_col_offset),
    )


def _offset(text: str, starts: list[int], line: int, byte_column: int) -> int:
    """The offset of an `ast` position: its column counts UTF-8 bytes."""
    start = starts[line - 1]
    prefix = text[start : start + byte_column].encode("utf-8", "surrogatepass")[:byte_column]
    return start + len(prefix.decode("utf-8", "surrogatepass"))
