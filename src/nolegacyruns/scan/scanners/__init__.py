"""One scanner per kind of file; each is a pure function `(path, text, ruleset) -> Lexed`.

Scanner modules are imported on first use: libcst and the Pygments lexers cost more to load
than most checks spend scanning, and a file that holds no token is never scanned at all.
"""

from __future__ import annotations

import importlib
from functools import cache

from ...filekinds import BLADE, JAVASCRIPT, JSON, PHP, PYTHON, SQL, TEMPLATE, YAML
from ..lexed import Hit, Lexed, Scanner, SqlFragment
from .plaintext import scan_plain_text

# file kind -> (module in this package, scanner function)
SCANNER_HOMES: dict[str, tuple[str, str]] = {
    PYTHON: ("python", "scan_python"),
    SQL: ("sql", "scan_sql"),
    TEMPLATE: ("templates", "scan_template"),
    BLADE: ("blade", "scan_blade"),
    PHP: ("php", "scan_php"),
    JAVASCRIPT: ("generic", "scan_javascript"),
    YAML: ("generic", "scan_yaml"),
    JSON: ("generic", "scan_json"),
}


@cache
def scanner_for(file_kind: str) -> Scanner:
    """Return the scanner for a file kind; text no lexer knows is scanned as plain text."""
    home = SCANNER_HOMES.get(file_kind)
    if home is None:
        return scan_plain_text
    module = importlib.import_module(f"{__name__}.{home[0]}")
    scanner: Scanner = getattr(module, home[1])
    return scanner


__all__ = ["SCANNER_HOMES", "Hit", "Lexed", "Scanner", "SqlFragment", "scanner_for"]
