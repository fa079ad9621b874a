"""Hostile input: every bad input is exit 2 with one line naming it; an unwritable stdout ends quietly;
files too large to be worth reading are skipped, said, and never read."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import LEGACY_MODULE
from hostile_support import CONFIG, make_project, one_error_line, run_check

_DEEP_TOML = "x = " + "[" * 10_000 + "]" * 10_000 + "\n"
_DIFF_HEAD = "--- a/app/clean.py\n+++ b/app/clean.py\n"


@pytest.mark.parametrize(
    ("files", "args", "named"),
    [
        pytest.param({"b.json": "[" * 100_000}, ["check", "--baseline", "b.json"], "b.json", id="baseline-deep-json"),
        pytest.param(
            {"b.json": '{"tool": "nolegacyruns", "version": ' + "9" * 5000 + ', "findings": []}'},
            ["check", "--baseline", "b.json"],
            "b.json",
            id="baseline-huge-integer",
        ),
        pytest.param({"pyproject.toml": CONFIG + _DEEP_TOML}, ["check"], "pyproject.toml", id="config-deep-toml"),
        pytest.param(
            {"pyproject.toml": CONFIG + "rule-packs = ['deep.toml']\n", "deep.toml": _DEEP_TOML},
            ["check"],
            "deep.toml",
            id="pack-deep-toml",
        ),
        pytest.param(
            {"d.diff": _DIFF_HEAD + "@@ -1," + "9" * 5000 + " +1,1 @@\n+x\n"},
            ["check", "--diff", "d.diff"],
            "d.diff",
            id="diff-huge-count",
        ),
        pytest.param(
            {"d.diff": f"--- a/{'p' * 300}/x.py\n+++ b/{'p' * 300}/x.py\n@@ -1 +1 @@\n+x\n"},
            ["check", "--diff", "d.diff"],
            "d.diff",
            id="diff-long-path-part",
        ),
    ],
)
def test_bad_input_is_exit_2_with_one_line_naming_it(
    tmp_path: Path, files: dict[str, str | bytes], args: list[str], named: str
) -> None:
    make_project(tmp_path, files)
    code, out, err = run_check(tmp_path, *args, timeout=60)
    # A diff whose counts or paths are absurd is refused: read as naming nothing, it would pass its lines unchecked.
    assert code == 2, out
    one_error_line(err, named)


def test_a_diff_on_stdin_with_a_huge_count_is_exit_2(tmp_path: Path) -> None:
    make_project(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "nolegacyruns", "check", "--diff", "-"],
        input=_DIFF_HEAD + "@@ -1," + "9" * 5000 + " +1,1 @@\n+x\n",
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stdout
    one_error_line(done.stderr, "--diff -: line 3")


def test_a_closed_stdin_for_a_diff_on_it_is_exit_2(tmp_path: Path) -> None:
    make_project(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "nolegacyruns", "check", "--diff", "-"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=lambda: os.close(0),  # `<&-`
    )
    assert done.returncode == 2, done.stdout
    one_error_line(done.stderr, "--diff -", "standard input is closed")


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        pytest.param(["check", "--baseline", "no\nsuch.json"], "no\\nsuch.json", id="file-name"),
        pytest.param(["check", "--diff", "no\rsuch\u2028.diff"], "no\\rsuch\\u2028.diff", id="diff-name"),
        pytest.param(["merge", "no\x85such.json"], "no\\x85such.json", id="report-name"),
    ],
)
def test_a_name_with_a_line_break_stays_on_one_line(tmp_path: Path, args: list[str], shown: str) -> None:
    make_project(tmp_path)
    code, out, err = run_check(tmp_path, *args, timeout=60)
    assert code == 2, out
    one_error_line(err, shown)


# A closed or full standard output.


@pytest.mark.parametrize("args", [pytest.param(["rules"], id="rules"), pytest.param(["check"], id="check")])
def test_a_closed_stdout_ends_quietly(tmp_path: Path, args: list[str]) -> None:
    make_project(tmp_path, {"app/legacy.py": LEGACY_MODULE})
    read_end, write_end = os.pipe()
    os.close(read_end)  # `| head -1` after head has gone
    try:
        done = subprocess.run(
            [sys.executable, "-m", "nolegacyruns", *args],
            cwd=tmp_path,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    finally:
        os.close(write_end)
    # Never a pass: the verdict could not be delivered.
    assert (done.returncode, done.stderr) == (2, "")


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["rules"], id="rules"),
        pytest.param(["check"], id="check"),
        pytest.param(["check", "."], id="check-folder"),
        pytest.param(["check", "--output", "report.json"], id="check-output"),
        pytest.param(["merge", "report.json"], id="merge"),
    ],
)
def test_a_closed_stdout_descriptor_is_one_line_and_exit_2(tmp_path: Path, args: list[str]) -> None:
    # `check . >&-`: Python sees no stdout at all (sys.stdout is None); the verdict cannot be delivered.
    make_project(tmp_path, {"app/legacy.py": LEGACY_MODULE})
    assert run_check(tmp_path, "check", "--format", "json", "--output", "report.json")[0] == 1
    done = subprocess.run(
        [sys.executable, "-m", "nolegacyruns", *args],
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
        preexec_fn=lambda: os.close(1),
    )
    assert done.returncode == 2
    one_error_line(done.stderr, "standard output", "Bad file descriptor")


@pytest.mark.parametrize("args", [pytest.param(["rules"], id="rules"), pytest.param(["check"], id="check")])
def test_a_full_stdout_is_one_line_and_exit_2(tmp_path: Path, args: list[str]) -> None:
    make_project(tmp_path, {"app/legacy.py": LEGACY_MODULE})
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "nolegacyruns", *args],
            cwd=tmp_path,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2
    one_error_line(done.stderr, "standard output", "No space left on device")


# Files too large to read: skipped by max-file-size, said, never read.


@pytest.mark.parametrize("name", ["app/huge.py", "app/huge.sql"])
def test_a_200_mb_file_is_skipped_by_max_file_size_and_reported(tmp_path: Path, name: str) -> None:
    make_project(tmp_path)
    with open(tmp_path / name, "w") as handle:
        handle.write(
            "TABLE = 'inventory_sync_runs'\n" if name.endswith(".py") else "SELECT * FROM inventory_sync_runs;\n"
        )
        handle.write("x = 1\n" * 2000)  # the binary sniff sees text
        handle.truncate(200 << 20)  # sparse: no disk, 200 MB to a reader
    start = time.monotonic()
    code, out, err = run_check(tmp_path, "check", timeout=120)
    elapsed = time.monotonic() - start
    assert elapsed < 30
    assert code == 0 and err == "", out
    assert "1 skipped (1 larger than max-file-size)" in out
    listing = run_check(tmp_path, "check", "--list-files")[1]
    assert f"  {name}  (larger than max-file-size)\n" in listing


def test_max_file_size_is_configurable(tmp_path: Path) -> None:
    make_project(tmp_path, {"app/big.py": "VALUE = 'inventory_sync_runs'\n" + "# filler\n" * 20})
    (tmp_path / "pyproject.toml").write_text(CONFIG + "max-file-size = 100\n")
    code, out, _ = run_check(tmp_path, "check")
    assert code == 0, out
    assert out.endswith("1 file scanned; 1 skipped (1 larger than max-file-size); 0 suppressed.\n")
    (tmp_path / "pyproject.toml").write_text(CONFIG + "max-file-size = 'big'\n")
    code, _, err = run_check(tmp_path, "check")
    assert code == 2
    one_error_line(err, "max-file-size")
