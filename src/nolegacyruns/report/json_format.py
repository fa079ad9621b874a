"""The JSON report: a stable contract (version 1); later versions add fields, never rename.

Added since the first release: `summary.baselined`, `summary.fixed`, `fixed` (baseline entries
no finding matches any more), `errors` (files that could not be read), from `--shard K/N`,
`shard` (`{"index": K, "count": N}`), and a finding's `fix` (`{"replacement": …, "applicability":
"safe" | "unsafe"}`, or null: the text that replaces its token, from line:column to end_line:end_column).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..findings import Finding
    from .model import Report

JSON_VERSION = 1


def finding_dict(finding: Finding) -> dict[str, Any]:
    return {
        "rule": finding.rule,
        "name": finding.name,
        "path": finding.path,
        "line": finding.line,
        "column": finding.column,
        "end_line": finding.end_line,
        "end_column": finding.end_column,
        "message": finding.message,
        "severity": finding.severity.value,
        "token": finding.token,
        "fingerprint": finding.fingerprint,
        "fix": None
        if finding.fix is None
        else {"replacement": finding.fix.replacement, "applicability": finding.fix.applicability.value},
    }


def format_json(report: Report, color: bool = False) -> str:
    document = {
        "version": JSON_VERSION,
        "findings": [finding_dict(f) for f in report.findings],
        "summary": report.summary(),
        "fixed": [entry.as_dict() for entry in report.fixed],
        "errors": [{"path": result.path, "message": result.error} for result in report.errors],
    }
    if report.shard is not None:
        document["shard"] = {"index": report.shard.index, "count": report.shard.count}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
