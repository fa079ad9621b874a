"""Which kind of file a path is, by its name: the kind picks the scanner and the rules."""

from __future__ import annotations

from pathlib import PurePath

PYTHON = "python"
SQL = "sql"
TEMPLATE = "template"
BLADE = "blade"
PHP = "php"
JAVASCRIPT = "javascript"
YAML = "yaml"
JSON = "json"
TEXT = "text"

FILE_KINDS = frozenset({PYTHON, SQL, TEMPLATE, BLADE, PHP, JAVASCRIPT, YAML, JSON, TEXT})

# Compound suffixes first: `.blade.php` is a Blade template, not PHP.
_COMPOUND_SUFFIXES = (
    (".blade.php", BLADE),
    (".html.twig", TEMPLATE),
    (".html.j2", TEMPLATE),
    (".html.jinja", TEMPLATE),
    (".html.jinja2", TEMPLATE),
)
_COMPOUND_ENDINGS = tuple(suffix for suffix, _ in _COMPOUND_SUFFIXES)
_SUFFIXES = {
    ".py": PYTHON,
    ".pyi": PYTHON,
    ".sql": SQL,
    ".psql": SQL,
    ".pgsql": SQL,
    ".mysql": SQL,
    ".html": TEMPLATE,
    ".htm": TEMPLATE,
    ".jinja": TEMPLATE,
    ".jinja2": TEMPLATE,
    ".j2": TEMPLATE,
    ".twig": TEMPLATE,
    ".djhtml": TEMPLATE,
    ".njk": TEMPLATE,
    ".php": PHP,
    ".phtml": PHP,
    ".js": JAVASCRIPT,
    ".mjs": JAVASCRIPT,
    ".cjs": JAVASCRIPT,
    ".jsx": JAVASCRIPT,
    ".ts": JAVASCRIPT,
    ".tsx": JAVASCRIPT,
    ".mts": JAVASCRIPT,
    ".cts": JAVASCRIPT,
    ".vue": TEMPLATE,
    ".yaml": YAML,
    ".yml": YAML,
    ".json": JSON,
}


def kind_of(path: str | PurePath) -> str:
    """Return the file kind of a path; unknown files are plain text."""
    name = str(path).replace("\\", "/").rsplit("/", 1)[-1].lower()
    if name.endswith(_COMPOUND_ENDINGS):
        return next(kind for suffix, kind in _COMPOUND_SUFFIXES if name.endswith(suffix))
    dot = name.rfind(".")
    return _SUFFIXES.get(name[dot:], TEXT) if dot > 0 else TEXT
