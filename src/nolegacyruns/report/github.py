"""GitHub Actions workflow commands: one `::error file=…,line=…::message` annotation per finding."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..findings import Finding, Severity
from ._paths import workspace_path
from .text import summary_line

if TYPE_CHECKING:
    from .model import Report

WORKSPACE_VARIABLE = "GITHUB_WORKSPACE"
_COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """Escape a command's message as the runner unescapes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value: the message escapes plus `:` and `,`, which end a property."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(name: str, properties: dict[str, object], message: str) -> str:
    rendered = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"::{name} {rendered}::{escape_data(message)}"


def _annotation(finding: Finding, report: Report) -> str:
    properties: dict[str, object] = {
        "file": workspace_path(report.root, finding.path, WORKSPACE_VARIABLE),
        "line": finding.line,
    }
    # The runner accepts columns only on a single-line annotation.
    if finding.end_line == finding.line:
        properties |= {"col": finding.column, "endLine": finding.end_line, "endColumn": finding.end_column}
    else:
        properties["endLine"] = finding.end_line
    properties["title"] = finding.rule
    return _command(_COMMANDS[finding.severity], properties, f"{finding.message} ({finding.name})")


def format_github(report: Report, color: bool = False) -> str:
    lines = [_annotation(f, report) for f in report.findings]
    lines += [
        _command(
            "error",
            {"file": workspace_path(report.root, r.path, WORKSPACE_VARIABLE), "title": "nolegacyruns"},
            str(r.error),
        )
        for r in report.errors
    ]
    verdict = "FAILED" if report.failed else "passed"
    lines.append(f"nolegacyruns {verdict}: {summary_line(report)}")
    return "\n".join(lines) + "\n"
