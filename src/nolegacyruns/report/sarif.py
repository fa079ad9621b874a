"""SARIF 2.1.0 for code scanning: rule metadata from the rule docs, root-relative locations, suppressions."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .._version import __version__
from ..findings import Finding, Fix, Severity, Suppression, SuppressionKind

if TYPE_CHECKING:
    from ..rules.pack import Rule
    from .model import Report

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
ROOT_ID = "%SRCROOT%"
FINGERPRINT_KEY = "nolegacyruns/v1"
_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


def _flat(text: str) -> str:
    return " ".join(text.split())


def _rule(rule: Rule) -> dict[str, Any]:
    what = _flat(rule.docs["what-it-does"])
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": _SENTENCE_END.split(what, 1)[0]},
        "fullDescription": {"text": f"{what} {_flat(rule.docs['why-is-this-bad'])}"},
        "help": {"text": rule.documentation(), "markdown": rule.documentation()},
        "defaultConfiguration": {"level": _LEVELS[rule.severity]},
        "properties": {"tags": [rule.kind.value]},
    }


def _location(path: str, finding: Finding | None = None) -> dict[str, Any]:
    physical: dict[str, Any] = {
        "artifactLocation": {"uri": quote(path, errors="surrogateescape"), "uriBaseId": ROOT_ID}
    }
    if finding is not None:
        physical["region"] = {
            "startLine": finding.line,
            "startColumn": finding.column,
            "endLine": finding.end_line,
            "endColumn": finding.end_column,
        }
    return {"physicalLocation": physical}


def _fix(finding: Finding, fix: Fix) -> dict[str, Any]:
    """The finding's replacement as a SARIF fix: its token's region deleted, the replacement inserted."""
    region = _location(finding.path, finding)["physicalLocation"]
    return {
        "description": {"text": f"Replace `{finding.token}` with `{fix.replacement}`"},
        "artifactChanges": [
            {
                "artifactLocation": region["artifactLocation"],
                "replacements": [{"deletedRegion": region["region"], "insertedContent": {"text": fix.replacement}}],
            }
        ],
        "properties": {"applicability": fix.applicability.value},
    }


def _suppression(suppression: Suppression) -> dict[str, str]:
    """An inline directive is `inSource`; a config `allow` entry or the baseline is `external`."""
    kind = "inSource" if suppression.kind.in_source else "external"
    return {"kind": kind, "status": "accepted", "justification": suppression.justification}


def _result(finding: Finding, index: int, report: Report, baselined: bool) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": index,
        "level": _LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [_location(finding.path, finding)],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
    }
    if finding.fix is not None and finding.suppressed_by is None and not baselined:
        result["fixes"] = [
            _fix(finding, finding.fix)
        ]  # what `nolegacyruns fix` would apply (unsafe: with --unsafe-fixes)
    if finding.suppressed_by is not None:
        result["suppressions"] = [_suppression(finding.suppressed_by)]
    elif baselined:
        name = report.baseline.name if report.baseline else report.config.baseline
        result["suppressions"] = [_suppression(Suppression(SuppressionKind.BASELINE, "", name))]
    if report.baseline is not None and finding.suppressed_by is None:
        result["baselineState"] = "unchanged" if baselined else "new"
    return result


def sarif_document(report: Report) -> dict[str, Any]:
    """Build the SARIF log of one run as a dict."""
    known = set(report.baselined)
    shown = sorted([*report.findings, *report.baselined, *report.suppressed])
    rule_ids = sorted(set(report.ruleset.rules) | {f.rule for f in shown})
    rules = [report.ruleset.get(rule_id) for rule_id in rule_ids]
    index = {rule_id: position for position, rule_id in enumerate(rule_ids)}
    root_uri = report.root.as_uri()
    notifications = [
        {"level": "error", "message": {"text": f"{result.path}: {result.error}"}, "locations": [_location(result.path)]}
        for result in report.errors
    ]
    run = {
        "tool": {
            "driver": {
                "name": "nolegacyruns",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [_rule(r) for r in rules],
            }
        },
        "originalUriBaseIds": {
            ROOT_ID: {
                "uri": root_uri if root_uri.endswith("/") else root_uri + "/",
                "description": {"text": "The project root: the folder holding the nolegacyruns configuration."},
            }
        },
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, index[f.rule], report, f in known) for f in shown],
        "invocations": [
            {"executionSuccessful": True, "exitCode": report.exit_code, "toolExecutionNotifications": notifications}
        ],
    }
    if report.shard is not None:
        run["properties"] = {"shard": {"index": report.shard.index, "count": report.shard.count}}
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def format_sarif(report: Report, color: bool = False) -> str:
    return json.dumps(sarif_document(report), indent=2, ensure_ascii=False) + "\n"
