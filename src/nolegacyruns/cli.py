"""The command line: a thin click layer over the project run, rule packs, their examples and reports."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ._version import __version__
from .api import Target, baseline_for, resolve_targets, run, run_fix, scope_for
from .config.loading import Config, load_config
from .config.selection import build_ruleset
from .config.starter import PYPROJECT, write_starter
from .errors import UsageError
from .exits import EXIT_CLEAN, EXIT_FINDINGS, guarded
from .replay import recorder as replay
from .report import FORMATS, summary_line
from .report.baseline import entry_for, load_baseline, write_baseline
from .report.model import Report
from .rules.pack import bundled_pack_files, load_rules, pack_files
from .rules.ruleset import RuleSet
from .safe_files import MAX_DATA_BYTES, atomic_write, confined
from .scan.cache import CACHE_DIR_NAME, CACHE_ENV, ResultCache, cache_dir_for
from .scan.progress import Progress, wants_progress
from .scope.diff import ChangedLines, changed_lines, git_changed_lines, read_diff
from .scope.discovery import files_outside_paths
from .scope.filters import OUTSIDE
from .scope.shard import Shard

if TYPE_CHECKING:
    from .fixing import Fixed, FixOptions

# Formats whose reports can follow one another; the others are one document each.
STREAM_FORMATS = frozenset({"text", "github"})


def use_color(stream: Any) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set."""
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="nolegacyruns")
def main() -> None:
    """Fail when legacy run tables, models, columns, run types or URLs come back."""
    # A file name that is not valid UTF-8 reaches reports as surrogates; print it escaped, never crash.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


@main.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(list(FORMATS)),
    default="text",
    show_default=True,
    help="Report format.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to FILE; a one-line summary still goes to the terminal.",
)
@click.option(
    "--list-files", is_flag=True, help="Print the files in scope and why each other file is left out; check nothing."
)
@click.option(
    "--baseline",
    "baseline_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Baseline file to read (default: the configured one, when it exists).",
)
@click.option("--no-baseline", is_flag=True, help="Report every finding, ignoring the baseline.")
@click.option(
    "--diff",
    "diff_file",
    metavar="FILE",
    help="Report only findings on lines a unified diff adds (`-` reads standard input).",
)
@click.option(
    "--changed-since", metavar="REF", help="Report only findings on lines changed since REF (`git diff REF`)."
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    help="Worker processes (default: the CPUs this process may use, for large trees). Results are the same for any N.",
)
@click.option("--no-cache", is_flag=True, help="Read and check every file; neither read nor write the cache.")
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help=f"Keep the cache in DIR (default: ${CACHE_ENV}, else {CACHE_DIR_NAME}/ in the project).",
)
@click.option(
    "--shard",
    "shard_spec",
    metavar="K/N",
    help="Check only shard K of N (a share of the files fixed by their paths); `merge` joins the N reports.",
)
@click.option("--fix", "apply_fixes", is_flag=True, help="Apply the safe fixes first (as `nolegacyruns fix`).")
@click.option("--unsafe-fixes", is_flag=True, help="With --fix: apply the unsafe fixes too.")
@click.option("--quiet", "-q", is_flag=True, help="No progress line on the terminal while checking.")
@guarded
def check_command(
    paths: Sequence[Path],
    output_format: str,
    output: Path | None,
    list_files: bool,
    baseline_file: Path | None,
    no_baseline: bool,
    diff_file: str | None,
    changed_since: str | None,
    jobs: int | None,
    no_cache: bool,
    cache_dir: Path | None,
    shard_spec: str | None,
    apply_fixes: bool,
    unsafe_fixes: bool,
    quiet: bool,
) -> None:
    """Check the project (or the named files and folders) for legacy run tokens.

    A folder argument is searched upward for configuration; only in-scope files below it are
    checked. File arguments (as pre-commit passes them) are checked only when they are in scope
    of their own project (the nearest configuration above each); a batch of files with none in
    scope passes quietly. Paths of several projects are checked one project after another.
    """
    if baseline_file is not None and no_baseline:
        raise UsageError("--baseline and --no-baseline exclude each other")
    if diff_file is not None and changed_since is not None:
        raise UsageError("--diff and --changed-since exclude each other")
    if unsafe_fixes and not apply_fixes:
        raise UsageError("--unsafe-fixes applies fixes: add --fix (or run `nolegacyruns fix --unsafe-fixes`)")
    if apply_fixes and (list_files or shard_spec is not None):
        raise UsageError("--fix fixes the whole check: not with --list-files or --shard")
    targets = resolve_targets(list(paths))
    roots = [target.config.root for target in targets]
    if len(targets) > 1 and baseline_file is not None:
        raise UsageError(f"--baseline {baseline_file}: one baseline file serves one project; {_several(roots)}")
    if list_files:
        _list_files(targets, output_format)
        return
    stdin = _read_stdin_diff() if diff_file == "-" else None
    choice: bool | Path = False if no_baseline else (baseline_file or True)
    if no_cache and cache_dir is not None:
        raise UsageError("--cache-dir and --no-cache exclude each other")
    shard = Shard.parse(shard_spec) if shard_spec is not None else None

    caches: list[ResultCache] = []

    def cache(config: Config) -> ResultCache | None:
        if no_cache:
            return None
        caches.append(ResultCache.open(cache_dir_for(config.root, cache_dir), config))
        return caches[-1]

    progress = Progress(sys.stderr) if wants_progress(sys.stderr, quiet) else None
    fixing = None
    if apply_fixes:
        from .fixing import FixOptions  # a check that fixes nothing never loads the fixer

        fixing = FixOptions(unsafe=unsafe_fixes)
    checked = _check_each(
        targets,
        choice,
        lambda root: _changed(root, diff_file, stdin, changed_since),
        cache,
        shard,
        progress,
        jobs,
        fixing,
    )
    # What --fix did goes before the report (on stderr when the report is a document or a file).
    fixes = [fixed for _, _, fixed in checked if fixed is not None]
    _echo_fixes(fixes, to_stderr=output_format != "text" or output is not None)
    # A pre-commit batch with nothing of a project in scope says nothing about that project.
    reports = [report for target, report, _ in checked if report.results or not target.named_files_only]
    if not reports:
        if output_format == "text" and output is None:
            sys.exit(EXIT_CLEAN)  # a pre-commit batch with nothing in scope: quiet
        reports = [checked[0][1]]
    if len(reports) > 1 and output_format not in STREAM_FORMATS:
        raise UsageError(
            f"--format {output_format} writes one document for one project; {_several([r.root for r in reports])}"
        )
    if output is None and fixing is None and diff_file is None and changed_since is None:
        replay.allow(caches)  # a check that writes nothing but its report and reads no diff
    emit(reports, output_format, output)
    lost = [result.path for report in reports for result in report.results if result.lost]
    if lost:
        click.echo(
            f"nolegacyruns: internal error: the check of {', '.join(lost)} was lost (its worker process died twice); "
            "the other files' results are complete",
            err=True,
        )
    sys.exit(max([report.exit_code for report in reports] + [fixed.exit_code for fixed in fixes]))


def _echo_fixes(fixes: Sequence[Fixed], *, to_stderr: bool = False) -> None:
    """What each fix run did, a line a file; nothing when there was nothing to fix."""
    for fixed in fixes:
        lines = fixed.lines()
        if lines:
            click.echo("\n".join(lines), err=to_stderr)


def _read_stdin_diff() -> str:
    if sys.stdin is None:  # `<&-`
        raise UsageError("--diff -: standard input is closed; pass the diff on it or name a file")
    data = sys.stdin.buffer.read(MAX_DATA_BYTES + 1)
    if len(data) > MAX_DATA_BYTES:
        raise UsageError(f"--diff -: the diff on standard input is larger than {MAX_DATA_BYTES:,} bytes; not read")
    return data.decode("utf-8", errors="replace")


def _changed(root: Path, diff_file: str | None, stdin: str | None, changed_since: str | None) -> ChangedLines | None:
    """The lines of one project that --diff or --changed-since keeps, or None to keep every line."""
    if diff_file is not None:
        return changed_lines(read_diff(diff_file, stdin), root, [root, Path.cwd()], source=f"--diff {diff_file}")
    if changed_since is not None:
        return git_changed_lines(root, changed_since)
    return None


def _check_each(
    targets: Sequence[Target],
    choice: bool | Path,
    changed: Callable[[Path], ChangedLines | None],
    cache: Callable[[Config], ResultCache | None] = lambda _config: None,
    shard: Shard | None = None,
    progress: Progress | None = None,
    jobs: int | None = None,
    fixing: FixOptions | None = None,
) -> list[tuple[Target, Report, Fixed | None]]:
    """Check (with `fixing`: fix, then check) each project in turn; usage problems are raised together.

    Each project's report is what is left; the problems of all of them come before any output.
    """
    checked: list[tuple[Target, Report, Fixed | None]] = []
    problems = []
    for target in targets:
        config = target.config
        try:
            checking: dict[str, Any] = {
                "baseline": baseline_for(config, choice),
                "changed": changed(config.root),
                "cache": cache(config),
                "shard": shard,
                "progress": progress,
                "jobs": jobs,
            }
            if fixing is None:
                checked.append((target, run(config, target.folders, target.files, **checking), None))
            else:
                fixed = run_fix(config, target.folders, target.files, fixing, **checking)
                checked.append((target, fixed.report, fixed))
        except UsageError as error:
            problems += error.problems
    if problems:
        raise UsageError(list(dict.fromkeys(problems)))
    return checked


def _several(roots: Sequence[Path]) -> str:
    return f"the paths are in {len(roots)} projects ({', '.join(map(str, roots))}): check each on its own"


def _list_files(targets: Sequence[Target], output_format: str) -> None:
    """Print each project's files in scope and the reasons for the rest."""
    from .report.file_list import format_file_list  # only --list-files prints it

    as_json = output_format == "json"
    if len(targets) > 1 and as_json:
        roots = [target.config.root for target in targets]
        raise UsageError(f"--list-files --format json writes one document for one project; {_several(roots)}")
    for target in targets:
        config = target.config
        scope = scope_for(config, target.folders, target.files, explain=True)
        whole = not target.folders and not target.files
        outside = [(path, OUTSIDE) for path in files_outside_paths(config)] if whole else []
        if len(targets) > 1:
            click.echo(project_heading(config.root))
        click.echo(format_file_list(scope, scope.left_out + outside, as_json=as_json), nl=False)


def project_heading(root: Path) -> str:
    """The line above each project's report when one check covers several projects."""
    try:
        relative = root.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return f"== project {root}/ =="
    return f"== project {'.' if relative == '.' else relative}/ =="


def _tell_held_back(report: Report) -> None:
    """Note the safe fixes `fix` would hold back, so that the text hint counts only what it would fix."""
    findings = report.findings  # sorted on each read
    if any(finding.fix is not None and finding.fix.is_safe for finding in findings):
        from .fixing import held_back  # a dry run of the fixer, only when a safe fix is on offer

        report.held_back = held_back(report.root, findings)


def emit(reports: Sequence[Report], output_format: str, output: Path | None) -> None:
    """Write the reports to the terminal, or to a file with a summary line per project on the terminal."""
    color = use_color(sys.stdout) if output is None else False
    blocks = []
    for report in reports:
        heading = project_heading(report.root) + "\n" if len(reports) > 1 else ""
        if output_format == "text":
            _tell_held_back(report)
        blocks.append(heading + FORMATS[output_format](report, color))
    text = "\n".join(blocks)  # a blank line between projects
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        # A file name that is not UTF-8 is escaped, not a crash; JSON reads `\udcff` back as the same text.
        atomic_write(output, text.encode("utf-8", errors="backslashreplace"))
    except OSError as exc:
        raise UsageError(f"{output}: cannot write the report: {exc.strerror or exc}") from None
    for report in reports:
        verdict = "FAILED" if report.failed else "passed"
        click.echo(f"nolegacyruns {verdict}: {summary_line(report)} Report written to {output}.")


@main.command("fix")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--diff", "show_diff", is_flag=True, help="Print a unified diff of what would change; write nothing.")
@click.option("--unsafe-fixes", is_flag=True, help="Apply the unsafe fixes too (NLR001, NLR002: review them).")
@click.option("--select", "select", multiple=True, metavar="RULES", help="Fix only these rules (IDs or prefixes).")
@click.option("--ignore", "ignore", multiple=True, metavar="RULES", help="Do not fix these rules (IDs or prefixes).")
@click.option("--no-baseline", is_flag=True, help="Fix baselined findings too, and report every finding.")
@click.option("--no-cache", is_flag=True, help="Read and check every file; neither read nor write the cache.")
@click.option("--quiet", "-q", is_flag=True, help="No progress line on the terminal while checking.")
@guarded
def fix_command(
    paths: Sequence[Path],
    show_diff: bool,
    unsafe_fixes: bool,
    select: Sequence[str],
    ignore: Sequence[str],
    no_baseline: bool,
    no_cache: bool,
    quiet: bool,
) -> None:
    """Replace legacy spellings by their canonical ones where the check finds them, then report what is left.

    Safe fixes only, unless --unsafe-fixes. Only the tokens' characters change; a file is written (atomically)
    only when it changed. Suppressed, allowed and baselined findings are never touched. Exits as `check`
    would on what is left; 1 also when a file could not be fixed, or (with --diff) when there is a change.
    RULES may be given comma-separated or repeated.
    """
    from .fixing import FixOptions

    targets = resolve_targets(list(paths))
    options = FixOptions(unsafe_fixes, _rule_list(select), _rule_list(ignore), write=not show_diff)
    progress = Progress(sys.stderr) if wants_progress(sys.stderr, quiet) else None

    def cache(config: Config) -> ResultCache | None:
        return None if no_cache else ResultCache.open(cache_dir_for(config.root, None), config)

    checked = _check_each(targets, not no_baseline, lambda _root: None, cache, None, progress, None, options)
    # A pre-commit batch with nothing of a project in scope: quiet, as `check` is.
    shown = [fixed for target, report, fixed in checked if fixed and (report.results or not target.named_files_only)]
    blocks = []
    for fixed in shown:
        heading = project_heading(fixed.report.root) + "\n" if len(shown) > 1 else ""
        lines = "".join(f"{line}\n" for line in fixed.lines())
        if show_diff:  # the check before the fix would list what the diff removes: only the diff and the counts
            blocks.append(heading + "".join(file.diff() for file in fixed.files) + f"{lines}{fixed.summary()}\n")
            continue
        _tell_held_back(fixed.report)
        report = FORMATS["text"](fixed.report, use_color(sys.stdout))
        blocks.append(f"{heading}{lines}{report}{fixed.summary()}\n")
    click.echo("\n".join(blocks), nl=False)
    sys.exit(max((fixed.exit_code for fixed in shown), default=EXIT_CLEAN))


def _rule_list(values: Sequence[str]) -> tuple[str, ...]:
    """`--select NLR003,NLR004 --select NLR1` -> the IDs and prefixes, upper-cased."""
    return tuple(part.strip().upper() for value in values for part in value.split(",") if part.strip())


@main.command("merge")
@click.argument("reports", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the merged report to FILE instead of standard output.",
)
@guarded
def merge_command(reports: Sequence[Path], output: Path | None) -> None:
    """Join the JSON or SARIF reports of `check --shard K/N` jobs into one; exit as the whole check would.

    Every shard must be there exactly once. The result has the format of the reports.
    """
    from .report.merge import merge_reports  # only this command reads reports back

    merged = merge_reports(reports)
    if output is None:
        click.echo(merged.text(), nl=False)
    else:
        try:  # in one step: a write that fails half-way leaves the previous file whole
            atomic_write(output, merged.text().encode("utf-8", errors="backslashreplace"))
        except OSError as exc:
            raise UsageError(f"{output}: cannot write the report: {exc.strerror or exc}") from None
        verdict = "FAILED" if merged.exit_code else "passed"
        click.echo(f"nolegacyruns {verdict}: {len(reports)} reports merged into {output}.")
    sys.exit(merged.exit_code)


@main.command("baseline")
@click.argument("project", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--baseline",
    "baseline_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Baseline file to write (default: the configured one).",
)
@click.option("--prune", is_flag=True, help="Only drop entries whose finding is gone; add no new finding.")
@guarded
def baseline_command(project: Path | None, baseline_file: Path | None, prune: bool) -> None:
    """Record the project's current findings, so `check` reports only new ones.

    Entries are keyed on rule, path, token and the line's text, never on line numbers, so they
    survive lines moving. `--prune` drops entries whose finding no longer exists.
    """
    config = load_config(project or Path.cwd())
    target = (
        confined(config.root, Path(os.path.abspath(baseline_file)), "--baseline")
        if baseline_file
        else config.root / config.baseline
    )
    if prune:
        if not target.is_file():
            raise UsageError(f"{target}: no baseline to prune; `nolegacyruns baseline` writes one")
        baseline = load_baseline(target)
        report = run(config, baseline=baseline)
        entries = baseline.without(report.fixed)
        write_baseline(target, entries)
        pruned = len(report.fixed)
        click.echo(f"Pruned {pruned} fixed entr{'ies' if pruned != 1 else 'y'} from {target}; {len(entries)} remain.")
        return
    report = run(config, baseline=None)
    entries = [entry_for(finding, config.root) for finding in report.findings]
    write_baseline(target, entries)
    click.echo(
        f"Wrote {len(entries)} finding{'s' * (len(entries) != 1)} to {target}; "
        "`nolegacyruns check` now reports only new ones."
    )


@main.command("init")
@click.option(
    "--file",
    "file_name",
    default=PYPROJECT,
    show_default=True,
    help="Where to write: pyproject.toml gets a [tool.nolegacyruns] section, any other name a whole file.",
)
@guarded
def init_command(file_name: str) -> None:
    """Write a commented starter configuration for this folder; never overwrite existing settings."""
    target, found = write_starter(Path.cwd(), file_name)
    click.echo(
        f"Wrote starter settings to {target} (paths: {', '.join(found)}). Review them, then run `nolegacyruns check`."
    )


@main.command("rules")
@guarded
def rules_command() -> None:
    """List every rule the project loads (bundled and configured packs)."""
    ruleset = build_ruleset(load_config(Path.cwd()))
    for rule in ruleset.all_rules.values():
        state = "" if ruleset.enabled(rule.id) else "  (disabled by select/ignore)"
        click.echo(f"{rule.id}  {rule.name:<32} {rule.severity.value:<8}{state}")


@main.command("explain")
@click.argument("rule_id")
@guarded
def explain_command(rule_id: str) -> None:
    """Print a rule's documentation: What it does, Why is this bad?, Example, Use instead."""
    ruleset = build_ruleset(load_config(Path.cwd()))
    wanted = rule_id.strip()
    for rule in ruleset.all_rules.values():
        if wanted.upper() == rule.id or wanted == rule.name:
            click.echo(rule.documentation(), nl=False)
            return
    raise UsageError(f"explain: unknown rule {rule_id!r}; `nolegacyruns rules` lists them")


@main.command("test-pack")
@click.argument("packs", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@guarded
def test_pack_command(packs: Sequence[Path]) -> None:
    """Run the examples of a rule pack (a TOML file, or a folder of them), loaded with the bundled packs.

    An INVALID example must be reported by its rule exactly where it expects, a VALID one must produce
    no finding of any rule, the docs' Example must produce its rule and Use instead no error finding.
    Exit 0 when every example holds, 1 naming each one that does not, 2 when a pack cannot be loaded.
    """
    from .testing import check_rule_examples, example_count  # loads the fixer, which a check never needs

    bundled = {_pack_identity(path): f"bundled pack {path.name}" for path in bundled_pack_files()}
    named = [path for location in packs for path in pack_files(location)]
    # A bundled pack named here (the checkout's copy of an installed one, too) is tested as the one
    # already loaded, not loaded twice.
    rules = load_rules([(path, str(path)) for path in named if _pack_identity(path) not in bundled])
    ruleset = RuleSet(rules)
    labels = {bundled.get(_pack_identity(path), str(path)) for path in named}
    tested = [rule for rule in rules if rule.source in labels]
    failures = [(rule.source, failure) for rule in tested for failure in check_rule_examples(rule, ruleset)]
    for label, failure in failures:
        click.echo(f"{label}: {failure}")
    examples = sum(example_count(rule) for rule in tested)
    counted = f"{examples} example{'s' * (examples != 1)} of {len(tested)} rule{'s' * (len(tested) != 1)}"
    if failures:
        click.echo(f"test-pack FAILED: {len(failures)} failing in {counted}.")
        sys.exit(EXIT_FINDINGS)
    click.echo(f"test-pack passed: {counted}.")


def _pack_identity(path: Path) -> tuple[str, bytes]:
    """A pack file by name and content: the same pack wherever it is installed."""
    try:
        return path.name, path.read_bytes()
    except OSError:
        return path.name, b""  # unreadable: load_rules reports it
