"""`nolegacyruns fix`: expected files byte for byte in every language, and every way a fix must not harm a file.

Each case under tests/fixtures/fix_cases/<case>/ holds `before/` (a project's files), `after/` (what `fix`
makes of them) and `after-unsafe/` (what `fix --unsafe-fixes` makes of them).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import nolegacyruns
from cli_support import invoke
from helpers import run_cli, write_files
from nolegacyruns.config.loading import Config
from nolegacyruns.config.selection import build_ruleset
from nolegacyruns.fixing import NotEditable, edit
from nolegacyruns.fixing import files as fix_files
from nolegacyruns.scan.engine import check_source

CASES = Path(__file__).parent / "fixtures" / "fix_cases"
CONFIG = 'paths = ["app", "database", "resources", "config"]\n'
CHECK_CONFIG = Config(root=Path("/nonexistent"))
RULESET = build_ruleset(CHECK_CONFIG)


def _tree(root: Path) -> dict[str, bytes]:
    """Every file below root by relative path, without the configuration and the cache."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.name != "nolegacyruns.toml" and ".nolegacyruns_cache" not in path.parts
    }


def _project(tmp_path: Path, case: str) -> Path:
    root = tmp_path / "project"
    shutil.copytree(CASES / case / "before", root)
    (root / "nolegacyruns.toml").write_text(CONFIG)
    return root


@pytest.mark.parametrize("unsafe", [pytest.param(False, id="safe"), pytest.param(True, id="unsafe")])
@pytest.mark.parametrize("case", sorted(path.name for path in CASES.iterdir() if path.is_dir()))
def test_fix_makes_the_expected_files_byte_for_byte_and_a_second_run_changes_nothing(
    tmp_path: Path, case: str, unsafe: bool
) -> None:
    root = _project(tmp_path, case)
    flags = ["--unsafe-fixes"] if unsafe else []
    first = invoke(root, "fix", *flags)
    assert first.exit_code in (0, 1), first.output
    expected = _tree(CASES / case / ("after-unsafe" if unsafe else "after"))
    assert _tree(root) == expected
    assert expected != _tree(CASES / case / "before")
    second = invoke(root, "fix", *flags)
    assert _tree(root) == expected
    assert second.exit_code == first.exit_code
    assert second.stdout.splitlines()[-1].startswith("Fixed 0 findings in 0 files;")


def test_what_fix_reports_per_file_and_what_is_left(tmp_path: Path) -> None:
    root = _project(tmp_path, "sql")
    result = invoke(root, "fix")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "database/cleanup.sql: fixed 11 (NLR003 ×5, NLR004 ×6)"
    # Left: the table (an unsafe fix), a column in no one letter case (no fix), a URL slug (no fix).
    left = [line.split(": ", 1)[0] for line in lines[1:] if " NLR" in line]
    assert left == ["database/cleanup.sql:5:34", "database/cleanup.sql:6:15", "database/cleanup.sql:15:16"]
    assert lines[-4:] == [
        "1 finding with an unsafe fix: `nolegacyruns fix --unsafe-fixes` applies it.",
        "",
        "nolegacyruns FAILED: 3 findings in 1 file; 1 file scanned; 0 skipped; 0 suppressed.",
        "Fixed 11 findings in 1 file; 3 left.",
    ]


def test_check_says_how_many_findings_fix_would_fix(tmp_path: Path) -> None:
    root = write_files(tmp_path, {**TWO_FILES, "app/c.py": "T = 'inventory_sync_runs'\n"})
    lines = invoke(root, "check").stdout.splitlines()
    assert lines[-3:] == [
        "2 findings fixable with `nolegacyruns fix` (1 more with `--unsafe-fixes`).",
        "",
        "nolegacyruns FAILED: 3 findings in 3 files; 3 files scanned; 0 skipped; 0 suppressed.",
    ]


def test_line_endings_bom_encoding_and_file_mode_survive(tmp_path: Path) -> None:
    root = _project(tmp_path, "encodings")
    modes = {"app/bom_crlf.py": 0o640, "app/wide.sql": 0o604, "app/latin1.py": 0o755}
    for relpath, mode in modes.items():
        os.chmod(root / relpath, mode)
    assert invoke(root, "fix").exit_code == 0
    assert {relpath: stat.S_IMODE(os.stat(root / relpath).st_mode) for relpath in modes} == modes
    fixed = (root / "app/bom_crlf.py").read_bytes()
    assert fixed.startswith(b"\xef\xbb\xbf") and fixed.count(b"\r\n") == 3 and b"\n" not in fixed.replace(b"\r\n", b"")
    assert (root / "app/wide.sql").read_bytes().decode("utf-16") == (
        "SELECT baseline_operation_run_id FROM t WHERE type = 'inventory_sync';\r\n-- naïve comment\r\n"
    )


def test_diff_prints_a_unified_diff_and_writes_nothing(tmp_path: Path) -> None:
    root = _project(tmp_path, "python")
    before = _with_times(root)
    result = invoke(root, "fix", "--diff")
    assert result.exit_code == 1
    assert result.stdout.startswith("--- a/app/runs.py\n+++ b/app/runs.py\n@@ ")
    assert "-    WHERE type = 'inventory.sync'\n+    WHERE type = 'inventory_sync'\n" in result.stdout
    assert result.stdout.splitlines()[-1].startswith("Would fix 20 findings in 1 file (nothing written); 3 left")
    assert _with_times(root) == before


def _with_times(root: Path) -> dict[str, tuple[bytes, int]]:
    """The project's files (the cache aside: `check` writes it too) with their modification times."""
    return {relpath: (data, (root / relpath).stat().st_mtime_ns) for relpath, data in _tree(root).items()}


def test_diff_with_nothing_to_fix_exits_as_check_does(tmp_path: Path) -> None:
    root = write_files(tmp_path, {"nolegacyruns.toml": 'paths = ["app"]\n', "app/a.py": "TYPE = 'inventory_sync'\n"})
    result = invoke(root, "fix", "--diff")
    assert (result.exit_code, result.stdout.splitlines()[-1]) == (
        0,
        "Would fix 0 findings in 0 files (nothing written); 0 left.",
    )


SUPPRESSED = {
    "nolegacyruns.toml": (
        'paths = ["app"]\n[[allow]]\npaths = ["app/allowed.py"]\nrules = ["NLR003"]\nreason = "the export keeps it"\n'
    ),
    "app/allowed.py": "a.baseline_run_id = 1\nTYPE = 'inventory.sync'\n",
    "app/directive.py": "a.baseline_run_id = 1  # nolegacyruns: ignore[NLR003] for the export\nb.current_run_id = 2\n",
    "app/baselined.py": "a.last_seen_run_id = 1\n",
}


def test_suppressed_allowed_and_baselined_findings_are_never_touched(tmp_path: Path) -> None:
    root = write_files(
        tmp_path, {"nolegacyruns.toml": SUPPRESSED["nolegacyruns.toml"], "app/baselined.py": "a.last_seen_run_id = 1\n"}
    )
    assert invoke(root, "baseline").exit_code == 0
    write_files(root, {**SUPPRESSED, "app/baselined.py": "a.last_seen_run_id = 1\nb.last_seen_run_id = 2\n"})
    result = invoke(root, "fix")
    assert result.exit_code == 0, result.output
    assert (root / "app/allowed.py").read_text() == "a.baseline_run_id = 1\nTYPE = 'inventory_sync'\n"
    assert (root / "app/directive.py").read_text() == (
        "a.baseline_run_id = 1  # nolegacyruns: ignore[NLR003] for the export\nb.current_operation_run_id = 2\n"
    )
    # The baseline records the first line's finding; the new one on line 2 is fixed.
    assert (root / "app/baselined.py").read_text() == "a.last_seen_run_id = 1\nb.last_seen_operation_run_id = 2\n"
    # Without the baseline, line 1 would take the name line 2 now has: two names would become one.
    merge = invoke(root, "fix", "--no-baseline")
    assert merge.exit_code == 1
    assert "app/baselined.py: not fixed 1 (NLR003): `last_seen_operation_run_id` is already used" in merge.stdout
    assert (root / "app/baselined.py").read_text() == "a.last_seen_run_id = 1\nb.last_seen_operation_run_id = 2\n"


def _rule(rule_id: str, token: str, replacement: str) -> str:
    return f"""
[[rule]]
id = "{rule_id}"
name = "legacy-{rule_id.lower()}-token"
message = "legacy `{{token}}`"
tokens = ["{token}"]
replacements = {{ {token} = "{replacement}" }}
fix = "safe"
[rule.docs]
what-it-does = "a"
why-is-this-bad = "b"
example = "{token}"
use-instead = "{replacement}"
[[rule.valid]]
file = "a.txt"
code = "{replacement}"
[[rule.invalid]]
file = "a.txt"
code = "{token}"
expect = ["1:1"]
"""


def test_a_python_file_that_would_not_compile_after_the_fix_is_left_untouched(tmp_path: Path) -> None:
    root = write_files(
        tmp_path,
        {
            "nolegacyruns.toml": 'paths = ["app"]\nrule-packs = ["acme.toml"]\n',
            "acme.toml": _rule("ACME001", "widget_run_id", "widget-run"),
            "app/a.py": "widget_run_id = 1\nTYPE = 'inventory.sync'\n",
            "app/notes.txt": "widget_run_id\n",
        },
    )
    result = invoke(root, "fix")
    assert result.exit_code == 1
    assert "app/a.py: not fixed: it would not compile after the fix (" in result.stdout
    assert (root / "app/a.py").read_text() == "widget_run_id = 1\nTYPE = 'inventory.sync'\n"
    assert (root / "app/notes.txt").read_text() == "widget-run\n"  # other kinds of file are not compiled


def test_a_python_file_that_does_not_compile_is_not_fixed(tmp_path: Path) -> None:
    code = "def f(:\n    return 'inventory.sync'\n"
    root = write_files(tmp_path, {"nolegacyruns.toml": 'paths = ["app"]\n', "app/a.py": code})
    result = invoke(root, "fix")
    assert result.exit_code == 1
    assert "app/a.py: not fixed: it does not compile (invalid syntax at line 1); fix it by hand" in result.stdout
    assert (root / "app/a.py").read_text() == code


TWO_FILES = {
    "nolegacyruns.toml": 'paths = ["app"]\n',
    "app/a.py": "x.current_run_id = 1\n",
    "app/b.py": "x.baseline_run_id = 2\n",
}


def _swap_after_read(monkeypatch: pytest.MonkeyPatch, target: Path, swap: Any) -> None:
    """Change `target` right after fix has read it, before it is written: as another process might."""
    real = fix_files._read

    def read_then_swap(path: Path) -> Any:
        result = real(path)
        if path == target and target.is_file():
            swap(target)
        return result

    monkeypatch.setattr(fix_files, "_read", read_then_swap)


def _into_folder(path: Path) -> None:
    path.unlink()
    path.mkdir()


@pytest.mark.parametrize(
    ("swap", "reason"),
    [
        pytest.param(_into_folder, "(Is a directory)", id="replaced-by-a-folder"),
        pytest.param(Path.unlink, "No such file or directory", id="vanished"),
        pytest.param(
            lambda path: path.write_text("x.baseline_run_id = 3\n"), "it changed while being fixed", id="edited"
        ),
    ],
)
def test_a_file_changed_between_read_and_write_is_not_written_and_the_others_are_fixed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, swap: Any, reason: str
) -> None:
    root = write_files(tmp_path, TWO_FILES)
    _swap_after_read(monkeypatch, root / "app/a.py", swap)
    result = invoke(root, "fix", "--no-cache")
    assert result.exit_code == 1
    assert "app/a.py: not written: " in result.stdout and reason in result.stdout.splitlines()[0]
    assert "app/b.py: fixed 1 (NLR003)" in result.stdout
    assert (root / "app/b.py").read_text() == "x.baseline_operation_run_id = 2\n"
    assert not [p for p in (root / "app").iterdir() if p.name.startswith(".")]  # no temporary file left


def test_a_read_only_bind_mount_gives_a_clear_error_and_the_others_are_fixed(tmp_path: Path) -> None:
    """Read-only for root too: the file is bind-mounted read-only in a private mount namespace (CI runs as root)."""
    root = write_files(tmp_path, TWO_FILES)
    target = root / "app/a.py"
    script = f'mount --bind -o ro "{target}" "{target}" && exec "$0" -m nolegacyruns fix --no-cache'
    done = subprocess.run(
        ["unshare", "--mount", "sh", "-c", script, sys.executable],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NO_COLOR": "1"},
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "app/a.py: not written: read-only: it cannot be written\n" in done.stdout
    assert (root / "app/b.py").read_text() == "x.baseline_operation_run_id = 2\n"
    assert target.read_text() == TWO_FILES["app/a.py"]


def test_a_symbolic_link_is_not_written_through(tmp_path: Path) -> None:
    root = write_files(tmp_path, {"nolegacyruns.toml": 'paths = ["app"]\n', "app/real.py": "x.current_run_id = 1\n"})
    (root / "app/link.py").symlink_to("real.py")
    result = invoke(root, "fix")
    assert "app/link.py: not fixed: cannot read it: a symbolic link; fix the file it points to" in result.stdout
    assert (root / "app/real.py").read_text() == "x.current_operation_run_id = 1\n"
    assert (root / "app/link.py").is_symlink()


def test_undecodable_bytes_are_not_fixed(tmp_path: Path) -> None:
    data = b"x.current_run_id = 1\n# \xff\n"
    root = write_files(tmp_path, {"nolegacyruns.toml": 'paths = ["app"]\n', "app/a.sql": data})
    result = invoke(root, "fix")
    assert "app/a.sql: not fixed: undecodable bytes for utf-8" in result.stdout
    assert (root / "app/a.sql").read_bytes() == data


@pytest.mark.parametrize(
    ("args", "fixed"),
    [
        pytest.param(("--select", "NLR004"), "TYPE = 'inventory_sync'\nx.current_run_id = 1\n", id="select"),
        pytest.param(("--ignore", "nlr004"), "TYPE = 'inventory.sync'\nx.current_operation_run_id = 1\n", id="ignore"),
        pytest.param(
            ("--select", "NLR003,NLR004", "--ignore", "NLR0"),
            "TYPE = 'inventory.sync'\nx.current_run_id = 1\n",
            id="both",
        ),
    ],
)
def test_select_and_ignore_choose_the_rules_fixed(tmp_path: Path, args: tuple[str, ...], fixed: str) -> None:
    root = write_files(
        tmp_path,
        {"nolegacyruns.toml": 'paths = ["app"]\n', "app/a.py": "TYPE = 'inventory.sync'\nx.current_run_id = 1\n"},
    )
    invoke(root, "fix", *args)
    assert (root / "app/a.py").read_text() == fixed


def test_an_unknown_rule_to_select_is_a_usage_error(tmp_path: Path) -> None:
    root = write_files(tmp_path, TWO_FILES)
    result = invoke(root, "fix", "--select", "NLR0042")
    assert result.exit_code == 2 and "fix: unknown rule 'NLR0042' in --select/--ignore" in result.stderr
    assert (root / "app/a.py").read_text() == TWO_FILES["app/a.py"]


def test_check_fix_fixes_then_reports_what_is_left_in_any_format(tmp_path: Path) -> None:
    root = write_files(tmp_path, {**TWO_FILES, "app/c.py": "T = 'inventory_sync_runs'\n"})
    result = invoke(root, "check", "--fix", "--format", "json")
    assert result.exit_code == 1
    assert "app/a.py: fixed 1 (NLR003)" in result.stderr
    document = json.loads(result.stdout)
    assert [(f["path"], f["fix"]) for f in document["findings"]] == [
        ("app/c.py", {"replacement": "operation_runs", "applicability": "unsafe"})
    ]
    unsafe = invoke(root, "check", "--fix", "--unsafe-fixes")
    assert unsafe.exit_code == 0 and unsafe.stdout.startswith("app/c.py: fixed 1 (NLR001)\n")
    assert (root / "app/c.py").read_text() == "T = 'operation_runs'\n"


def test_unsafe_fixes_without_fix_is_a_usage_error(tmp_path: Path) -> None:
    root = write_files(tmp_path, TWO_FILES)
    result = invoke(root, "check", "--unsafe-fixes")
    assert result.exit_code == 2 and "--unsafe-fixes applies fixes: add --fix" in result.stderr


def test_fix_of_named_files_out_of_scope_passes_quietly(tmp_path: Path) -> None:
    root = write_files(tmp_path, {**TWO_FILES, "docs/a.py": "x.current_run_id = 1\n"})
    result = invoke(root, "fix", "docs/a.py")
    assert (result.exit_code, result.stdout) == (0, "")
    assert (root / "docs/a.py").read_text() == "x.current_run_id = 1\n"


def test_the_python_api(tmp_path: Path) -> None:
    root = write_files(tmp_path, TWO_FILES)
    preview = nolegacyruns.fix(root, write=False)
    assert [file.path for file in preview.files] == ["app/a.py", "app/b.py"]
    assert preview.files[0].diff().endswith("-x.current_run_id = 1\n+x.current_operation_run_id = 1\n")
    assert (root / "app/a.py").read_text() == TWO_FILES["app/a.py"]
    done = nolegacyruns.fix(root, files=["app/a.py"])
    assert [(file.path, file.changed) for file in done.files] == [("app/a.py", True)]
    assert (done.exit_code, done.report.findings) == (0, [])
    assert (root / "app/b.py").read_text() == TWO_FILES["app/b.py"]


def test_one_real_fix_process(tmp_path: Path) -> None:
    root = write_files(tmp_path, TWO_FILES)
    done = run_cli("fix", cwd=root)
    assert (done.returncode, done.stdout.splitlines()[-1]) == (0, "Fixed 2 findings in 2 files; 0 left."), done.stderr


def test_overlapping_fixes_are_applied_in_rounds_so_a_second_run_changes_nothing(tmp_path: Path) -> None:
    pack = _rule("ACME001", "widget_run", "gadget_run") + _rule("ACME002", "run_id", "ref_id")
    root = write_files(
        tmp_path,
        {
            "nolegacyruns.toml": 'paths = ["app"]\nrule-packs = ["acme.toml"]\n',
            "acme.toml": pack,
            "app/a.py": "widget_run_id = 1\n",
        },
    )
    first = invoke(root, "fix")
    assert (root / "app/a.py").read_text() == "gadget_ref_id = 1\n"
    assert first.exit_code == 0 and "app/a.py: fixed 2 (ACME001, ACME002)\n" in first.stdout
    second = invoke(root, "fix")
    assert second.stdout.splitlines()[-1] == "Fixed 0 findings in 0 files; 0 left."


def test_a_token_no_longer_at_its_place_leaves_the_whole_file_alone() -> None:
    data = b"x.current_run_id = 1\ny.baseline_run_id = 2\n"
    findings = check_source("a.py", data, RULESET, CHECK_CONFIG).active
    with pytest.raises(NotEditable) as refused:
        edit("a.py", b"x.current_rxn_id = 1\ny.baseline_run_id = 2\n", findings)
    assert str(refused.value) == (
        "not fixed: it changed since it was checked (`current_run_id` is no longer at 1:3); run fix again"
    )


def test_a_packs_examples_fail_when_a_safe_fix_breaks_them(tmp_path: Path) -> None:
    pack = tmp_path / "acme.toml"
    invalid = '[[rule.invalid]]\nfile = "a.txt"\ncode = "widget_run_id"'
    python = '[[rule.invalid]]\nfile = "a.py"\ncode = "widget_run_id = 1"'
    pack.write_text(_rule("ACME001", "widget_run_id", "widget-run").replace(invalid, python))
    result = invoke(tmp_path, "test-pack", str(pack))
    assert result.exit_code == 1
    assert "rule[ACME001].invalid[0] (a.py): its safe fixes cannot be applied: not fixed: it would not compile" in (
        result.stdout
    )


def test_the_owner_of_a_fixed_file_is_kept(tmp_path: Path) -> None:
    """The tests run as root, as CI does: root's fix of another user's file leaves it that user's."""
    root = write_files(tmp_path, TWO_FILES)
    os.chown(root / "app/a.py", 12345, 23456)
    assert invoke(root, "fix").exit_code == 0
    info = os.stat(root / "app/a.py")
    assert (info.st_uid, info.st_gid) == (12345, 23456)
    assert (root / "app/a.py").read_text() == "x.current_operation_run_id = 1\n"
