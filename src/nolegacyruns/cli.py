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
from .config import load_config
from .errors import UsageError
from .report import FORMATS, summary_line
from .ruleset import build_ruleset
from .runner import Report, resolve_targets, run

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
@click.option("--format", "output_format", type=click.Choice(sorted(FORMATS)), default="text", show_default=True,
              help="Report format.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to FILE; a one-line summary still goes to the terminal.")
@guarded
def check_command(paths: Sequence[Path], output_format: str, output: Path | None) -> None:
    """Check the project (or the named files and folders) for legacy run tokens.

    A folder argument is searched upward for configuration; only in-scope files below it are
    checked. File arguments (as pre-commit passes them) are checked only when they are in scope.
    """
    report = run_check(paths)
    emit(report, output_format, output)
    sys.exit(report.exit_code)


def run_check(paths: Sequence[Path]) -> Report:
    return run(*resolve_targets(list(paths)))


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
