"""Diff-only checks: --diff FILE (or -) and --changed-since REF report findings on added lines only."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_support import invoke
from helpers import CLEAN_MODULE, LEGACY_MODULE, git, run_cli, write_files
from nolegacyruns.errors import UsageError
from nolegacyruns.findings import Finding
from nolegacyruns.scope.diff import ChangedLines, parse_unified_diff


@pytest.mark.parametrize(
    ("diff", "expected"),
    [
        pytest.param(
            "--- a/app/x.py\n+++ b/app/x.py\n@@ -1,3 +1,4 @@\n one\n-two\n+TWO\n+new\n three\n",
            {"app/x.py": {2, 3}},
            id="changed-and-added",
        ),
        pytest.param(
            "--- /dev/null\n+++ b/app/new.py\n@@ -0,0 +1,2 @@\n+a\n+b\n",
            {"app/new.py": {1, 2}},
            id="new-file",
        ),
        pytest.param("--- a/app/old.py\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-a\n-b\n", {}, id="deleted-file"),
        pytest.param(
            "diff --git a/a.py b/b.py\nsimilarity index 90%\nrename from a.py\nrename to b.py\n"
            "--- a/a.py\n+++ b/b.py\n@@ -5 +5 @@\n-x\n+y\n",
            {"b.py": {5}},
            id="rename",
        ),
        pytest.param(
            "--- a/s.sql\n+++ b/s.sql\n@@ -1,3 +1,2 @@\n--- a comment removed\n keep\n--- b\n+++ c\n",
            {"s.sql": {2}},
            id="removed-lines-that-look-like-headers",
        ),
        pytest.param(
            "--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+b\n\\ No newline at end of file\n",
            {"x.py": {1}},
            id="no-newline-markers",
        ),
        pytest.param(
            "--- a/x.py\n+++ b/x.py\n@@ -1,2 +1,3 @@\n a\n\n+b\n",
            {"x.py": {3}},
            id="blank-context-line",
        ),
        pytest.param(
            "--- a/x.py\r\n+++ b/x.py\r\n@@ -10,0 +11,2 @@\r\n+a\r\n+b\r\n",
            {"x.py": {11, 12}},
            id="crlf",
        ),
        pytest.param(
            '--- "a/caf\\303\\251.py"\n+++ "b/caf\\303\\251.py"\n@@ -1 +1 @@\n-a\n+b\n',
            {"café.py": {1}},
            id="quoted-path",
        ),
        pytest.param(
            "--- a/my file.py\t\n+++ b/my file.py\t\n@@ -1 +1 @@\n-a\n+b\n",
            {"my file.py": {1}},
            id="tab-after-space-path",
        ),
        pytest.param(
            "--- old/x.py\t2024-01-01 10:00:00\n+++ new/x.py\t2024-01-01 11:00:00\n@@ -1 +1,2 @@\n a\n+b\n",
            {"new/x.py": {2}},
            id="diff-u-with-timestamps",
        ),
        pytest.param(
            "--- a/x.py\n+++ b/x.py\n@@ -1 +1,2 @@\n a\n+b\x0cc\n",
            {"x.py": {2}},
            id="form-feed-in-a-line",
        ),
    ],
)
def test_parse_unified_diff(diff: str, expected: dict[str, set[int]]) -> None:
    assert parse_unified_diff(diff) == expected


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    write_files(tmp_path, {"nolegacyruns.toml": "", "app/old.py": LEGACY_MODULE, "app/clean.py": CLEAN_MODULE})
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "start")
    return tmp_path


def _change(repo: Path) -> None:
    (repo / "app/clean.py").write_text(CLEAN_MODULE + 'LATER = "InventorySyncRun"\n', encoding="utf-8")


def test_diff_file_reports_only_added_lines(repo: Path) -> None:
    _change(repo)
    (repo / "change.diff").write_text(git(repo, "diff"), encoding="utf-8")
    result = invoke(repo, "check", "--diff", "change.diff", "--format", "json")
    assert result.exit_code == 1
    assert '"path": "app/clean.py"' in result.stdout and '"line": 4' in result.stdout
    assert "app/old.py" not in result.stdout


def test_diff_from_standard_input(repo: Path) -> None:
    _change(repo)
    result = invoke(repo, "check", "--diff", "-", input=git(repo, "diff"))
    assert result.exit_code == 1
    assert result.stdout.startswith("app/clean.py:4:")
    assert "app/old.py" not in result.stdout


def test_an_empty_diff_passes(repo: Path) -> None:
    result = invoke(repo, "check", "--diff", "-", input="")
    assert result.exit_code == 0
    assert "0 findings" in result.stdout


def test_a_file_that_is_no_diff_is_exit_2(repo: Path) -> None:
    (repo / "notes.txt").write_text("hello\n", encoding="utf-8")
    result = invoke(repo, "check", "--diff", "notes.txt")
    assert result.exit_code == 2
    assert "--diff notes.txt: not a unified diff" in result.stderr


def test_diff_paths_resolve_from_the_working_folder_too(repo: Path) -> None:
    write_files(repo, {"backend/nolegacyruns.toml": "", "backend/app/a.py": CLEAN_MODULE})
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "backend")
    (repo / "backend/app/a.py").write_text(LEGACY_MODULE, encoding="utf-8")
    result = invoke(repo, "check", "backend", "--diff", "-", input=git(repo, "diff"))
    assert result.exit_code == 1
    assert result.stdout.startswith("app/a.py:3:10: NLR001")


def test_changed_since_reports_changes_and_untracked_files(repo: Path) -> None:
    _change(repo)
    write_files(repo, {"app/untracked.py": LEGACY_MODULE})
    result = invoke(repo, "check", "--changed-since", "HEAD", "--format", "json")
    assert result.exit_code == 1
    paths = sorted(line.strip() for line in result.stdout.splitlines() if '"path"' in line)
    assert paths == ['"path": "app/clean.py",', '"path": "app/untracked.py",']


def test_changed_since_a_clean_tree_passes(repo: Path) -> None:
    assert invoke(repo, "check", "--changed-since", "HEAD").exit_code == 0


@pytest.mark.parametrize(
    ("ref", "problem"),
    [
        pytest.param("no-such-ref", "--changed-since no-such-ref: no such commit in this repository", id="unknown-ref"),
    ],
)
def test_changed_since_an_unknown_ref_is_exit_2(repo: Path, ref: str, problem: str) -> None:
    result = invoke(repo, "check", "--changed-since", ref)
    assert result.exit_code == 2
    assert problem in result.stderr


def test_changed_since_outside_git_is_exit_2(tmp_path: Path) -> None:
    write_files(tmp_path, {"nolegacyruns.toml": "", "app/a.py": CLEAN_MODULE})
    result = invoke(tmp_path, "check", "--changed-since", "HEAD", env={"GIT_CEILING_DIRECTORIES": str(tmp_path.parent)})
    assert result.exit_code == 2
    assert "is not in a git repository" in result.stderr


def test_diff_and_changed_since_exclude_each_other(repo: Path) -> None:
    assert invoke(repo, "check", "--diff", "-", "--changed-since", "HEAD", input="").exit_code == 2


def test_changed_since_in_a_real_subprocess(repo: Path) -> None:
    _change(repo)
    result = run_cli("check", "--changed-since", "HEAD", cwd=repo)
    assert result.returncode == 1
    assert result.stdout.startswith("app/clean.py:4:")


# A change to the legacy source of a backfill, with the target line untouched: NLR101 rests on both lines.
BACKFILL_CASES = [
    pytest.param(
        "database/migrations/m.sql",
        "INSERT INTO operation_runs (id)\nSELECT id FROM staging;\n",
        "INSERT INTO operation_runs (id)\nSELECT id FROM inventory_sync_runs;\n",
        "database/migrations/m.sql:1:13: NLR101",
        id="sql-source-on-a-later-line",
    ),
    pytest.param(
        "database/migrations/m.py",
        'legacy = Table("staging", metadata)\n\ndef backfill(conn):\n'
        '    conn.execute(insert(operation_runs).from_select(["id"], select(legacy.c.id)))\n',
        'legacy = Table("backup_schedule_runs", metadata)\n\ndef backfill(conn):\n'
        '    conn.execute(insert(operation_runs).from_select(["id"], select(legacy.c.id)))\n',
        "database/migrations/m.py:4:25: NLR101",
        id="python-source-on-an-earlier-line",
    ),
]
ALLOW_LEGACY_IN_MIGRATIONS = '[[allow]]\npaths = ["database/migrations/**"]\nrules = ["NLR001"]\nreason = "cutover"\n'


def _committed(tmp_path: Path, files: dict[str, str]) -> Path:
    write_files(tmp_path, files)
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "start")
    return tmp_path


@pytest.mark.parametrize(
    "how", [pytest.param(["--changed-since", "HEAD"], id="changed-since"), pytest.param(["--diff", "-"], id="diff")]
)
@pytest.mark.parametrize(("path", "before", "after", "expected"), BACKFILL_CASES)
def test_a_change_to_the_legacy_source_line_keeps_the_backfill_finding(
    tmp_path: Path, how: list[str], path: str, before: str, after: str, expected: str
) -> None:
    repo = _committed(tmp_path, {"nolegacyruns.toml": ALLOW_LEGACY_IN_MIGRATIONS, path: before})
    (repo / path).write_text(after, encoding="utf-8")
    assert invoke(repo, "check").stdout.startswith(expected)
    result = invoke(repo, "check", *how, input=git(repo, "diff"))
    assert result.exit_code == 1, result.stdout
    assert result.stdout.startswith(expected)


def test_a_change_outside_the_backfill_statement_leaves_it_out(tmp_path: Path) -> None:
    after = "INSERT INTO operation_runs (id)\nSELECT id FROM inventory_sync_runs;\n"
    repo = _committed(tmp_path, {"nolegacyruns.toml": ALLOW_LEGACY_IN_MIGRATIONS, "database/m.sql": after})
    (repo / "database/m.sql").write_text(after + "-- reviewed\n", encoding="utf-8")
    result = invoke(repo, "check", "--changed-since", "HEAD")
    assert result.exit_code == 0, result.stdout


@pytest.mark.parametrize(
    ("added", "span_lines", "kept"),
    [
        pytest.param({3}, None, False, id="own-lines-only"),
        pytest.param({3}, (1, 3), True, id="span-reaches-the-change"),
        pytest.param({4}, (1, 3), False, id="change-after-the-span"),
        pytest.param({1}, None, True, id="own-line"),
    ],
)
def test_changed_lines_keep_a_finding_whose_span_they_touch(
    added: set[int], span_lines: tuple[int, int] | None, kept: bool
) -> None:
    finding = Finding("a.sql", 1, 13, "NLR101", 1, 27, "m", "operation_runs", span_lines=span_lines)
    assert ChangedLines({"a.sql": frozenset(added)}).keeps(finding) is kept


# Hunk headers and paths no real diff holds: refused naming the line, never read as nothing (a pass).

_LONG = "9" * 19
_HEAD = "--- a/app/clean.py\n+++ b/app/clean.py\n"
_ADDED = '+TABLE = "inventory_sync_runs"\n'


@pytest.mark.parametrize(
    ("diff", "line"),
    [
        pytest.param(_HEAD + "@@ -1,1 +1,99999999999999999999999 @@\n" + _ADDED, 3, id="new-count"),
        pytest.param(_HEAD + f"@@ -1,1 +{_LONG},1 @@\n" + _ADDED, 3, id="new-start"),
        pytest.param(_HEAD + f"@@ -{_LONG},1 +1,1 @@\n" + _ADDED, 3, id="old-start"),
        pytest.param(_HEAD + f"@@ -1,{_LONG} +1 @@\n" + _ADDED, 3, id="old-count"),
        pytest.param(_HEAD + "@@ -1 +1," + "9" * 5000 + " @@\n" + _ADDED, 3, id="5000-digits"),
        pytest.param(_HEAD + "@@ -1 +1 @@\n-a\n+b\n" + f"@@ -9 +{_LONG} @@\n" + _ADDED, 6, id="second-hunk"),
        pytest.param(
            f"--- a/app/{'x' * 300}.py\n+++ b/app/{'x' * 300}.py\n@@ -0,0 +1 @@\n" + _ADDED, 2, id="long-part"
        ),
        pytest.param(f"--- a/{'é' * 128}.py\n+++ b/{'é' * 128}.py\n@@ -0,0 +1 @@\n" + _ADDED, 2, id="long-in-bytes"),
    ],
)
def test_a_diff_no_real_change_can_give_is_exit_2_naming_its_line(tmp_path: Path, diff: str, line: int) -> None:
    project = write_files(tmp_path, {"nolegacyruns.toml": "", "app/clean.py": LEGACY_MODULE, "d.diff": diff})
    result = invoke(project, "check", "--diff", "d.diff")
    assert result.exit_code == 2, result.stdout
    assert result.stderr.startswith(f"nolegacyruns: error: --diff d.diff: line {line}: "), result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr
    with pytest.raises(UsageError, match=f"^diff: line {line}: "):
        parse_unified_diff(diff, "diff")


def test_a_path_too_long_for_the_system_is_exit_2(tmp_path: Path) -> None:
    # Every part fits in 255 bytes, the whole does not fit in PATH_MAX: no file can be looked up.
    path = "/".join(["p" * 250] * 20) + ".py"
    diff = f"--- a/{path}\n+++ b/{path}\n@@ -0,0 +1 @@\n" + _ADDED
    project = write_files(tmp_path, {"nolegacyruns.toml": "", "app/clean.py": LEGACY_MODULE, "d.diff": diff})
    result = invoke(project, "check", "--diff", "d.diff")
    assert result.exit_code == 2, result.stdout
    assert result.stderr.startswith("nolegacyruns: error: --diff d.diff: ppp"), result.stderr
    assert "File name too long" in result.stderr and len(result.stderr.splitlines()) == 1


def test_eighteen_digits_are_still_a_hunk_header() -> None:
    diff = "--- a/x.py\n+++ b/x.py\n@@ -1 +1,999999999999999999 @@\n+a\n"
    assert parse_unified_diff(diff) == {"x.py": {1}}


def test_a_huge_hunk_count_in_a_real_subprocess_is_exit_2(tmp_path: Path) -> None:
    diff = _HEAD + "@@ -1,1 +1,99999999999999999999999 @@\n" + _ADDED
    project = write_files(tmp_path, {"nolegacyruns.toml": "", "app/clean.py": LEGACY_MODULE, "d.diff": diff})
    result = run_cli("check", "--diff", "d.diff", cwd=project)
    assert result.returncode == 2, result.stdout
    assert result.stderr == (
        "nolegacyruns: error: --diff d.diff: line 3: a hunk header with a number of more than 18 digits; "
        "not a diff of real files\n"
    )


@pytest.mark.parametrize("in_git", [pytest.param(True, id="in-git"), pytest.param(False, id="outside-git")])
def test_a_ref_with_a_newline_is_named_on_one_line(tmp_path: Path, in_git: bool) -> None:
    files = {"nolegacyruns.toml": "", "app/clean.py": CLEAN_MODULE}
    project = _committed(tmp_path, files) if in_git else write_files(tmp_path, files)
    ref = "HEAD\n--output=/tmp/x"
    result = invoke(project, "check", f"--changed-since={ref}", env={"GIT_CEILING_DIRECTORIES": str(tmp_path.parent)})
    assert result.exit_code == 2, result.stdout
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith("nolegacyruns: error: --changed-since 'HEAD\\n--output=/tmp/x': ")
