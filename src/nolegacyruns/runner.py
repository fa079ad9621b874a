"""Run a check over a project: configuration, scope, per-file checks, one Report."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .config import Config, load_config
from .discovery import Scope, discover, select_named_files
from .engine import check_files
from .errors import UsageError
from .findings import FileResult, Finding, Severity
from .ruleset import RuleSet, build_ruleset


@dataclass(slots=True)
class Report:
    """Everything one check found, with the numbers of its summary line."""

    config: Config
    ruleset: RuleSet
    results: list[FileResult]
    scope: Scope
    baselined: list[Finding] = field(default_factory=list)
    fixed: list[dict[str, object]] = field(default_factory=list)

    @property
    def root(self) -> Path:
        return self.config.root

    @property
    def findings(self) -> list[Finding]:
        """Findings that count (not suppressed, not in the baseline), sorted."""
        return sorted(f for result in self.results for f in result.active)

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
    def files_with_findings(self) -> int:
        return len({f.path for f in self.findings})

    @property
    def failed(self) -> bool:
        return bool(self.errors) or any(f.severity is Severity.ERROR for f in self.findings)

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0

    def summary(self) -> dict[str, int]:
        return {
            "files_scanned": self.files_scanned,
            "files_skipped": self.files_skipped,
            "findings": len(self.findings),
            "suppressed": len(self.suppressed),
        }


def resolve_targets(targets: Sequence[Path], cwd: Path | None = None) -> tuple[Config, list[Path], list[Path]]:
    """Split command-line targets into (config, folders, files); all must belong to one project."""
    cwd = (cwd or Path.cwd()).resolve()
    missing = [str(t) for t in targets if not t.exists()]
    if missing:
        raise UsageError([f"{name}: no such file or directory" for name in missing])
    folders = [t.resolve() for t in targets if t.is_dir()]
    files = [t.resolve() for t in targets if not t.is_dir()]
    config = load_config(folders[0] if folders else cwd)
    return config, folders, files


def scope_for(config: Config, folders: Iterable[Path], files: Sequence[Path]) -> Scope:
    """The files a check reads: named files (filtered), or the configured scope below folders."""
    folders = list(folders)
    if files and not folders:
        return select_named_files(config, files)
    scope = discover(config, [f for f in folders if f != config.root])
    if files:
        named = select_named_files(config, files)
        scope.files = sorted(set(scope.files) | set(named.files))
        scope.left_out += named.left_out
    return scope


def empty_scope_problem(config: Config) -> str:
    return (
        f"{config.root}: no file to check under paths {list(config.paths)} "
        f"({config.label}); a guard that checks nothing must not pass. Set `paths` to your source folders."
    )


def run(config: Config, folders: Sequence[Path] = (), files: Sequence[Path] = ()) -> Report:
    """Check the configured scope below folders, or the named files; raise UsageError on bad input."""
    ruleset = build_ruleset(config)
    scope = scope_for(config, folders, files)
    if not files and not scope.files:
        raise UsageError(empty_scope_problem(config))
    results = check_files(config.root, scope.files, ruleset, config)
    return Report(config, ruleset, results, scope)


def check(root: str | Path = ".", *, files: Sequence[str | Path] = ()) -> Report:
    """Check a project (or the named files of it) and return the Report; raise UsageError on bad input."""
    config, folders, _ = resolve_targets([Path(root)])
    named = [Path(f) if Path(f).is_absolute() else config.root / f for f in files]
    return run(config, [] if named else folders, named)
