"""GitLab Code Quality: a JSON list of issues with stable, content-based fingerprints."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from ..findings import Finding, Severity
from ._paths import workspace_path

if TYPE_CHECKING:
    from .model import Report

WORKSPACE_VARIABLE = "CI_PROJECT_DIR"
_SEVERITIES = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


def _issue(finding: Finding, report: Report) -> dict[str, Any]:
    return {
        "type": "issue",
        "check_name": finding.rule,
        "description": f"{finding.rule} {finding.message}",
        "categories": ["Bug Risk"],
        "severity": _SEVERITIES[finding.severity],
        "fingerprint": finding.fingerprint,
        "location": {
            "path": workspace_path(report.root, finding.path, WORKSPACE_VARIABLE),
            "lines": {"begin": finding.line, "end": finding.end_line},
        },
    }


def _error_issue(path: str, error: str, report: Report) -> dict[str, Any]:
    return {
        "type": "issue",
        "check_name": "nolegacyruns-unreadable-file",
        "description": f"nolegacyruns could not check this file: {error}",
        "categories": ["Bug Risk"],
        "severity": "critical",
        "fingerprint": hashlib.sha256(f"unreadable\x1f{path}".encode("utf-8", "surrogateescape")).hexdigest()[:20],
        "location": {"path": workspace_path(report.root, path, WORKSPACE_VARIABLE), "lines": {"begin": 1}},
    }


def format_gitlab(report: Report, color: bool = False) -> str:
    issues = [_issue(f, report) for f in report.findings]
    issues += [_error_issue(r.path, str(r.error), report) for r in report.errors]
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
