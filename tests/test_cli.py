"""The command line: exit codes, text and JSON output, rules and explain, crash handling."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpers import CLEAN_MODULE, LEGACY_MODULE, run_cli, write_files
from nolegacyruns import cli
from nolegacyruns.rules.pack import DOC_SECTIONS, load_rules
from nolegacyruns.scan import engine


@pytest.fixture
def legacy_project(tmp_path: Path) -> Path:
    return write_files(
        tmp_path, {"nolegacyruns.toml": "", "app/clean.py": CLEAN_MODULE, "app/legacy.py": LEGACY_MODULE}
    )


def test_check_reports_findings_with_source_line_and_caret(legacy_project: Path) -> None:
    result = run_cli("check", cwd=legacy_project)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "app/legacy.py:3:10: NLR001 legacy run table `inventory_sync_runs`; use `operation_runs` instead"
    assert lines[1] == '   3 | TABLE = "inventory_sync_runs"'
    assert lines[2] == "     |          " + "^" * len("inventory_sync_runs")
    assert lines[-1] == ("nolegacyruns FAILED: 1 finding in 1 file; 2 files scanned; 0 skipped; 0 suppressed.")
    assert "\x1b[" not in result.stdout


def test_clean_project_exits_0(tmp_path: Path) -> None:
    write_files(tmp_path, {"nolegacyruns.toml": "", "app/clean.py": CLEAN_MODULE})
    result = run_cli("check", ".", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (
        0,
        "nolegacyruns passed: 0 findings in 0 files; 1 file scanned; 0 skipped; 0 suppressed.\n",
    )


def test_json_report_follows_the_contract(legacy_project: Path) -> None:
    result = run_cli("check", "--format", "json", cwd=legacy_project)
    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert document["version"] == 1
    [finding] = document["findings"]
    assert set(finding) >= {
        "rule",
        "name",
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "message",
        "severity",
        "token",
        "fingerprint",
    }
    assert (finding["rule"], finding["path"], finding["line"], finding["column"]) == ("NLR001", "app/legacy.py", 3, 10)
    assert (finding["end_line"], finding["end_column"]) == (3, 10 + len("inventory_sync_runs"))
    assert set(document["summary"]) >= {"files_scanned", "files_skipped", "findings", "suppressed"}
    assert document["summary"]["findings"] == 1


def test_empty_scope_is_a_usage_error_naming_root_and_paths(tmp_path: Path) -> None:
    write_files(tmp_path, {"nolegacyruns.toml": "paths = ['src']\n", "app/legacy.py": LEGACY_MODULE})
    result = run_cli("check", cwd=tmp_path)
    assert result.returncode == 2
    assert str(tmp_path) in result.stderr and "['src']" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_missing_target_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("check", "nope", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "nolegacyruns: error: nope: no such file or directory\n"


def test_unknown_option_is_exit_2(tmp_path: Path) -> None:
    assert run_cli("check", "--frobnicate", cwd=tmp_path).returncode == 2


def test_internal_error_exits_3_never_0(legacy_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(cli, "run", explode)
    monkeypatch.chdir(legacy_project)
    result = CliRunner().invoke(cli.main, ["check"])
    assert result.exit_code == 3
    assert "internal error: RuntimeError: boom" in result.output
    assert "Please report it" in result.output


def test_a_crashing_file_scan_is_exit_3(legacy_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "analyse_source", lambda *a, **k: 1 / 0)
    monkeypatch.chdir(legacy_project)
    assert CliRunner().invoke(cli.main, ["check"]).exit_code == 3


def test_rules_lists_every_rule(tmp_path: Path) -> None:
    result = run_cli("rules", cwd=tmp_path)
    assert result.returncode == 0
    listed = [line.split()[0] for line in result.stdout.splitlines()]
    assert listed == [rule.id for rule in load_rules()]


@pytest.mark.parametrize("rule_id", ["NLR001", "nlr004", "legacy-run-route", "NLR901"])
def test_explain_prints_every_documentation_section(tmp_path: Path, rule_id: str) -> None:
    result = run_cli("explain", rule_id, cwd=tmp_path)
    assert result.returncode == 0
    for _, title in DOC_SECTIONS:
        assert f"## {title}\n" in result.stdout


def test_explain_unknown_rule_is_exit_2(tmp_path: Path) -> None:
    result = run_cli("explain", "NLR999", cwd=tmp_path)
    assert result.returncode == 2
    assert "unknown rule 'NLR999'" in result.stderr


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty:
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert cli.use_color(Tty())
    assert not cli.use_color(object())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not cli.use_color(Tty())


def test_python_dash_m_and_console_script_agree(legacy_project: Path) -> None:
    result = run_cli("--version", cwd=legacy_project)
    assert result.returncode == 0 and "nolegacyruns" in result.stdout
