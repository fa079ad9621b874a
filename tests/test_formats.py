"""The CI formats (GitHub, JUnit, GitLab) and --output, produced for the fixture project."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from cli_support import FIXTURE, invoke
from helpers import LEGACY_MODULE, run_cli, write_files
from nolegacyruns import Report, check, load_config
from nolegacyruns.config.selection import build_ruleset
from nolegacyruns.findings import FileResult, Severity
from nolegacyruns.report import FORMATS
from nolegacyruns.report.github import escape_data, escape_property
from nolegacyruns.scope.discovery import Scope

# The workflow-command syntax GitHub documents: ::command prop=value,…::message, with
# `,` and `:` escaped in values and CR, LF escaped in the message.
GITHUB_LINE = re.compile(r"^::(?P<command>error|warning|notice) (?P<props>[^:]*)::(?P<message>[^\r\n]*)$")
GITHUB_PROPERTY = re.compile(r"^(file|line|endLine|col|endColumn|title)=[^,:]*$")
GITLAB_SEVERITIES = {"info", "minor", "major", "critical", "blocker"}


def _unescape(text: str) -> str:
    for code, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(code, char)
    return text


def _github_annotations(output: str) -> list[tuple[str, dict[str, str], str]]:
    *commands, summary = output.rstrip("\n").split("\n")
    assert summary.startswith("nolegacyruns ")
    annotations = []
    for line in commands:
        match = GITHUB_LINE.match(line)
        assert match, line
        properties = match["props"].split(",")
        assert all(GITHUB_PROPERTY.match(p) for p in properties), line
        values = {key: _unescape(value) for key, value in (p.split("=", 1) for p in properties)}
        annotations.append((match["command"], values, _unescape(match["message"])))
    return annotations


@pytest.fixture(scope="module")
def fixture_report():  # type: ignore[no-untyped-def]
    return check(FIXTURE)


def test_github_annotates_every_finding_of_the_fixture_project(fixture_report) -> None:  # type: ignore[no-untyped-def]
    result = invoke(FIXTURE, "check", "--format", "github")
    assert result.exit_code == 1
    annotations = _github_annotations(result.stdout)
    commands = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
    expected = [
        (commands[f.severity], f.path, f.line, f.column, f.end_column, f.rule, f.message)
        for f in fixture_report.findings
    ]
    got = [
        (command, p["file"], int(p["line"]), int(p["col"]), int(p["endColumn"]), p["title"], message.rsplit(" (", 1)[0])
        for command, p, message in annotations
    ]
    assert got == expected


@pytest.mark.parametrize(
    ("text", "data", "prop"),
    [
        pytest.param("100%", "100%25", "100%25", id="percent"),
        pytest.param("a\r\nb", "a%0D%0Ab", "a%0D%0Ab", id="cr-lf"),
        pytest.param("a:b,c", "a:b,c", "a%3Ab%2Cc", id="colon-comma"),
        pytest.param("%3A", "%253A", "%253A", id="already-looks-escaped"),
    ],
)
def test_github_escapes_as_the_runner_requires(text: str, data: str, prop: str) -> None:
    assert (escape_data(text), escape_property(text)) == (data, prop)


def test_github_escapes_an_awkward_file_name_end_to_end(tmp_path: Path) -> None:
    write_files(tmp_path, {"nolegacyruns.toml": "", "app/a,b:c%.py": LEGACY_MODULE})
    result = invoke(tmp_path, "check", "--format", "github")
    [(command, properties, message)] = _github_annotations(result.stdout)
    assert "file=app/a%2Cb%3Ac%25.py," in result.stdout
    assert (command, properties["file"], properties["title"]) == ("error", "app/a,b:c%.py", "NLR001")
    assert message.startswith("legacy run table `inventory_sync_runs`")


def test_github_paths_are_relative_to_the_workspace(tmp_path: Path) -> None:
    write_files(tmp_path, {"backend/nolegacyruns.toml": "", "backend/app/legacy.py": LEGACY_MODULE})
    result = invoke(tmp_path / "backend", "check", "--format", "github", env={"GITHUB_WORKSPACE": str(tmp_path)})
    [(_, properties, _)] = _github_annotations(result.stdout)
    assert properties["file"] == "backend/app/legacy.py"


def test_junit_has_a_testcase_per_file_and_a_failure_per_error_finding(fixture_report) -> None:  # type: ignore[no-untyped-def]
    result = invoke(FIXTURE, "check", "--format", "junit")
    root = ET.fromstring(result.stdout)
    [suite] = root.findall("testsuite")
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    assert sorted(cases) == sorted(fixture_report.scope.files)
    errors = Counter(f.path for f in fixture_report.findings if f.severity is Severity.ERROR)
    assert {name: len(case.findall("failure")) for name, case in cases.items() if case.findall("failure")} == dict(
        errors
    )
    assert suite.get("tests") == root.get("tests") == str(len(cases))
    assert suite.get("failures") == str(len(errors))
    assert suite.get("errors") == "0"
    first = next(f for f in fixture_report.findings if f.severity is Severity.ERROR)
    failure = cases[first.path].find("failure")
    assert failure is not None and failure.get("type") == first.rule and failure.text == str(first)


def test_junit_notes_warnings_without_failing_the_testcase(fixture_report) -> None:  # type: ignore[no-untyped-def]
    warning = next(f for f in fixture_report.findings if f.severity is Severity.WARNING)
    root = ET.fromstring(invoke(FIXTURE, "check", "--format", "junit").stdout)
    case = root.find(f".//testcase[@name='{warning.path}']")
    assert case is not None
    out = case.find("system-out")
    assert out is not None and str(warning) in (out.text or "")
    assert all(failure.get("type") != warning.rule for failure in case.findall("failure"))


def test_gitlab_code_quality_has_the_documented_fields(fixture_report) -> None:  # type: ignore[no-untyped-def]
    issues = json.loads(invoke(FIXTURE, "check", "--format", "gitlab").stdout)
    assert len(issues) == len(fixture_report.findings)
    for issue in issues:
        assert isinstance(issue["description"], str) and issue["description"]
        assert re.fullmatch(r"NLR\d{3}", issue["check_name"])
        assert issue["severity"] in GITLAB_SEVERITIES
        assert isinstance(issue["location"]["path"], str)
        assert isinstance(issue["location"]["lines"]["begin"], int)
    fingerprints = [issue["fingerprint"] for issue in issues]
    assert len(set(fingerprints)) == len(fingerprints)
    assert fingerprints == [f.fingerprint for f in fixture_report.findings]


def test_gitlab_fingerprints_survive_lines_moving(tmp_path: Path) -> None:
    write_files(tmp_path, {"nolegacyruns.toml": "", "app/legacy.py": LEGACY_MODULE})
    before = json.loads(invoke(tmp_path, "check", "--format", "gitlab").stdout)
    write_files(tmp_path, {"app/legacy.py": "import os\nimport sys\n" + LEGACY_MODULE})
    after = json.loads(invoke(tmp_path, "check", "--format", "gitlab").stdout)
    assert [i["location"]["lines"]["begin"] for i in (*before, *after)] == [3, 5]
    assert [i["fingerprint"] for i in before] == [i["fingerprint"] for i in after]


@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "github", "junit", "gitlab"])
def test_output_writes_the_report_and_prints_one_summary_line(tmp_path: Path, output_format: str) -> None:
    target = tmp_path / "report.out"
    result = invoke(FIXTURE, "check", "--format", output_format, "--output", str(target))
    assert result.exit_code == 1
    assert result.stdout.count("\n") == 1
    assert result.stdout.startswith("nolegacyruns FAILED: ") and f"Report written to {target}." in result.stdout
    assert target.read_text(encoding="utf-8") == invoke(FIXTURE, "check", "--format", output_format).stdout


def test_output_in_a_real_subprocess(tmp_path: Path) -> None:
    target = tmp_path / "gl-code-quality.json"
    result = run_cli("check", "--format", "gitlab", "--output", str(target), cwd=FIXTURE)
    assert result.returncode == 1
    assert result.stdout.startswith("nolegacyruns FAILED: ")
    assert json.loads(target.read_text(encoding="utf-8"))


def test_json_reports_baseline_counts(tmp_path: Path) -> None:
    write_files(tmp_path, {"nolegacyruns.toml": "", "app/legacy.py": LEGACY_MODULE})
    document = json.loads(invoke(tmp_path, "check", "--format", "json").stdout)
    assert (document["summary"]["baselined"], document["summary"]["fixed"]) == (0, 0)
    assert (document["fixed"], document["errors"]) == ([], [])


def _unreadable_report(root: Path) -> Report:
    # A file that vanishes or loses permissions between discovery and reading; as root on
    # Linux no file can be made unreadable, so the result is built as the engine builds it.
    config = load_config(write_files(root, {"nolegacyruns.toml": ""}))
    result = FileResult("app/gone.py", error="cannot read: Permission denied")
    return Report(config, build_ruleset(config), [result], Scope(root, ["app/gone.py"]))


@pytest.mark.parametrize(
    ("output_format", "expected"),
    [
        pytest.param("text", "app/gone.py: error: cannot read: Permission denied", id="text"),
        pytest.param("json", '"message": "cannot read: Permission denied"', id="json"),
        pytest.param(
            "github", "::error file=app/gone.py,title=nolegacyruns::cannot read: Permission denied", id="github"
        ),
        pytest.param("junit", '<error message="cannot read: Permission denied" type="unreadable">', id="junit"),
        pytest.param("gitlab", '"check_name": "nolegacyruns-unreadable-file"', id="gitlab"),
        pytest.param("sarif", '"text": "app/gone.py: cannot read: Permission denied"', id="sarif"),
    ],
)
def test_every_format_reports_a_file_that_could_not_be_read(tmp_path: Path, output_format: str, expected: str) -> None:
    report = _unreadable_report(tmp_path)
    assert report.failed
    assert expected in FORMATS[output_format](report, False)


def test_a_text_check_imports_no_other_report_format(tmp_path: Path) -> None:
    root = write_files(tmp_path, {"nolegacyruns.toml": "", "app/a.py": LEGACY_MODULE})
    script = (
        "import sys\n"
        "from nolegacyruns import cli\n"
        "try:\n"
        "    cli.main(['check', '--no-cache', sys.argv[1]])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('nolegacyruns.report.')), file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", script, str(root)], capture_output=True, text=True, check=True)
    loaded = result.stderr.strip().splitlines()[-1]
    assert "nolegacyruns.report.text" in loaded
    for other in ("sarif", "junit", "gitlab", "github", "json_format", "merge", "file_list"):
        assert f"nolegacyruns.report.{other}'" not in loaded


def test_control_characters_from_the_project_are_escaped_in_text_and_file_lists(tmp_path: Path) -> None:
    """A hostile file cannot drive the terminal, forge a CI command line or hide text behind bidi controls."""
    forged = "app/evil\n::error file=x.py::forged.py"
    write_files(
        tmp_path,
        {
            "nolegacyruns.toml": 'paths = ["app"]\n',
            "app/a.py": 'x = "\x1b]0;PWNED\x07\u202einventory_sync_runs"\n',
            forged: 'y = "inventory_sync_runs"\n',
        },
    )
    checked = run_cli("check", "--no-cache", cwd=tmp_path)
    listed = run_cli("check", "--list-files", cwd=tmp_path)
    for output in (checked.stdout, listed.stdout):
        assert "\x1b" not in output and "\x07" not in output and "\u202e" not in output
        assert not any(line.startswith("::error") for line in output.splitlines())
        assert "app/evil\\x0a::error" in output
    shown = '   1 | x = "\\x1b]0;PWNED\\x07\\u202einventory_sync_runs"\n'
    assert shown + "     |" + " " * 28 + "^" * 19 + "\n" in checked.stdout
