"""Run a check over a project (configuration, scope, per-file checks, one Report); the public `check()` and `fix()`."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config.loading import Config, load_config
from .config.selection import build_ruleset
from .errors import UsageError
from .report.baseline import Baseline, load_baseline
from .report.model import Report
from .safe_files import confined
from .scan.cache import ResultCache
from .scan.checking import check_scope
from .scan.progress import Progress
from .scope.diff import ChangedLines
from .scope.discovery import BINARY, Scope, discover, named_path, select_named_files
from .scope.shard import Shard

if TYPE_CHECKING:
    from .fixing import Fixed, FixOptions

BASELINE_FILE = "baseline file"
FIX_ROUNDS = 10


@dataclass(slots=True)
class Target:
    """One project's share of the command line: its settings, and the folders and files named in it."""

    config: Config
    folders: list[Path] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    @property
    def named_files_only(self) -> bool:
        return bool(self.files) and not self.folders


class _Projects:
    """The project each named path belongs to: the nearest configuration above it, loaded once per folder."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self._configs: dict[Path, Config] = {}

    def config_for(self, folder: Path) -> Config:
        if folder not in self._configs:
            self._configs[folder] = load_config(folder)
        return self._configs[folder]

    def config_for_file(self, path: Path, roots: Iterable[Path]) -> Config:
        """A file's project; without configuration above it, the enclosing folder argument's or the working folder's."""
        config = self.config_for(path.parent)
        if config.source is not None:
            return config
        here = self.config_for(self.cwd)
        enclosing = [root for root in (*roots, here.root) if root in path.parents]
        if not enclosing:
            raise UsageError(
                f"{path}: outside the project at {here.root} and under no nolegacyruns configuration; "
                "run the check from its project"
            )
        return self.config_for(max(enclosing, key=lambda root: len(root.parts)))


def resolve_targets(targets: Sequence[Path], cwd: Path | None = None) -> list[Target]:
    """Group command-line targets by the project each belongs to (its nearest configuration upward), by root.

    With no target, the project of the working folder. A folder with no configuration above it is
    its own project, as before; a file with none belongs to the folder argument or working folder
    that holds it.
    """
    cwd = (cwd or Path.cwd()).resolve()
    missing = [str(t) for t in targets if not os.path.lexists(t)]
    if missing:
        raise UsageError([f"{name}: no such file or directory" for name in missing])
    projects = _Projects(cwd)
    if not targets:
        return [Target(projects.config_for(cwd))]
    groups: dict[Path, Target] = {}
    folders = [t.resolve() for t in targets if t.is_dir()]
    for folder in folders:
        config = projects.config_for(folder)
        groups.setdefault(config.root, Target(config)).folders.append(folder)
    for name in (t for t in targets if not t.is_dir()):
        path = named_path(name)
        config = projects.config_for_file(path, list(groups))
        groups.setdefault(config.root, Target(config)).files.append(path)
    return [groups[root] for root in sorted(groups)]


def scope_for(
    config: Config, folders: Iterable[Path], files: Sequence[Path], *, sniff: bool = True, explain: bool = False
) -> Scope:
    """The files a check reads: named files (filtered), or the configured scope below folders.

    `sniff`: leave binary files out here; without it they are in, for the check to tell by their bytes.
    `explain`: list every file left out with its reason, ignored ones included (for --list-files).
    """
    folders = list(folders)
    if files and not folders:
        scope = select_named_files(config, files, sniff=sniff)
    else:
        scope = discover(config, [f for f in folders if f != config.root], sniff=sniff, explain=explain)
        if files:
            named = select_named_files(config, files, sniff=sniff)
            scope.files = sorted(set(scope.files) | set(named.files))
            scope.left_out += named.left_out
    _leave_out_baselines(config, scope, None)
    return scope


def empty_scope_problem(config: Config, folders: Iterable[Path] = ()) -> str:
    below = [folder.relative_to(config.root).as_posix() for folder in folders if folder != config.root]
    where = f" below {', '.join(below)}" if below else ""
    fix = (
        "`nolegacyruns check --list-files` says why each file is left out"
        if below
        else "Set `paths` to your source folders"
    )
    return (
        f"{config.root}: no file to check under paths {list(config.paths)} "
        f"({config.label}){where}; a guard that checks nothing must not pass. {fix}."
    )


def _leave_out_baselines(config: Config, scope: Scope, baseline: Baseline | None) -> None:
    """A baseline file quotes legacy lines; it is the guard's own data, never checked, whatever path reaches it."""
    own_paths = [config.root / config.baseline] + ([baseline.path] if baseline else [])
    own = {os.path.realpath(path) for path in own_paths}
    names = {path.name for path in own_paths}
    kept = []
    for relpath in scope.files:
        # Only a file of a baseline's name can be one (through a linked folder, say): resolve just those.
        if relpath.rsplit("/", 1)[-1] in names and os.path.realpath(config.root / relpath) in own:
            scope.left_out.append((relpath, BASELINE_FILE))
        else:
            kept.append(relpath)
    scope.files = kept


def _covers(config: Config, scope: Scope, folders: Sequence[Path], files: Sequence[Path]) -> Callable[[str], bool]:
    """Which baseline entries this check can call fixed: files it read, and files gone from its tree."""
    checked = set(scope.files)
    limits = [folder.resolve() for folder in folders if folder.resolve() != config.root]

    def covers(relpath: str) -> bool:
        if relpath in checked:
            return True
        absolute = config.root / relpath
        if files or absolute.exists():
            return False
        return not limits or any(limit in absolute.parents for limit in limits)

    return covers


def run(
    config: Config,
    folders: Sequence[Path] = (),
    files: Sequence[Path] = (),
    *,
    baseline: Baseline | None = None,
    changed: ChangedLines | None = None,
    cache: ResultCache | None = None,
    shard: Shard | None = None,
    progress: Progress | None = None,
    jobs: int | None = None,
) -> Report:
    """Check the configured scope below folders, or the named files; raise UsageError on bad input.

    With a baseline, findings it records are counted, not reported; with changed lines, only
    findings on those lines are reported (the baseline is matched first, on whole files). With a
    cache, unchanged files are not analysed again; with a shard, only its share of the files is checked.
    `jobs` worker processes check the files (default: the usable CPUs, for large trees).
    """
    ruleset = build_ruleset(config)
    # A diff check reads only changed files, so binary files are told apart first, for the empty-scope check.
    scope = scope_for(config, folders, files, sniff=changed is not None)
    if scope.problems:
        raise UsageError(scope.problems)
    _leave_out_baselines(config, scope, baseline)
    if not files and not scope.files:
        raise UsageError(empty_scope_problem(config, (folder.resolve() for folder in folders)))
    if changed is not None:
        scope.files = changed.restrict(scope.files)
    if shard is not None:
        scope.files = [relpath for relpath in scope.files if shard.holds(relpath)]
        scope.left_out = [(path, why) for path, why in scope.left_out if why != BINARY or shard.holds(path)]
    checked = check_scope(config.root, scope.files, ruleset, config, cache, progress, scope.stats, jobs)
    if checked.binary:
        binary = set(checked.binary)
        scope.files = [relpath for relpath in scope.files if relpath not in binary]
        scope.left_out += [(relpath, BINARY) for relpath in checked.binary]
        # Only binary files: nothing was checked. (A shard cannot tell; the others may hold text.)
        if not files and not scope.files and shard is None:
            raise UsageError(empty_scope_problem(config, (folder.resolve() for folder in folders)))
    results = checked.results
    report = Report(config, ruleset, results, scope, shard=shard)
    if baseline is not None:
        match = baseline.match(f for result in results for f in result.active)
        covers = _covers(config, scope, folders, files)
        report.baseline = baseline.path
        report.baselined = match.baselined
        report.fixed = [entry for entry in match.unmatched if covers(entry.path)]
    if changed is not None:
        report.results = changed.filter(results)
        report.baselined = [f for f in report.baselined if changed.keeps(f)]
    return report


def check(root: str | Path = ".", *, files: Sequence[str | Path] = (), baseline: bool | str | Path = True) -> Report:
    """Check a project (or the named files of it) and return the Report; raise UsageError on bad input.

    `baseline`: True reads the configured baseline file when it exists, False ignores it,
    a path reads that file.
    """
    [target] = resolve_targets([Path(root)])
    config = target.config
    named = [Path(f) if Path(f).is_absolute() else config.root / f for f in files]
    return run(config, [] if named else target.folders, named, baseline=baseline_for(config, baseline))


def run_fix(
    config: Config, folders: Sequence[Path], files: Sequence[Path], options: FixOptions, **checking: Any
) -> Fixed:
    """Check, apply the wanted fixes of the findings that count, and check again for what is left.

    `checking` are `run`'s keyword arguments. Suppressed and baselined findings are never fixed; with
    `options.write` False (--diff) nothing is written and the report is the check before the fix.
    """
    from .fixing import FileFix, Fixed, fix_findings  # a check that fixes nothing never loads the fixer

    before = run(config, folders, files, **checking)
    known = sorted(before.ruleset.all_rules)
    unknown = [p for p in (*options.select, *options.ignore) if not any(rule_id.startswith(p) for rule_id in known)]
    if unknown:
        raise UsageError(
            [f"fix: unknown rule {p!r} in --select/--ignore; known rules: {', '.join(known)}" for p in unknown]
        )
    report, done = before, dict[str, FileFix]()
    todo = before.findings
    baseline = checking.get("baseline")
    own = [config.root / config.baseline] + ([baseline.path] if baseline is not None else [])
    # A fix can bring a token to light (a lexer reads the edited file differently): fix again, as ruff
    # does, so that one run leaves nothing a second run would change. Later rounds see only changed files.
    for _ in range(FIX_ROUNDS):
        fixed = fix_findings(config.root, todo, options, keep=own)
        for file in fixed:
            done[file.path] = done[file.path].then(file) if file.path in done else file
        changed = {file.path for file in fixed if file.changed}
        if not options.write or not changed:
            break
        report = run(config, folders, files, **checking)
        todo = [finding for finding in report.findings if finding.path in changed]
    return Fixed([done[path] for path in sorted(done)], report, options)


def fix(
    root: str | Path = ".",
    *,
    files: Sequence[str | Path] = (),
    baseline: bool | str | Path = True,
    unsafe: bool = False,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    write: bool = True,
) -> Fixed:
    """Apply the safe fixes (unsafe ones too with `unsafe`) of a project's findings; return what it did and left.

    `select`/`ignore`: rule IDs or prefixes whose fixes are applied or not. `write=False` changes no
    file: each FileFix then holds the bytes the fix would write (`FileFix.diff()`).
    """
    from .fixing import FixOptions

    [target] = resolve_targets([Path(root)])
    config = target.config
    named = [Path(f) if Path(f).is_absolute() else config.root / f for f in files]
    options = FixOptions(unsafe, tuple(select), tuple(ignore), write)
    return run_fix(config, [] if named else target.folders, named, options, baseline=baseline_for(config, baseline))


def baseline_for(config: Config, choice: bool | str | Path) -> Baseline | None:
    """The baseline a check uses: the configured file if present, a named file (which must exist), or none."""
    if choice is False:
        return None
    if choice is True:
        path = config.root / config.baseline
        return load_baseline(path) if path.is_file() else None
    return load_baseline(confined(config.root, Path(os.path.abspath(choice)), "--baseline"))
