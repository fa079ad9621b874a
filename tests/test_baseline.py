"""Adopting the guard: a baseline records today's findings; check reports only new ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_support import invoke
from helpers import CLEAN_MODULE, LEGACY_MODULE, run_cli, write_files
from nolegacyruns import check
from nolegacyruns.report.baseline import Baseline, BaselineEntry, dumps, parse_baseline

BASELINE = ".nolegacyruns-baseline.json"
JOBS = 'from app.db import text\n\nrows = text("SELECT * FROM inventory_sync_runs")\nTYPE = "backup_schedule.run"\n'
REPEATED = 'a = "entra_group_sync_runs"\nb = 1\na = "entra_group_sync_runs"\n'


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_files(
        tmp_path,
        {"nolegacyruns.toml": "", "app/jobs.py": JOBS, "app/repeated.py": REPEATED, "app/clean.py": CLEAN_MODULE},
    )


def _entries(project: Path) -> list[dict[str, str]]:
    entries: list[dict[str, str]] = json.loads((project / BASELINE).read_text(encoding="utf-8"))["findings"]
    return entries


def test_baseline_records_every_finding_sorted_and_without_line_numbers(project: Path) -> None:
    result = invoke(project, "baseline")
    assert result.exit_code == 0, result.output
    assert "Wrote 4 findings" in result.stdout
    entries = _entries(project)
    assert [(e["path"], e["rule"]) for e in entries] == sorted((e["path"], e["rule"]) for e in entries)
    assert [(e["path"], e["rule"], e["fingerprint"]) for e in entries] == sorted(
        (e["path"], e["rule"], e["fingerprint"]) for e in entries
    )
    assert entries[0] == {
        "fingerprint": entries[0]["fingerprint"],
        "line": 'rows = text("SELECT * FROM inventory_sync_runs")',
        "path": "app/jobs.py",
        "rule": "NLR001",
        "token": "inventory_sync_runs",
    }
    text = (project / BASELINE).read_text(encoding="utf-8")
    assert text == dumps(parse_baseline(project / BASELINE, text).entries)
    assert '"line": 3' not in text


def test_writing_the_baseline_twice_gives_the_same_bytes(project: Path) -> None:
    invoke(project, "baseline")
    first = (project / BASELINE).read_bytes()
    invoke(project, "baseline")
    assert (project / BASELINE).read_bytes() == first


def test_check_counts_baselined_findings_and_passes(project: Path) -> None:
    invoke(project, "baseline")
    result = invoke(project, "check")
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("0 suppressed; 4 in baseline.\n")


def test_a_baseline_survives_lines_inserted_above_every_finding(project: Path) -> None:
    invoke(project, "baseline")
    for name in ("app/jobs.py", "app/repeated.py"):
        path = project / name
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        path.write_text("".join(f"# moved\n{line}" for line in lines), encoding="utf-8")
    report = check(project)
    assert (report.findings, len(report.baselined), report.fixed) == ([], 4, [])


def test_one_new_legacy_use_fails_with_exactly_that_finding(project: Path) -> None:
    invoke(project, "baseline")
    path = project / "app/jobs.py"
    path.write_text("import os\n" + JOBS + 'LATEST = "inventory_sync_runs"\n', encoding="utf-8")
    result = invoke(project, "check", "--format", "json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert [(f["path"], f["line"], f["rule"]) for f in document["findings"]] == [("app/jobs.py", 6, "NLR001")]
    assert document["summary"]["baselined"] == 4


def test_a_repeated_line_counts_each_occurrence(project: Path) -> None:
    invoke(project, "baseline")
    (project / "app/repeated.py").write_text(REPEATED + 'a = "entra_group_sync_runs"\n', encoding="utf-8")
    report = check(project)
    assert [(f.path, f.line) for f in report.findings] == [("app/repeated.py", 4)]


def test_a_fixed_finding_is_reported_and_prune_drops_it(project: Path) -> None:
    invoke(project, "baseline")
    (project / "app/jobs.py").write_text(JOBS.replace("inventory_sync_runs", "operation_runs"), encoding="utf-8")
    result = invoke(project, "check")
    assert result.exit_code == 0
    assert "app/jobs.py: baselined NLR001 `inventory_sync_runs` no longer found (fixed)" in result.stdout
    assert "`nolegacyruns baseline --prune` drops it from .nolegacyruns-baseline.json." in result.stdout
    assert result.stdout.endswith("3 in baseline; 1 baselined finding fixed.\n")
    assert json.loads(invoke(project, "check", "--format", "json").stdout)["summary"]["fixed"] == 1
    pruned = invoke(project, "baseline", "--prune")
    assert "Pruned 1 fixed entry" in pruned.stdout
    assert [e["token"] for e in _entries(project)] == [
        "backup_schedule.run",
        "entra_group_sync_runs",
        "entra_group_sync_runs",
    ]
    assert check(project).fixed == []


def test_prune_adds_no_new_finding(project: Path) -> None:
    invoke(project, "baseline")
    write_files(project, {"app/new.py": LEGACY_MODULE})
    invoke(project, "baseline", "--prune")
    assert len(_entries(project)) == 4
    assert [f.path for f in check(project).findings] == ["app/new.py"]


def test_a_deleted_file_fixes_its_entries(project: Path) -> None:
    invoke(project, "baseline")
    (project / "app/repeated.py").unlink()
    assert [e.path for e in check(project).fixed] == ["app/repeated.py", "app/repeated.py"]


def test_a_batch_of_named_files_calls_nothing_else_fixed(project: Path) -> None:
    invoke(project, "baseline")
    report = check(project, files=["app/clean.py"])
    assert (report.findings, report.fixed) == ([], [])


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        pytest.param("{", "invalid JSON", id="not-json"),
        pytest.param("[]", "expected an object with a 'findings' list", id="not-an-object"),
        pytest.param('{"version": 9, "findings": []}', "unsupported version 9", id="version"),
        pytest.param(
            '{"version": 1, "findings": [{"path": "a"}]}',
            "findings[0]: missing fingerprint, line, rule, token",
            id="missing-keys",
        ),
        pytest.param('{"version": 1, "findings": [3]}', "findings[0]: expected an object", id="entry-not-object"),
    ],
)
def test_a_malformed_baseline_is_exit_2_naming_the_file(project: Path, content: str, problem: str) -> None:
    (project / BASELINE).write_text(content, encoding="utf-8")
    result = invoke(project, "check")
    assert result.exit_code == 2
    assert f"{project / BASELINE}: not a valid baseline: {problem}" in result.stderr


def test_no_baseline_reports_everything_and_baseline_file_reads_another(project: Path) -> None:
    invoke(project, "baseline", "--baseline", "elsewhere.json")
    assert not (project / BASELINE).exists()
    assert invoke(project, "check").exit_code == 1
    assert invoke(project, "check", "--baseline", "elsewhere.json").exit_code == 0
    assert invoke(project, "check", "--baseline", "missing.json").exit_code == 2
    invoke(project, "baseline")
    assert invoke(project, "check", "--no-baseline").exit_code == 1
    assert invoke(project, "check", "--baseline", "x.json", "--no-baseline").exit_code == 2


def test_the_configured_baseline_file_is_never_scanned(tmp_path: Path) -> None:
    config = 'paths = ["."]\nbaseline = "tools/accepted.json"\n'
    write_files(tmp_path, {"nolegacyruns.toml": config, "app/legacy.py": LEGACY_MODULE})
    assert invoke(tmp_path, "baseline").exit_code == 0
    report = check(tmp_path)
    assert (report.findings, len(report.baselined)) == ([], 1)
    assert ("tools/accepted.json", "baseline file") in report.scope.left_out


def test_prune_without_a_baseline_is_exit_2(project: Path) -> None:
    result = invoke(project, "baseline", "--prune")
    assert result.exit_code == 2
    assert "no baseline to prune" in result.stderr


def test_match_absorbs_one_finding_per_entry() -> None:
    entry = BaselineEntry("app/a.py", "NLR001", "f1", "tok", "x")
    baseline = Baseline(Path("b.json"), (entry, entry))
    assert baseline.without([entry]) == [entry]


def test_baseline_and_check_in_a_real_subprocess(project: Path) -> None:
    assert run_cli("baseline", cwd=project).returncode == 0
    write_files(project, {"app/new.py": LEGACY_MODULE})
    result = run_cli("check", cwd=project)
    assert result.returncode == 1
    assert result.stdout.startswith("app/new.py:3:10: NLR001 ")
