"""Parse Python with libcst without risking the check: a pre-screen for input that crashes or stalls
libcst, and CPython's own account of a syntax error. Run the parse itself through `isolation`."""

from __future__ import annotations

import ast
import io
import tokenize
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import libcst as cst

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


def locate_syntax_error(text: str, error: cst.ParserSyntaxError) -> tuple[int, str]:
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
