"""The command line: a thin click layer over runner, rule packs and reports."""
from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable, Sequence
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__
from .baseline import entry_for, load_baseline, write_baseline
from .config import load_config
from .diffscope import changed_lines, git_changed_lines, read_diff
from .discovery import OUTSIDE, files_outside_paths
from .errors import UsageError
from .report import FORMATS, summary_line
from .report.file_list import format_file_list
from .ruleset import build_ruleset
from .runner import Report, baseline_for, resolve_targets, run, scope_for
from .starter import PYPROJECT, write_starter

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
F = TypeVar("F", bound=Callable[..., Any])


def _fail_usage(error: UsageError) -> None:
    for problem in error.problems:
        click.echo(f"nolegacyruns: error: {problem}", err=True)
    sys.exit(EXIT_USAGE)


def guarded(command: F) -> F:
    """Turn bad input into exit 2 with one line per problem, and a crash into exit 3, never 0."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except UsageError as error:
            _fail_usage(error)
        except (click.exceptions.Exit, click.ClickException, SystemExit, KeyboardInterrupt):
            raise
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            if os.environ.get("NOLEGACYRUNS_DEBUG"):
                traceback.print_exc()
            click.echo(
                f"nolegacyruns: internal error: {type(exc).__name__}: {exc}\n"
                "This is a bug in nolegacyruns, not in your code. Please report it with the command you ran "
                "(set NOLEGACYRUNS_DEBUG=1 for the traceback).",
                err=True,
            )
            sys.exit(EXIT_INTERNAL)

    return wrapper  # type: ignore[return-value]


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


@main.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(list(FORMATS)), default="text", show_default=True,
              help="Report format.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to FILE; a one-line summary still goes to the terminal.")
@click.option("--list-files", is_flag=True, help="Print the files in scope and why each other file is left out; check nothing.")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Baseline file to read (default: the configured one, when it exists).")
@click.option("--no-baseline", is_flag=True, help="Report every finding, ignoring the baseline.")
@click.option("--diff", "diff_file", metavar="FILE", help="Report only findings on lines a unified diff adds (`-` reads standard input).")
@click.option("--changed-since", metavar="REF", help="Report only findings on lines changed since REF (`git diff REF`).")
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
) -> None:
    """Check the project (or the named files and folders) for legacy run tokens.

    A folder argument is searched upward for configuration; only in-scope files below it are
    checked. File arguments (as pre-commit passes them) are checked only when they are in scope;
    a batch of files with none in scope passes quietly.
    """
    if baseline_file is not None and no_baseline:
        raise UsageError("--baseline and --no-baseline exclude each other")
    if diff_file is not None and changed_since is not None:
        raise UsageError("--diff and --changed-since exclude each other")
    config, folders, files = resolve_targets(list(paths))
    if list_files:
        scope = scope_for(config, folders, files)
        outside = [] if folders or files else [(path, OUTSIDE) for path in files_outside_paths(config)]
        click.echo(format_file_list(scope, scope.left_out + outside, as_json=output_format == "json"), nl=False)
        return
    changed = None
    if diff_file is not None:
        stdin = sys.stdin.buffer.read().decode("utf-8", errors="replace") if diff_file == "-" else None
        changed = changed_lines(read_diff(diff_file, stdin), config.root, [config.root, Path.cwd()])
    elif changed_since is not None:
        changed = git_changed_lines(config.root, changed_since)
    choice: bool | Path = False if no_baseline else (baseline_file or True)
    report = run(config, folders, files, baseline=baseline_for(config, choice), changed=changed)
    if files and not folders and not report.results and output_format == "text" and output is None:
        sys.exit(EXIT_CLEAN)  # a pre-commit batch with nothing in scope: quiet
    emit(report, output_format, output)
    sys.exit(report.exit_code)


def emit(report: Report, output_format: str, output: Path | None) -> None:
    """Write the report to the terminal, or to a file with a summary line on the terminal."""
    if output is None:
        click.echo(FORMATS[output_format](report, use_color(sys.stdout)), nl=False)
        return
    text = FORMATS[output_format](report, False)
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{output}: cannot write the report: {exc.strerror or exc}") from None
    verdict = "FAILED" if report.failed else "passed"
    click.echo(f"nolegacyruns {verdict}: {summary_line(report)} Report written to {output}.")


@main.command("baseline")
@click.argument("project", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Baseline file to write (default: the configured one).")
@click.option("--prune", is_flag=True, help="Only drop entries whose finding is gone; add no new finding.")
@guarded
def baseline_command(project: Path | None, baseline_file: Path | None, prune: bool) -> None:
    """Record the project's current findings, so `check` reports only new ones.

    Entries are keyed on rule, path, token and the line's text, never on line numbers, so they
    survive lines moving. `--prune` drops entries whose finding no longer exists.
    """
    config = load_config(project or Path.cwd())
    target = baseline_file or config.root / config.baseline
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
    click.echo(f"Wrote {len(entries)} finding{'s' * (len(entries) != 1)} to {target}; `nolegacyruns check` now reports only new ones.")


@main.command("init")
@click.option("--file", "file_name", default=PYPROJECT, show_default=True,
              help="Where to write: pyproject.toml gets a [tool.nolegacyruns] section, any other name a whole file.")
@guarded
def init_command(file_name: str) -> None:
    """Write a commented starter configuration for this folder; never overwrite existing settings."""
    target, found = write_starter(Path.cwd(), file_name)
    click.echo(f"Wrote starter settings to {target} (paths: {', '.join(found)}). Review them, then run `nolegacyruns check`.")


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
