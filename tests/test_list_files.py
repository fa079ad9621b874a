"""`check --list-files`: what the guard covers, and why every other file is left out."""

from __future__ import annotations

import json
from pathlib import Path

from cli_support import FIXTURE, invoke
from helpers import CLEAN_MODULE, LEGACY_MODULE, run_cli, write_files
from nolegacyruns import check


def _project(tmp_path: Path) -> Path:
    config = 'paths = ["app"]\nexclude = ["app/vendor/", "*.gen.py"]\n'
    return write_files(
        tmp_path,
        {
            "nolegacyruns.toml": config,
            ".gitignore": "build/\n.venv/\n",
            "app/a.py": CLEAN_MODULE,
            "app/models.gen.py": LEGACY_MODULE,
            "app/vendor/lib.py": LEGACY_MODULE,
            "app/build/out.py": LEGACY_MODULE,
            "app/logo.png": b"\x89PNG\0\0",
            "scripts/tool.py": LEGACY_MODULE,
            ".venv/lib/site.py": LEGACY_MODULE,
        },
    )


def test_list_files_names_every_file_and_the_reason(tmp_path: Path) -> None:
    result = invoke(_project(tmp_path), "check", "--list-files")
    assert result.exit_code == 0
    assert result.stdout == (
        "app/a.py\n"
        "\n"
        "Left out:\n"
        "  .gitignore  (outside paths)\n"
        "  .venv/  (outside paths)\n"
        "  app/build/  (.gitignore)\n"
        "  app/logo.png  (binary)\n"
        "  app/models.gen.py  (exclude)\n"
        "  app/vendor/  (exclude)\n"
        "  nolegacyruns.toml  (outside paths)\n"
        "  scripts/tool.py  (outside paths)\n"
        "1 file in scope; 8 left out.\n"
    )


def test_list_files_as_json_matches_the_check_scope() -> None:
    document = json.loads(invoke(FIXTURE, "check", "--list-files", "--format", "json").stdout)
    report = check(FIXTURE)
    assert document["files"] == report.scope.files
    left_out = {(item["path"], item["reason"]) for item in document["left_out"]}
    assert set(report.scope.left_out) <= left_out
    assert ("docs/notes.py", "outside paths") in left_out


def test_list_files_for_named_files_says_why_each_is_out(tmp_path: Path) -> None:
    project = _project(tmp_path)
    result = invoke(project, "check", "--list-files", "app/a.py", "scripts/tool.py", "app/models.gen.py")
    assert result.stdout.splitlines() == [
        "app/a.py",
        "",
        "Left out:",
        "  app/models.gen.py  (exclude)",
        "  scripts/tool.py  (outside paths)",
        "1 file in scope; 2 left out.",
    ]


def test_list_files_with_nothing_in_scope_still_lists(tmp_path: Path) -> None:
    write_files(tmp_path, {"nolegacyruns.toml": 'paths = ["src"]\n', "app/a.py": CLEAN_MODULE})
    result = invoke(tmp_path, "check", "--list-files")
    assert result.exit_code == 0
    assert result.stdout.endswith("0 files in scope; 2 left out.\n")


def test_list_files_in_a_real_subprocess() -> None:
    result = run_cli("check", "--list-files", cwd=FIXTURE)
    assert result.returncode == 0
    assert "  app/blob.bin  (binary)" in result.stdout.splitlines()
