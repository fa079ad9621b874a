"""`nolegacyruns merge`: the JSON or SARIF reports of `check --shard K/N` jobs, as one report.

Every shard of a sharded check must be there exactly once (a missing shard would pass its files
unchecked); reports without shard information are merged as they are.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from ..errors import UsageError
from ..safe_files import MAX_DATA_BYTES, read_regular
from .json_format import JSON_VERSION
from .sarif import SARIF_VERSION

JSON, SARIF = "json", "sarif"
_NAMES = {JSON: "JSON report", SARIF: "SARIF log"}
_TYPE_NAMES = {str: "string", int: "integer", list: "list"}
_SUMMARY_KEYS = ("files_scanned", "files_skipped", "findings", "suppressed", "baselined", "fixed")


@dataclass(frozen=True, slots=True)
class Merged:
    """The combined document, its format, and the exit status of the combined check."""

    document: dict[str, Any]
    format: str
    exit_code: int

    def text(self) -> str:
        return json.dumps(self.document, indent=2, ensure_ascii=False) + "\n"


def merge_reports(paths: Sequence[Path]) -> Merged:
    """Read and combine reports; raise UsageError naming every problem."""
    documents, problems = [], []
    for path in paths:
        try:
            document = _read_report(path)
        except UsageError as error:
            problems += error.problems
            continue
        kind = _kind(document)
        if kind is None:
            problems.append(f"{path}: neither a nolegacyruns JSON report (version {JSON_VERSION}) nor a SARIF log")
            continue
        problem = _json_shape(document) if kind == JSON else _sarif_shape(document["runs"][0])
        if problem is not None:
            problems.append(f"{path}: not a {_NAMES[kind]} as `check` writes it: {problem}")
            continue
        documents.append((path, kind, document))
    kinds = {kind for _, kind, _ in documents}
    if len(kinds) > 1:
        problems.append("reports of different formats: merge JSON reports or SARIF logs, not both")
    if not problems:
        problems += _shard_problems([(path, _shard_of(kind, document)) for path, kind, document in documents])
    if problems:
        raise UsageError(problems)
    if kinds == {JSON}:
        return _merge_json([document for _, _, document in documents])
    return _merge_sarif([document for _, _, document in documents])


def _read_report(path: Path) -> Any:
    """A report's JSON, read as the baseline is: a regular file of bounded size (a FIFO would block)."""
    data = read_regular(path, MAX_DATA_BYTES, "the report")
    try:
        return json.loads(data.decode("utf-8"))
    except RecursionError:
        raise UsageError(f"{path}: not a JSON document: nested too deeply") from None
    except ValueError as exc:  # invalid JSON or UTF-8, an integer of thousands of digits
        raise UsageError(f"{path}: not a JSON document: {exc}") from None


def _kind(document: Any) -> str | None:
    if not isinstance(document, dict):
        return None
    if document.get("version") == SARIF_VERSION and isinstance(document.get("runs"), list):
        runs = document["runs"]
        if len(runs) == 1 and isinstance(runs[0], dict) and isinstance(runs[0].get("results"), list):
            return SARIF
        return None
    fields = ("findings", "summary", "fixed", "errors")
    if document.get("version") == JSON_VERSION and all(key in document for key in fields):
        return JSON
    return None


def _list_of_objects(value: Any, name: str, fields: dict[str, type]) -> str | None:
    """Why value is no list of objects whose fields (when present) have these types, or None."""
    if not isinstance(value, list):
        return f"{name} is no list"
    for position, item in enumerate(value):
        if not isinstance(item, dict):
            return f"{name}[{position}] is no object"
        for field, kind in fields.items():
            if field in item and not isinstance(item[field], kind):
                return f"{name}[{position}].{field} is no {_TYPE_NAMES[kind]}"
    return None


def _json_shape(document: dict[str, Any]) -> str | None:
    """Why a JSON report cannot be merged (a field of the wrong type), or None."""
    summary = document["summary"]
    if not isinstance(summary, dict):
        return "summary is no object"
    wrong = [key for key in _SUMMARY_KEYS if key in summary and type(summary[key]) is not int]
    if wrong:
        return f"summary.{wrong[0]} is no integer"
    if not isinstance(document["fixed"], list):
        return "fixed is no list"
    place = {"path": str, "line": int, "column": int, "rule": str}
    return _list_of_objects(document["findings"], "findings", place) or _list_of_objects(
        document["errors"], "errors", {"path": str}
    )


def _sarif_shape(run: dict[str, Any]) -> str | None:
    """Why a SARIF log's run cannot be merged, or None."""
    tool = run.get("tool")
    if not isinstance(tool, dict) or not isinstance(tool.get("driver"), dict):
        return "runs[0].tool.driver is no object"
    return (
        _list_of_objects(tool["driver"].get("rules", []), "runs[0].tool.driver.rules", {"id": str})
        or _list_of_objects(run["results"], "runs[0].results", {"ruleId": str})
        or _list_of_objects(
            run.get("invocations", []), "runs[0].invocations", {"exitCode": int, "toolExecutionNotifications": list}
        )
    )


def _shard_of(kind: str, document: dict[str, Any]) -> tuple[int, int] | None:
    holder = document if kind == JSON else document["runs"][0].get("properties", {})
    shard = holder.get("shard") if isinstance(holder, dict) else None
    if isinstance(shard, dict) and isinstance(shard.get("index"), int) and isinstance(shard.get("count"), int):
        return shard["index"], shard["count"]
    return None


def _shard_problems(shards: list[tuple[Path, tuple[int, int] | None]]) -> list[str]:
    """A sharded check merges only whole: each shard 1..N once, all of the same N."""
    sharded = [(path, shard) for path, shard in shards if shard is not None]
    if not sharded:
        return []
    if len(sharded) != len(shards):
        plain = ", ".join(str(path) for path, shard in shards if shard is None)
        return [f"{plain}: not from a sharded check (no shard), unlike the other reports"]
    counts = {count for _, (_, count) in sharded}
    if len(counts) > 1:
        return [f"shards of different counts ({', '.join(f'/{n}' for n in sorted(counts))}): one check, one N"]
    (count,) = counts
    seen: dict[int, Path] = {}
    problems = []
    for path, (index, _) in sharded:
        if index in seen:
            problems.append(f"{path}: shard {index}/{count} is also {seen[index]}")
        seen[index] = path
    missing = [f"{index}/{count}" for index in range(1, count + 1) if index not in seen]
    if missing:
        problems.append(f"missing shard {', '.join(missing)}: its files would go unchecked")
    return problems


def _merge_json(documents: list[dict[str, Any]]) -> Merged:
    findings = sorted(
        (finding for document in documents for finding in document["findings"]),
        key=lambda f: (f.get("path", ""), f.get("line", 0), f.get("column", 0), f.get("rule", "")),
    )
    # A baseline entry for a file gone from the tree is fixed in every shard: once here.
    fixed = _unique(entry for document in documents for entry in document["fixed"])
    errors = sorted((error for document in documents for error in document["errors"]), key=lambda e: e.get("path", ""))
    summary = {key: sum(int(document["summary"].get(key, 0)) for document in documents) for key in _SUMMARY_KEYS}
    summary["findings"], summary["fixed"] = len(findings), len(fixed)
    document = {"version": JSON_VERSION, "findings": findings, "summary": summary, "fixed": fixed, "errors": errors}
    failed = bool(errors) or any(finding.get("severity") == "error" for finding in findings)
    return Merged(document, JSON, 1 if failed else 0)


def _unique(items: Any) -> list[Any]:
    return list({json.dumps(item, sort_keys=True): item for item in items}.values())


def _sarif_place(result: dict[str, Any]) -> tuple[str, int, int, str]:
    """Where a result points, in the order a whole check lists its findings."""
    try:
        physical = result["locations"][0]["physicalLocation"]
        region = physical.get("region", {})
        uri = unquote(physical["artifactLocation"]["uri"], errors="surrogateescape")
        return uri, int(region.get("startLine", 0)), int(region.get("startColumn", 0)), str(result.get("ruleId", ""))
    except (KeyError, IndexError, TypeError, ValueError):
        return "", 0, 0, str(result.get("ruleId", ""))


def _merge_sarif(documents: list[dict[str, Any]]) -> Merged:
    runs = [document["runs"][0] for document in documents]
    rules: dict[str, Any] = {}
    for run in runs:
        for rule in run.get("tool", {}).get("driver", {}).get("rules", []):
            rules.setdefault(rule.get("id"), rule)
    order = sorted(rules, key=str)
    index = {rule_id: position for position, rule_id in enumerate(order)}
    results = []
    for run in runs:
        for result in run["results"]:
            result = dict(result)
            if result.get("ruleId") in index:
                result["ruleIndex"] = index[result["ruleId"]]
            results.append(result)
    results.sort(key=_sarif_place)
    invocations = [invocation for run in runs for invocation in run.get("invocations", [])]
    exit_code = max((int(invocation.get("exitCode", 0)) for invocation in invocations), default=0)
    merged = {key: value for key, value in runs[0].items() if key != "properties"}
    merged["tool"] = {**runs[0]["tool"], "driver": {**runs[0]["tool"]["driver"], "rules": [rules[r] for r in order]}}
    merged["results"] = results
    merged["invocations"] = [
        {
            "executionSuccessful": all(invocation.get("executionSuccessful", True) for invocation in invocations),
            "exitCode": exit_code,
            "toolExecutionNotifications": [
                note for invocation in invocations for note in invocation.get("toolExecutionNotifications", [])
            ],
        }
    ]
    document = {key: value for key, value in documents[0].items() if key != "runs"}
    document["runs"] = [merged]
    return Merged(document, SARIF, exit_code)
