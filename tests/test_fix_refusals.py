"""What `fix` refuses to do: merge two names, write a read-only file, write through a linked folder or
into the baseline, or report a file that changed under it once per finding.

Each case is a real project in tmp_path; where the outcome depends on the process (root may write any
file, a fixed Python file must still print what it printed), a real subprocess runs it.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import nolegacyruns
from cli_support import invoke
from helpers import run_cli, write_files
from nolegacyruns.fixing import files as fix_files

CONFIG = {"nolegacyruns.toml": 'paths = ["app"]\n'}
MERGE = "baseline_operation_run_id = 1\nbaseline_run_id = 2\nprint(baseline_operation_run_id)\n"
ALREADY_USED = (
    "not fixed 1 (NLR003): `baseline_operation_run_id` is already used in this file "
    "(renaming `baseline_run_id` would merge two names)"
)


def _per_file_lines(stdout: str, relpath: str) -> list[str]:
    """The lines fix prints about one file before the check's report (`path: …`, not `path:line:col: …`)."""
    return [line for line in stdout.splitlines() if line.startswith(f"{relpath}: ")]


def test_a_safe_fix_that_would_merge_two_python_names_is_not_applied_and_the_program_prints_the_same(
    tmp_path: Path,
) -> None:
    root = write_files(tmp_path, {**CONFIG, "app/a.py": MERGE, "app/b.py": "x.current_run_id = 1\n"})
    printed = subprocess.run([sys.executable, "app/a.py"], cwd=root, capture_output=True, text=True, check=True)
    assert printed.stdout == "1\n"
    done = run_cli("fix", cwd=root)
    assert (root / "app/a.py").read_text() == MERGE
    assert _per_file_lines(done.stdout, "app/a.py") == [f"app/a.py: {ALREADY_USED}"]
    assert "app/b.py: fixed 1 (NLR003)" in done.stdout
    # The finding is left, so fix exits as check does on what is left.
    check = run_cli("check", cwd=root)
    assert (done.returncode, check.returncode) == (1, 1), done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == "Fixed 1 finding in 1 file; 1 left."
    again = subprocess.run([sys.executable, "app/a.py"], cwd=root, capture_output=True, text=True, check=True)
    assert again.stdout == "1\n"


@pytest.mark.parametrize(
    ("relpath", "code", "reason"),
    [
        pytest.param(
            "app/a.json",
            '{"baseline_run_id":1,"baseline_operation_run_id":2}\n',
            ALREADY_USED,
            id="json-duplicate-key",
        ),
        pytest.param(
            "app/a.php",
            "<?php\n$table->dropColumn(['inventory_sync_run_id', 'backup_schedule_run_id']);\n",
            "not fixed 2 (NLR003 ×2): `backup_schedule_run_id` and `inventory_sync_run_id` would both become "
            "`operation_run_id` (the rename would merge names)",
            id="two-tokens-one-name",
        ),
        pytest.param(
            "app/a.sql",
            "SELECT BASELINE_RUN_ID, baseline_operation_run_id FROM t;\n",
            "not fixed 1 (NLR003): `BASELINE_OPERATION_RUN_ID` is already used in this file "
            "(renaming `BASELINE_RUN_ID` would merge two names)",
            id="sql-folds-case",
        ),
        pytest.param(
            "app/a.py",
            "my_baseline_operation_run_id = 1\nx = my_baseline_run_id\n",
            "not fixed 1 (NLR003): `my_baseline_operation_run_id` is already used in this file "
            "(renaming `my_baseline_run_id` would merge two names)",
            id="the-whole-word-around-the-token",
        ),
        pytest.param(
            "app/a.sql",
            "UPDATE operation_runs SET type = 'inventory_sync' WHERE type = 'inventory.sync';\n",
            "not fixed 1 (NLR004): `inventory_sync` is already used in this file "
            "(renaming `inventory.sync` would merge two names)",
            id="a-migration-from-one-spelling-to-the-other",
        ),
    ],
)
def test_a_safe_fix_that_would_merge_names_is_left_for_a_person(
    tmp_path: Path, relpath: str, code: str, reason: str
) -> None:
    root = write_files(tmp_path, {**CONFIG, relpath: code})
    result = invoke(root, "fix")
    assert (root / relpath).read_text() == code
    assert _per_file_lines(result.stdout, relpath) == [f"{relpath}: {reason}"]
    assert result.exit_code == invoke(root, "check").exit_code == 1
    assert invoke(root, "fix").stdout == result.stdout  # a second run does the same


@pytest.mark.parametrize(
    ("code", "fixed"),
    [
        pytest.param(
            "x = baseline_operation_run_id_old\ny = baseline_run_id\n",
            "x = baseline_operation_run_id_old\ny = baseline_operation_run_id\n",
            id="only-inside-a-longer-word",
        ),
        pytest.param(
            "BASELINE_OPERATION_RUN_ID = 1\nbaseline_run_id = 2\n",
            "BASELINE_OPERATION_RUN_ID = 1\nbaseline_operation_run_id = 2\n",
            id="python-keeps-letter-case-apart",
        ),
        pytest.param(
            "a = baseline_run_id\nb = baseline_run_id\n",
            "a = baseline_operation_run_id\nb = baseline_operation_run_id\n",
            id="one-name-renamed-everywhere",
        ),
    ],
)
def test_a_rename_to_a_name_new_to_the_file_is_applied(tmp_path: Path, code: str, fixed: str) -> None:
    root = write_files(tmp_path, {**CONFIG, "app/a.py": code})
    assert invoke(root, "fix").exit_code == 0
    assert (root / "app/a.py").read_text() == fixed


def test_the_other_fixes_of_a_file_with_a_merge_are_applied(tmp_path: Path) -> None:
    root = write_files(tmp_path, {**CONFIG, "app/a.py": MERGE + "TYPE = 'inventory.sync'\n"})
    result = invoke(root, "fix")
    assert (root / "app/a.py").read_text() == MERGE + "TYPE = 'inventory_sync'\n"
    assert _per_file_lines(result.stdout, "app/a.py") == ["app/a.py: fixed 1 (NLR004)", f"app/a.py: {ALREADY_USED}"]


def test_unsafe_fixes_merge_tables_as_they_say(tmp_path: Path) -> None:
    """NLR001's tables all become `operation_runs` by design: that is why its fix is unsafe."""
    code = "SELECT * FROM inventory_sync_runs JOIN operation_runs USING (id);\n"
    root = write_files(tmp_path, {**CONFIG, "app/a.sql": code})
    assert invoke(root, "fix", "--unsafe-fixes").exit_code == 0
    assert (root / "app/a.sql").read_text() == code.replace("inventory_sync_runs", "operation_runs")


TWO_FILES = {**CONFIG, "app/a.py": "x.current_run_id = 1\n", "app/b.py": "x.baseline_run_id = 2\n"}


@pytest.mark.parametrize("mode", [pytest.param(0o444, id="0444"), pytest.param(0o464, id="group-writable-0464")])
def test_a_file_without_its_owners_write_bit_is_not_written_even_by_root(tmp_path: Path, mode: int) -> None:
    """The tests run as root, as CI does: root could write the file, and must not."""
    root = write_files(tmp_path, TWO_FILES)
    target = root / "app/a.py"
    os.chmod(target, mode)
    done = run_cli("fix", "--no-cache", cwd=root)
    assert done.returncode == 1, done.stdout + done.stderr
    assert _per_file_lines(done.stdout, "app/a.py") == ["app/a.py: not written: read-only: it cannot be written"]
    assert target.read_text() == TWO_FILES["app/a.py"] and stat.S_IMODE(target.stat().st_mode) == mode
    assert (root / "app/b.py").read_text() == "x.baseline_operation_run_id = 2\n"


MANY = "".join(f"x{n}.current_run_id = {n}\n" for n in range(400))


def _rewrite_before_read(monkeypatch: pytest.MonkeyPatch, target: Path, change: Callable[[Path], object]) -> None:
    """Change `target` after the check read it and before fix reads it: as another process might."""
    real = fix_files._read
    pending = [True]

    def change_then_read(path: Path) -> fix_files._Read:
        if path == target and pending:
            pending.clear()
            change(target)
        return real(path)

    monkeypatch.setattr(fix_files, "_read", change_then_read)


@pytest.mark.parametrize(
    ("change", "line"),
    [
        pytest.param(
            lambda path: path.write_text("# a line on top\n" + MANY),
            "app/a.py: not fixed: it changed since it was checked (`current_run_id` is no longer at 1:4); "
            "run fix again",
            id="lines-moved",
        ),
        pytest.param(
            lambda path: path.write_text(""),
            "app/a.py: not fixed: it changed since it was checked (`current_run_id` is no longer at 1:4); "
            "run fix again",
            id="emptied",
        ),
        pytest.param(Path.unlink, "app/a.py: not fixed: cannot read it: No such file or directory", id="vanished"),
    ],
)
def test_a_file_that_changed_since_the_check_gets_one_line_and_no_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: Callable[[Path], object], line: str
) -> None:
    root = write_files(tmp_path, {**TWO_FILES, "app/a.py": MANY})
    _rewrite_before_read(monkeypatch, root / "app/a.py", change)
    result = invoke(root, "fix", "--no-cache")
    assert result.exit_code == 1
    assert _per_file_lines(result.stdout, "app/a.py") == [line]
    assert "no longer there" not in result.stdout
    assert (root / "app/b.py").read_text() == "x.baseline_operation_run_id = 2\n"


def test_a_file_below_a_linked_folder_is_not_written_and_the_others_are_fixed(tmp_path: Path) -> None:
    root = write_files(
        tmp_path,
        {
            **TWO_FILES,
            "other/real.py": "x.current_run_id = 1\n",
            "app/deep/real.py": "x.current_run_id = 1\n",
        },
    )
    (root / "app/od").symlink_to("../other")
    (root / "app/deep/od").symlink_to("../../other")
    done = run_cli("fix", cwd=root)
    assert done.returncode == 1, done.stdout + done.stderr
    assert _per_file_lines(done.stdout, "app/od/real.py") == [
        "app/od/real.py: not fixed: app/od is a symbolic link to a folder; fix the files where it points"
    ]
    assert (root / "other/real.py").read_text() == "x.current_run_id = 1\n"
    assert (root / "app/od").is_symlink()
    assert (root / "app/deep/real.py").read_text() == "x.current_operation_run_id = 1\n"
    assert (root / "app/b.py").read_text() == "x.baseline_operation_run_id = 2\n"


def test_a_folder_that_becomes_a_link_before_the_write_is_not_written_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_files(tmp_path, {**TWO_FILES, "app/sub/c.py": "x.current_run_id = 1\n"})
    target = root / "app/sub/c.py"
    real = fix_files._read

    def read_then_link(path: Path) -> fix_files._Read:
        result = real(path)
        if path == target and not (root / "app/sub").is_symlink():
            shutil.move(root / "app/sub", root / "elsewhere")
            (root / "app/sub").symlink_to("../elsewhere")
        return result

    monkeypatch.setattr(fix_files, "_read", read_then_link)
    result = invoke(root, "fix", "--no-cache")
    assert result.exit_code == 1
    assert _per_file_lines(result.stdout, "app/sub/c.py") == [
        "app/sub/c.py: not written: app/sub became a symbolic link while being fixed"
    ]
    assert (root / "elsewhere/c.py").read_text() == "x.current_run_id = 1\n"


def _baselined_behind_a_link(tmp_path: Path, setting: str, name: str) -> tuple[Path, bytes]:
    """A project whose baseline (at name) is also reached as app/up/<name>, through a link to the root."""
    config = {"nolegacyruns.toml": f'paths = ["app"]\n{setting}', "app/a.py": "x.current_run_id = 1\n"}
    root = write_files(tmp_path, config)
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    assert invoke(root, "baseline", "--baseline", name).exit_code == 0
    recorded = (root / name).read_bytes()
    assert b"current_run_id" in recorded
    (root / "app/up").symlink_to("..")
    return root, recorded


BASELINE_LINE = "not fixed: it is the baseline file (`nolegacyruns baseline` writes it)"


@pytest.mark.parametrize(
    ("setting", "name"),
    [
        pytest.param("", ".nolegacyruns-baseline.json", id="default"),
        pytest.param('baseline = "data/runs.json"\n', "data/runs.json", id="configured"),
    ],
)
@pytest.mark.parametrize("args", [pytest.param((), id="with-it"), pytest.param(("--no-baseline",), id="without-it")])
def test_the_baseline_reached_through_a_link_is_never_rewritten(
    tmp_path: Path, setting: str, name: str, args: tuple[str, ...]
) -> None:
    root, recorded = _baselined_behind_a_link(tmp_path, setting, name)
    result = invoke(root, "fix", *args, "--no-cache")
    assert (root / name).read_bytes() == recorded
    # The check leaves the baseline out whatever path reaches it, so fix never even sees it.
    assert _per_file_lines(result.stdout, f"app/up/{name}") == []
    listed = invoke(root, "check", "--list-files", *args, "--no-cache")
    assert f"app/up/{name}" in listed.stdout and "baseline" in listed.stdout


def test_a_baseline_named_to_the_python_api_is_never_rewritten(tmp_path: Path) -> None:
    root, recorded = _baselined_behind_a_link(tmp_path, "", "data/runs.json")
    done = nolegacyruns.fix(root, baseline=root / "data/runs.json")
    assert (root / "data/runs.json").read_bytes() == recorded
    assert [file for file in done.files if file.path == "app/up/data/runs.json"] == []
    assert (root / "app/a.py").read_text() == "x.current_run_id = 1\n"  # baselined: not fixed either


def test_the_check_hint_counts_only_the_fixes_that_fix_would_apply(tmp_path: Path) -> None:
    """A safe fix held back because it would merge two names is not "fixable": the hint says it is held back."""
    root = write_files(tmp_path, {**CONFIG, "app/a.py": MERGE, "app/b.py": "x.current_run_id = 1\n"})
    before = {path: (root / path).read_bytes() for path in ("app/a.py", "app/b.py")}
    check = invoke(root, "check")
    assert "1 finding fixable with `nolegacyruns fix`. 1 safe fix held back: `nolegacyruns fix` says why." in (
        check.stdout
    )
    assert {path: (root / path).read_bytes() for path in before} == before  # the hint's dry run writes nothing
    done = invoke(root, "fix")
    assert "1 safe fix held back: `nolegacyruns fix` says why." in done.stdout
    assert "fixable with" not in done.stdout
    assert "held back" not in invoke(root, "check", "--format", "json").stdout
