"""One scanner per kind of file; each is a pure function `(path, text) -> Lexed`.

A scanner may also take a `focus`: the offsets where a token could match. It then needs to read
only the text around them (`FOCUSED`), which is how Python files are scanned when no structural
rule needs the whole file.

Scanner modules are imported on first use: libcst and the Pygments lexers cost more to load
than most checks spend scanning, and a file that holds no token is never scanned at all. So the
registry holds, per file kind, a typed loader that imports the scanner's module and returns it.
A new scanner is a module here, its loader below, and its file kind in `filekinds.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache

from ...filekinds import BLADE, JAVASCRIPT, JSON, PHP, PYTHON, SQL, TEMPLATE, YAML
from ..lexed import Hit, Lexed, Scanner, SqlFragment
from .plaintext import scan_plain_text


def _python() -> Scanner:
    from .python import scan_python

    return scan_python


def _sql() -> Scanner:
    from .sql import scan_sql

    return scan_sql


def _template() -> Scanner:
    from .templates import scan_template

    return scan_template


def _blade() -> Scanner:
    from .blade import scan_blade

    return scan_blade


def _php() -> Scanner:
    from .php import scan_php

    return scan_php


def _javascript() -> Scanner:
    from .generic import scan_javascript

    return scan_javascript


def _yaml() -> Scanner:
    from .generic import scan_yaml

    return scan_yaml


def _json() -> Scanner:
    from .generic import scan_json

    return scan_json


SCANNERS: dict[str, Callable[[], Scanner]] = {
    PYTHON: _python,
    SQL: _sql,
    TEMPLATE: _template,
    BLADE: _blade,
    PHP: _php,
    JAVASCRIPT: _javascript,
    YAML: _yaml,
    JSON: _json,
}


FocusedScanner = Callable[[str, str, Sequence[int]], Lexed]
"""A scanner that reads only around offsets: spans, comments and SQL holding none of them may be missing."""


def _python_focused() -> FocusedScanner:
    from .python import scan_python_around

    return scan_python_around


FOCUSED: dict[str, Callable[[], FocusedScanner]] = {PYTHON: _python_focused}


@cache
def focused_scanner_for(file_kind: str) -> FocusedScanner | None:
    """Return the scanner that can read a file of this kind around given offsets only, if there is one."""
    load = FOCUSED.get(file_kind)
    return None if load is None else load()


@cache
def scanner_for(file_kind: str) -> Scanner:
    """Return the scanner for a file kind; text no lexer knows is scanned as plain text."""
    load = SCANNERS.get(file_kind)
    return scan_plain_text if load is None else load()


__all__ = [
    "FOCUSED",
    "SCANNERS",
    "FocusedScanner",
    "Hit",
    "Lexed",
    "Scanner",
    "SqlFragment",
    "focused_scanner_for",
    "scanner_for",
]
