"""Check in-memory text the way the engine does: the scanner tests' one way in."""

from __future__ import annotations

from pathlib import Path

from nolegacyruns.config.loading import Config
from nolegacyruns.findings import FileResult
from nolegacyruns.rules.pack import load_rules
from nolegacyruns.rules.ruleset import RuleSet
from nolegacyruns.scan.engine import check_source

RULESET = RuleSet(load_rules())


def check(path: str, code: str | bytes, *, scan_comments: bool = False) -> FileResult:
    """Check one file's text (or its bytes) with the bundled rules and the default configuration."""
    config = Config(root=Path("/nonexistent"), scan_comments=scan_comments)
    data = code if isinstance(code, bytes) else code.encode("utf-8")
    return check_source(path, data, RULESET, config)


def found(path: str, code: str, *, scan_comments: bool = False) -> list[tuple[int, int, str]]:
    """Return the active findings as sorted (line, column, rule)."""
    return sorted((f.line, f.column, f.rule) for f in check(path, code, scan_comments=scan_comments).active)
