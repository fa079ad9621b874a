"""One scanner per kind of file; each is a pure function `(path, text, ruleset) -> Lexed`."""
from __future__ import annotations

from ..filekinds import BLADE, JAVASCRIPT, JSON, PHP, PYTHON, SQL, TEMPLATE, YAML
from .base import Hit, Lexed, Scanner, SqlFragment
from .blade import scan_blade
from .generic import scan_javascript, scan_json, scan_yaml
from .php import scan_php
from .plaintext import scan_plain_text
from .python import scan_python
from .sql import scan_sql
from .templates import scan_template

SCANNERS: dict[str, Scanner] = {
    PYTHON: scan_python,
    SQL: scan_sql,
    TEMPLATE: scan_template,
    BLADE: scan_blade,
    PHP: scan_php,
    JAVASCRIPT: scan_javascript,
    YAML: scan_yaml,
    JSON: scan_json,
}


def scanner_for(file_kind: str) -> Scanner:
    """Return the scanner for a file kind; text no lexer knows is scanned as plain text."""
    return SCANNERS.get(file_kind, scan_plain_text)


__all__ = ["Hit", "Lexed", "SCANNERS", "Scanner", "SqlFragment", "scanner_for"]
