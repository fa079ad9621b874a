"""The Report of one check: what it found, with the numbers of its summary line; every format reads it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..config.loading import Config
from ..findings import FileResult, Finding, Severity
from ..rules.ruleset import RuleSet
from ..scope.discovery import Scope
from ..scope.shard import Shard
from .baseline import BaselineEntry


@dataclass(slots=True)
class Report:
    """Everything one check found, with the numbers of its summary line."""

    config: Config
    ruleset: RuleSet
    results: list[FileResult]
    scope: Scope
    baselined: list[Finding] = field(default_factory=list)
    fixed: list[BaselineEntry] = field(default_factory=list)
    baseline: Path | None = None
    shard: Shard | None = None
    # Findings whose safe fix `fix` would hold back (told apart in the text format's hint; filled by the CLI).
    held_back: frozenset[Finding] = frozenset()

    @property
    def root(self) -> Path:
        return self.config.root

    @property
    def findings(self) -> list[Finding]:
        """Findings that count (not suppressed, not in the baseline), sorted."""
        known = set(self.baselined)
        return sorted(f for result in self.results for f in result.active if f not in known)

    @property
    def suppressed(self) -> list[Finding]:
        return sorted(f for result in self.results for f in result.suppressed)

    @property
    def errors(self) -> list[FileResult]:
        return [result for result in self.results if result.error]

    @property
    def files_scanned(self) -> int:
        return sum(1 for result in self.results if not result.error)

    @property
    def files_skipped(self) -> int:
        return self.scope.skipped + len(self.errors)

    @property
    def skipped_by_reason(self) -> dict[str, int]:
        """Skipped files counted by why, for the summary line: binary, not a regular file, too large…"""
        counts = dict(self.scope.skipped_by_reason)
        if self.errors:
            counts["unreadable"] = len(self.errors)
        return dict(sorted(counts.items()))

    @property
    def files_with_findings(self) -> int:
        return len({f.path for f in self.findings})

    @property
    def failed(self) -> bool:
        return bool(self.errors) or any(f.severity is Severity.ERROR for f in self.findings)

    @property
    def exit_code(self) -> int:
        if any(result.lost for result in self.results):
            return 3
        return 1 if self.failed else 0

    def summary(self) -> dict[str, int]:
        return {
            "files_scanned": self.files_scanned,
            "files_skipped": self.files_skipped,
            "findings": len(self.findings),
            "suppressed": len(self.suppressed),
            "baselined": len(self.baselined),
            "fixed": len(self.fixed),
        }
