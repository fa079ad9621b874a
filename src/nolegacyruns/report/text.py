"""The text report: `path:line:col: ID message`, the source line with a caret underline, a summary."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..findings import Finding, Severity
from ..scan.source import source_of
from .printable import printable

if TYPE_CHECKING:
    from .model import Report

_SEVERITY_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}


def _style(text: str, color: bool, **styles: object) -> str:
    return click.style(text, **styles) if color else text  # type: ignore[arg-type]


def format_finding(finding: Finding, root: Path, color: bool) -> str:
    """Return one finding with its source line and a caret underline."""
    location = _style(f"{printable(finding.path)}:{finding.line}:{finding.column}:", color, bold=True)
    rule = _style(finding.rule, color, fg=_SEVERITY_COLOURS[finding.severity], bold=True)
    lines = [f"{location} {rule} {printable(finding.message)}"]
    source = source_of(root / finding.path)
    if source is not None and finding.line <= source.line_count:
        text = source.line_text(finding.line).expandtabs(1)
        gutter = f"{finding.line:>4} | "
        end = finding.end_column - 1 if finding.end_line == finding.line else len(text)
        # Escapes widen the line: the carets sit under the token as shown.
        before = len(printable(text[: finding.column - 1]))
        width = len(printable(text[finding.column - 1 : end]))
        carets = "^" * max(width, 1)
        lines.append(f"{gutter}{printable(text)}")
        lines.append(" " * (len(gutter) - 2) + "| " + " " * before + _style(carets, color, fg="red"))
    return "\n".join(lines)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' * (number != 1)}"


def _reasons(counts: dict[str, int]) -> str:
    return f" ({', '.join(f'{number} {reason}' for reason, number in counts.items())})" if counts else ""


def summary_line(report: Report) -> str:
    """One line: findings, files with findings, files scanned, files skipped (and the rest that applies)."""
    parts = [
        f"{_count(len(report.findings), 'finding')} in {_count(report.files_with_findings, 'file')}",
        f"{_count(report.files_scanned, 'file')} scanned",
        f"{report.files_skipped} skipped" + _reasons(report.skipped_by_reason),
        f"{len(report.suppressed)} suppressed",
    ]
    if report.baselined:
        parts.append(f"{len(report.baselined)} in baseline")
    if report.fixed:
        parts.append(f"{_count(len(report.fixed), 'baselined finding')} fixed")
    return "; ".join(parts) + "."


def fix_hint(findings: Sequence[Finding], held_back: frozenset[Finding] = frozenset()) -> str | None:
    """How many findings `nolegacyruns fix` would fix (and how many more with --unsafe-fixes), or None.

    `held_back`: findings whose safe fix `fix` would not apply (it would merge two names): not fixable.
    """
    safe = sum(1 for f in findings if f.fix is not None and f.fix.is_safe and f not in held_back)
    unsafe = sum(1 for f in findings if f.fix is not None and not f.fix.is_safe)
    held = sum(1 for f in findings if f in held_back)
    fixes = "safe fix" if held == 1 else "safe fixes"
    held_note = f" {held} {fixes} held back: `nolegacyruns fix` says why." if held else ""
    if safe:
        more = f" ({unsafe} more with `--unsafe-fixes`)" if unsafe else ""
        return f"{_count(safe, 'finding')} fixable with `nolegacyruns fix`{more}.{held_note}"
    if unsafe:
        them = "them" if unsafe > 1 else "it"
        return (
            f"{_count(unsafe, 'finding')} with an unsafe fix: `nolegacyruns fix --unsafe-fixes` applies {them}."
            + held_note
        )
    return held_note.lstrip() or None


def _fixed_block(report: Report) -> str:
    """Baselined findings that are gone, and how to drop them from the baseline."""
    lines = [f"{e.path}: baselined {e.rule} `{e.token}` no longer found (fixed): {e.line}" for e in report.fixed]
    where = report.baseline or report.root / report.config.baseline
    with contextlib.suppress(ValueError):
        where = where.resolve().relative_to(report.root)
    lines.append(
        f"`nolegacyruns baseline --prune` drops {'them' if len(report.fixed) > 1 else 'it'} from {where.as_posix()}."
    )
    return "\n".join(lines)


def format_text(report: Report, color: bool = False) -> str:
    blocks = [format_finding(f, report.root, color) for f in report.findings]
    blocks += [f"{result.path}: error: {result.error}" for result in report.errors]
    if report.fixed:
        blocks.append(_fixed_block(report))
    hint = fix_hint(report.findings, report.held_back)
    if hint is not None:
        blocks.append(hint)
    verdict = _style("FAILED" if report.failed else "passed", color, fg="red" if report.failed else "green", bold=True)
    body = "\n\n".join(blocks)
    return (body + "\n\n" if body else "") + f"nolegacyruns {verdict}: {summary_line(report)}\n"
