"""Edges of scope on real files: projects of named paths, odd file kinds, unreadable files, odd names."""

from __future__ import annotations

import codecs
import errno
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cli_support import invoke
from helpers import CLEAN_MODULE, LEGACY_MODULE, write_files
from nolegacyruns import check
from nolegacyruns.findings import fingerprint
from nolegacyruns.scan.decoding import decode

LEGACY_LINE = "app/legacy.py:3:10: NLR001 legacy run table `inventory_sync_runs`"


def _monorepo(root: Path) -> Path:
    """A repository whose only configuration sits in backend/, as in the reported monorepo."""
    return write_files(
        root,
        {
            "backend/pyproject.toml": '[tool.nolegacyruns]\npaths = ["app"]\n',
            "backend/app/legacy.py": LEGACY_MODULE,
            "front/nolegacyruns.toml": 'paths = ["src"]\n',
            "front/src/clean.py": CLEAN_MODULE,
            "front/src/legacy.py": LEGACY_MODULE,
            "README.md": "inventory_sync_runs\n",
        },
    )


# 1. A named file is checked with the configuration of its own project.


def test_a_named_file_is_checked_with_its_projects_configuration(tmp_path: Path) -> None:
    _monorepo(tmp_path)
    result = invoke(tmp_path, "check", "backend/app/legacy.py")
    assert result.exit_code == 1
    assert result.stdout.startswith(LEGACY_LINE)


def test_files_of_two_projects_give_one_report_each_and_the_worst_exit(tmp_path: Path) -> None:
    _monorepo(tmp_path)
    result = invoke(tmp_path, "check", "front/src/clean.py", "backend/app/legacy.py", "README.md")
    assert result.exit_code == 1
    assert result.stdout.startswith("== project backend/ ==\n" + LEGACY_LINE)
    front = result.stdout.split("\n== project front/ ==\n")[1]
    assert front == "nolegacyruns passed: 0 findings in 0 files; 1 file scanned; 0 skipped; 0 suppressed.\n"


def test_a_batch_with_nothing_in_scope_of_any_project_stays_quiet(tmp_path: Path) -> None:
    _monorepo(tmp_path)
    assert (invoke(tmp_path, "check", "README.md", "backend/pyproject.toml").exit_code, "") == (0, "")


def test_the_python_api_still_checks_one_project(tmp_path: Path) -> None:
    _monorepo(tmp_path)
    assert [f.path for f in check(tmp_path / "backend").findings] == ["app/legacy.py"]
    assert check(tmp_path / "front", files=["src/clean.py"]).findings == []


# 2. and 7. FIFOs, devices and broken symlinks are no files: left out, never opened.

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")


def _run_with_timeout(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A real run that fails the test instead of hanging it, should a FIFO be opened again."""
    env = {**os.environ, "NO_COLOR": "1"}
    try:
        return subprocess.run(
            [sys.executable, "-m", "nolegacyruns", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"nolegacyruns {' '.join(args)} hung: it opened a FIFO")


@needs_fifo
@pytest.mark.parametrize(
    "args", [pytest.param(["check"], id="walked"), pytest.param(["check", "app/pipe.py", "app/clean.py"], id="named")]
)
def test_a_fifo_in_scope_is_left_out_without_being_opened(tmp_path: Path, args: list[str]) -> None:
    write_files(tmp_path, {"nolegacyruns.toml": "", "app/clean.py": CLEAN_MODULE})
    os.mkfifo(tmp_path / "app" / "pipe.py")
    result = _run_with_timeout(tmp_path, *args)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.endswith("1 file scanned; 1 skipped (1 not a regular file); 0 suppressed.\n")
    listing = _run_with_timeout(tmp_path, "check", "--list-files")
    assert "  app/pipe.py  (not a regular file)\n" in listing.stdout


@pytest.mark.parametrize("target", [pytest.param("nowhere.py", id="dangling"), pytest.param("loop.py", id="loop")])
def test_a_broken_symlink_is_left_out_and_is_no_error(tmp_path: Path, target: str) -> None:
    write_files(tmp_path, {"nolegacyruns.toml": "", "app/clean.py": CLEAN_MODULE})
    (tmp_path / "app" / "loop.py").symlink_to("loop.py")
    if target != "loop.py":
        (tmp_path / "app" / "broken.py").symlink_to(target)
    name = "app/loop.py" if target == "loop.py" else "app/broken.py"
    assert f"  {name}  (broken symlink)\n" in invoke(tmp_path, "check", "--list-files").stdout
    broken = 2 if target != "loop.py" else 1
    for args, skipped in ((["check"], broken), (["check", name, "app/clean.py"], 1)):
        result = invoke(tmp_path, *args)
        assert (result.exit_code, result.stderr) == (0, ""), args
        assert result.stdout.endswith(f"1 file scanned; {skipped} skipped ({skipped} broken symlink); 0 suppressed.\n")


# 7. A regular file that cannot be read fails the check.


@pytest.mark.parametrize(
    ("code", "message"),
    [
        pytest.param(errno.EACCES, "Permission denied", id="permission"),
        pytest.param(errno.EIO, "Input/output error", id="eio"),
    ],
)
@pytest.mark.parametrize("named", [pytest.param(False, id="walked"), pytest.param(True, id="named")])
def test_an_unreadable_file_in_scope_fails_the_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, message: str, named: bool
) -> None:
    write_files(tmp_path, {"nolegacyruns.toml": "", "app/clean.py": CLEAN_MODULE, "app/secret.py": CLEAN_MODULE})
    real_open: Callable[..., Any] = os.open

    def failing_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if str(file).endswith("secret.py"):
            raise OSError(code, message, str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(os, "open", failing_open)  # how the check reads every file
    result = invoke(tmp_path, "check", *(["app/secret.py", "app/clean.py"] if named else []))
    assert result.exit_code == 1
    assert f"app/secret.py: error: cannot read: {message}\n" in result.stdout
    assert "nolegacyruns FAILED" in result.stdout


# 3. Folders of two projects: each is checked, or a one-line usage error; never exit 3.


def test_folders_of_two_projects_are_each_checked(tmp_path: Path) -> None:
    _monorepo(tmp_path)
    result = invoke(tmp_path / "backend", "check", ".", "../front")
    assert result.exit_code == 1
    assert "== project ./ ==\n" + LEGACY_LINE in result.stdout
    assert "== project " + str(tmp_path / "front") + "/ ==\n" + "src/legacy.py:3:10: NLR001" in result.stdout


def test_a_file_of_another_project_is_checked_there_not_dropped(tmp_path: Path) -> None:
    _monorepo(tmp_path)
    result = invoke(tmp_path / "backend", "check", "app", "../front/src/legacy.py")
    assert result.exit_code == 1
    assert "src/legacy.py:3:10: NLR001" in result.stdout and LEGACY_LINE in result.stdout


def test_a_folder_with_nothing_to_check_in_another_project_is_a_one_line_usage_error(tmp_path: Path) -> None:
    _monorepo(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = invoke(tmp_path / "backend", "check", ".", str(elsewhere))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"nolegacyruns: error: {elsewhere}: no file to check under paths")
    assert len(result.stderr.splitlines()) == 1


def test_a_file_under_no_configuration_outside_the_working_folder_is_a_usage_error(tmp_path: Path) -> None:
    write_files(
        tmp_path, {"work/nolegacyruns.toml": "", "work/app/clean.py": CLEAN_MODULE, "stray/app/x.py": LEGACY_MODULE}
    )
    result = invoke(tmp_path / "work", "check", "app/clean.py", "../stray/app/x.py")
    assert result.exit_code == 2
    assert result.stderr == (
        f"nolegacyruns: error: {tmp_path / 'stray/app/x.py'}: outside the project at {tmp_path / 'work'} "
        "and under no nolegacyruns configuration; run the check from its project\n"
    )


@pytest.mark.parametrize("output_format", ["json", "sarif", "junit", "gitlab"])
def test_one_document_formats_refuse_two_projects_in_one_line(tmp_path: Path, output_format: str) -> None:
    _monorepo(tmp_path)
    result = invoke(tmp_path, "check", "--format", output_format, "backend", "front")
    assert result.exit_code == 2
    assert f"--format {output_format} writes one document for one project; the paths are in 2 projects" in result.stderr
    assert len(result.stderr.splitlines()) == 1


# 5. A folder argument below an ignored folder stays out, as in the whole check and in git.


@pytest.mark.parametrize(
    "folder", [pytest.param("app/gen", id="ignored-folder"), pytest.param("app/gen/sub", id="below-it")]
)
def test_a_folder_argument_cannot_bring_back_an_ignored_folder(tmp_path: Path, folder: str) -> None:
    write_files(
        tmp_path,
        {
            "nolegacyruns.toml": "",
            "app/clean.py": CLEAN_MODULE,
            "app/.gitignore": "gen/\n!gen/keep.py\n!gen/sub/keep.py\n",
            "app/gen/keep.py": LEGACY_MODULE,
            "app/gen/sub/keep.py": LEGACY_MODULE,
        },
    )
    assert invoke(tmp_path, "check").exit_code == 0
    result = invoke(tmp_path, "check", folder)
    assert result.exit_code == 2 and "keep.py" not in result.stdout
    assert f"below {folder};" in result.stderr
    assert f"  {folder}/  (.gitignore)" in invoke(tmp_path, "check", "--list-files", folder).stdout


# 6. A named symlink is judged where it is, as the walk judges it.


def test_a_named_symlink_is_checked_as_in_the_whole_check(tmp_path: Path) -> None:
    write_files(tmp_path, {"nolegacyruns.toml": "", "app/clean.py": CLEAN_MODULE, "lib/legacy.py": LEGACY_MODULE})
    (tmp_path / "app" / "legacy.py").symlink_to("../lib/legacy.py")
    whole = invoke(tmp_path, "check")
    named = invoke(tmp_path, "check", "app/legacy.py")
    assert whole.exit_code == named.exit_code == 1
    assert whole.stdout.startswith(LEGACY_LINE) and named.stdout.startswith(LEGACY_LINE)


# 4. A file name that is not valid UTF-8.

BAD_NAME = b"b\xff.py"
SHOWN = "b\\udcff.py"  # how the escaped name reads in the output


@pytest.fixture
def badly_named(tmp_path: Path) -> Path:
    write_files(tmp_path, {"nolegacyruns.toml": "", "app/clean.py": CLEAN_MODULE})
    try:
        with open(os.path.join(os.fsencode(tmp_path), b"app", BAD_NAME), "wb") as handle:
            handle.write(b'x = "inventory_sync_runs"\n')
    except (OSError, UnicodeError):
        pytest.skip("this file system accepts only valid UTF-8 names")
    return tmp_path


def test_fingerprint_hashes_a_surrogate_escaped_path() -> None:
    path = os.fsdecode(b"app/" + BAD_NAME)
    assert fingerprint("NLR001", path, "t", "x", 0) != fingerprint("NLR001", "app/b.py", "t", "x", 0)


def _contains_name(text: str, output_format: str) -> bool:
    if output_format == "junit":
        return "app/b\ufffd.py" in text  # XML cannot hold a lone surrogate
    if output_format == "sarif":
        return "app/b%FF.py" in text
    if output_format in ("json", "gitlab"):
        return os.fsdecode(b"app/" + BAD_NAME) in json.dumps(json.loads(text), ensure_ascii=False)
    return f"app/{SHOWN}" in text


FORMAT_PARAMS = [
    pytest.param("text", id="text"),
    pytest.param("json", id="json"),
    pytest.param("sarif", id="sarif"),
    pytest.param("github", id="github"),
    pytest.param("junit", id="junit"),
    pytest.param("gitlab", id="gitlab"),
]


@pytest.mark.parametrize("output_format", FORMAT_PARAMS)
def test_every_format_reports_a_file_whose_name_is_not_utf8(badly_named: Path, output_format: str) -> None:
    result = invoke(badly_named, "check", "--format", output_format)
    assert (result.exit_code, result.stderr) == (1, ""), result.stderr
    assert _contains_name(result.stdout, output_format)


@pytest.mark.parametrize("output_format", FORMAT_PARAMS)
def test_every_format_writes_a_file_whose_name_is_not_utf8_to_output(badly_named: Path, output_format: str) -> None:
    result = invoke(badly_named, "check", "--format", output_format, "--output", "report.out")
    assert (result.exit_code, result.stderr) == (1, ""), result.stderr
    assert _contains_name((badly_named / "report.out").read_text(encoding="utf-8"), output_format)


def test_a_real_run_prints_a_name_that_is_not_utf8(badly_named: Path) -> None:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}
    result = subprocess.run(
        [sys.executable, "-m", "nolegacyruns", "check"],
        cwd=badly_named,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (result.returncode, result.stderr) == (1, "")
    assert result.stdout.startswith(f"app/{SHOWN}:1:6: NLR001 ")


# 8. UTF-16 and UTF-32 text with a byte order mark is text.

WIDE_SQL = "-- nightly \U0001f600 job\r\nSELECT * FROM inventory_sync_runs;\r\n"


@pytest.mark.parametrize(
    ("bom", "codec"),
    [
        pytest.param(codecs.BOM_UTF16_LE, "utf-16-le", id="utf-16-le"),
        pytest.param(codecs.BOM_UTF16_BE, "utf-16-be", id="utf-16-be"),
        pytest.param(codecs.BOM_UTF32_LE, "utf-32-le", id="utf-32-le"),
        pytest.param(codecs.BOM_UTF32_BE, "utf-32-be", id="utf-32-be"),
    ],
)
def test_a_file_with_a_utf16_or_utf32_bom_is_checked(tmp_path: Path, bom: bytes, codec: str) -> None:
    write_files(tmp_path, {"nolegacyruns.toml": "", "app/job.sql": bom + WIDE_SQL.encode(codec)})
    result = invoke(tmp_path, "check")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("app/job.sql:2:15: NLR001 legacy run table `inventory_sync_runs`")
    assert lines[1] == "   2 | SELECT * FROM inventory_sync_runs;"
    assert result.stdout.endswith("1 file scanned; 0 skipped; 0 suppressed.\n")


@pytest.mark.parametrize("python", [pytest.param(False, id="sql"), pytest.param(True, id="python")])
def test_decode_reads_a_utf16_bom_and_counts_code_points(python: bool) -> None:
    assert decode(codecs.BOM_UTF16_LE + "a\U0001f600b\n".encode("utf-16-le"), python=python) == ("a\U0001f600b\n", [])


def test_undecodable_utf16_is_reported_on_its_line() -> None:
    data = codecs.BOM_UTF16_LE + "one\n\u0a0atwo\n".encode("utf-16-le") + b"\x00"  # odd trailing byte
    text, [notice] = decode(data, python=False)
    assert text.startswith("one\n\u0a0atwo\n") and "from line 3" in notice.detail
