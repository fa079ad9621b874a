"""Hostile input to `merge`: reports are read as the baseline is, and its --output is written in one step.

Every bad report is exit 2 with one `nolegacyruns: error:` line naming it: never a hang, a memory
blow-up, exit 3 or a pass.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from cli_support import invoke
from hostile_support import make_project, one_error_line, run_check

_REPORT = {"version": 1, "findings": [], "summary": {"files_scanned": 1}, "fixed": [], "errors": []}
_SARIF_RUN = {"tool": {"driver": {"name": "nolegacyruns", "rules": []}}, "results": []}


def _finding(index: int) -> dict[str, object]:
    return {
        "rule": "NLR001",
        "path": f"app/m{index}.py",
        "line": 3,
        "column": 10,
        "message": "legacy run table",
        "severity": "error",
    }


def _json(**fields: object) -> str:
    return json.dumps({**_REPORT, **fields})


def _sarif(**run: object) -> str:
    return json.dumps({"version": "2.1.0", "runs": [{**_SARIF_RUN, **run}]})


def _limit_memory() -> None:
    # Before the fix, /dev/zero was read until memory ran out: bounded here so the test fails, not the machine.
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, resource.RLIM_INFINITY))


def test_a_fifo_report_is_refused_at_once(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    os.mkfifo(project / "shard.json")  # no writer: reading it would block for ever
    code, out, err = run_check(project, "merge", "shard.json", timeout=30)
    assert code == 2, out
    one_error_line(err, "shard.json", "not a regular file")


def test_dev_zero_is_refused_without_reading_it(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "nolegacyruns", "merge", "/dev/zero"],
        cwd=make_project(tmp_path),
        capture_output=True,
        text=True,
        timeout=30,
        preexec_fn=_limit_memory,
    )
    assert done.returncode == 2, done.stdout
    one_error_line(done.stderr, "/dev/zero")


def test_a_report_larger_than_the_data_limit_is_refused(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    with open(project / "big.json", "w") as handle:
        handle.truncate(1 << 30)  # sparse: 1 GB to a reader
    code, out, err = run_check(project, "merge", "big.json", timeout=30)
    assert code == 2, out
    one_error_line(err, "big.json", "larger than")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        pytest.param("[" * 100_000, "nested too deeply", id="deep-json"),
        pytest.param('{"version": ' + "9" * 5000 + "}", "not a JSON document", id="huge-integer"),
        pytest.param(b"\xff\xfe{}", "not a JSON document", id="not-utf-8"),
        pytest.param('{"version": 1, "findings": [', "not a JSON document", id="truncated"),
        pytest.param(_json(findings=[1]), "findings[0] is no object", id="json-finding-not-object"),
        pytest.param(_json(findings=[{"path": 7}]), "findings[0].path is no string", id="json-path-not-string"),
        pytest.param(_json(summary=[]), "summary is no object", id="json-summary-not-object"),
        pytest.param(_json(summary={"findings": "x"}), "summary.findings is no integer", id="json-summary-count"),
        pytest.param(_json(fixed=1), "fixed is no list", id="json-fixed-not-list"),
        pytest.param(_json(errors=[{"path": []}]), "errors[0].path is no string", id="json-error-path"),
        pytest.param(_sarif(tool=1), "runs[0].tool.driver is no object", id="sarif-tool-not-object"),
        pytest.param(_sarif(results=[1]), "runs[0].results[0] is no object", id="sarif-result-not-object"),
        pytest.param(_sarif(results=[{"ruleId": [1]}]), "ruleId is no string", id="sarif-rule-id-unhashable"),
        pytest.param(
            _sarif(tool={"driver": {"rules": [{"id": {}}]}}), "rules[0].id is no string", id="sarif-rule-id-object"
        ),
        pytest.param(
            _sarif(invocations=[{"exitCode": "1"}]), "invocations[0].exitCode is no integer", id="sarif-exit-code"
        ),
    ],
)
def test_a_bad_report_is_exit_2_with_one_line_naming_it(tmp_path: Path, content: str | bytes, problem: str) -> None:
    project = make_project(tmp_path)
    report = project / "shard.json"
    report.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    result = invoke(project, "merge", str(report))
    assert result.exit_code == 2, result.output
    one_error_line(result.stderr, "shard.json", problem)


def test_a_deep_report_in_a_real_subprocess_is_exit_2(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"deep.json": "[" * 100_000})
    code, out, err = run_check(project, "merge", "deep.json", timeout=60)
    assert code == 2, out
    one_error_line(err, "deep.json", "nested too deeply")


def test_well_formed_reports_still_merge(tmp_path: Path) -> None:
    project = make_project(
        tmp_path, {"a.json": _json(findings=[_finding(1)]), "b.sarif": _sarif(), "c.sarif": _sarif()}
    )
    merged = invoke(project, "merge", "a.json")
    assert merged.exit_code == 1, merged.output
    assert json.loads(merged.stdout)["findings"] == [_finding(1)]
    assert invoke(project, "merge", "b.sarif", "c.sarif").exit_code == 0


def _limit_file_size(limit: int) -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))


def test_a_merged_output_that_fails_half_way_leaves_the_previous_file_whole(tmp_path: Path) -> None:
    # `ulimit -f`: the merged report is larger than a file may grow; the old report must survive whole.
    project = make_project(tmp_path, {"shard.json": _json(findings=[_finding(i) for i in range(200)])})
    target = project / "merged.json"
    previous = _json() + "\n"
    target.write_text(previous)
    done = subprocess.run(
        [sys.executable, "-m", "nolegacyruns", "merge", "shard.json", "--output", "merged.json"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=lambda: _limit_file_size(4096),
    )
    assert done.returncode == 2, done.stdout
    one_error_line(done.stderr, "merged.json", "File too large")
    assert target.read_text() == previous
    assert [p.name for p in project.iterdir() if p.name.startswith(".merged.json")] == []
