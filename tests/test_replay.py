"""Replay: an unchanged check prints what it printed before; any change to what it read means a full run.

Each check here is a real process started through the launcher, with the settle time cut to 20 ms
(a file changed within it is not trusted by its stat), and a marker on stderr at interpreter exit
that only a full run prints (a replay leaves through `os._exit`).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import GIT_ENV, age_files, git, write_files
from nolegacyruns.replay.record import ENTRY, FOLDER_NAME, OPENED, Invalid, Record, unpack
from nolegacyruns.scan.cache import CACHE_DIR_NAME

FULL_RUN = "[full run]"
LAUNCH = (
    "import atexit, os, sys\n"
    "from nolegacyruns.replay import recorder\n"
    "recorder.SETTLE_NS = int(os.environ.pop('REPLAY_SETTLE_NS'))\n"
    "recorder.KEPT_RECORDS = int(os.environ.pop('REPLAY_KEPT', '32'))\n"
    f"atexit.register(os.write, 2, {FULL_RUN.encode()!r})\n"
    "from nolegacyruns.launcher import main\n"
    "main()\n"
)
SETTLE_S = 0.02
PROJECT: dict[str, str | bytes] = {
    "nolegacyruns.toml": 'paths = ["app", "database"]\n',
    "app/legacy.py": 'TABLE = "inventory_sync_runs"\n',
    "app/clean.py": "def f():\n    return 1\n",
    "app/models/run.py": "class OperationRun:\n    pass\n",
    "database/m.sql": "SELECT 1;\n",
}
# The same length as the legacy table name: an edit that keeps a file's size.
SAME_SIZE_CLEAN = "inventory_sync_rxns"


def _command(*args: str) -> list[str]:
    return [sys.executable, "-c", LAUNCH, "check", "--format", "json", *args]


def _env(settle_ns: int = 20_000_000, **more: str) -> dict[str, str]:
    env = {**os.environ, **GIT_ENV, "NO_COLOR": "1", "REPLAY_SETTLE_NS": str(settle_ns)}
    env.pop("NOLEGACYRUNS_CACHE_DIR", None)
    return {**env, **more}


def _check(
    root: Path, *args: str, settle_ns: int = 20_000_000, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _command(*args), cwd=root, env=env or _env(settle_ns), capture_output=True, text=True, timeout=120
    )


def _fresh(root: Path) -> tuple[int, str]:
    done = _check(root, "--no-cache")
    return done.returncode, done.stdout


def _records(root: Path) -> list[Path]:
    folder = root / CACHE_DIR_NAME / FOLDER_NAME
    return sorted(folder.iterdir()) if folder.is_dir() else []


def _project(root: Path, *, in_git: bool = False) -> Path:
    write_files(root, PROJECT)
    write_files(root, {"shared/linked.py": "X = 1\n"})
    (root / "app/linked.py").symlink_to("../shared/linked.py")
    age_files(root)
    if in_git:
        git(root, "init", "-q")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "start")
    time.sleep(SETTLE_S * 2)
    return root


def _recorded(root: Path) -> subprocess.CompletedProcess[str]:
    """Fill the cache, then run the check that records; return that check."""
    assert FULL_RUN in _check(root).stderr
    recording = _check(root)
    assert FULL_RUN in recording.stderr
    assert _records(root), "the warm check left no record"
    return recording


@pytest.mark.parametrize("in_git", [pytest.param(False, id="walk"), pytest.param(True, id="git")])
def test_an_unchanged_check_is_replayed_with_the_same_output_and_exit_code(tmp_path: Path, in_git: bool) -> None:
    root = _project(tmp_path / "project", in_git=in_git)
    recording = _recorded(root)
    replayed = _check(root)
    assert FULL_RUN not in replayed.stderr
    assert replayed.stderr == ""
    assert (replayed.returncode, replayed.stdout) == (recording.returncode, recording.stdout) == _fresh(root)
    assert replayed.returncode == 1
    assert json.loads(replayed.stdout)["findings"]


# Edits of the project after the record; each must give exactly what a check without cache gives.
EDITS = [
    "same-size-content",
    "new-token-file",
    "new-folder",
    "delete-file",
    "touch",
    "gitignore",
    "config-exclude",
    "config-in-parent",
    "baseline",
    "symlink",
    "out-of-scope-file",
    "untracked-in-git",
    "link-target",
    "git-init",
    "shadowing-module",
]


def _edit(root: Path, edit: str) -> None:
    if edit == "same-size-content":
        (root / "app/legacy.py").write_text(f'TABLE = "{SAME_SIZE_CLEAN}"\n', encoding="utf-8")
    elif edit == "new-token-file":
        (root / "app/new.py").write_text('MODEL = "BackupScheduleRun"\n', encoding="utf-8")
    elif edit == "new-folder":
        write_files(root, {"app/deeper/still/x.sql": "SELECT * FROM entra_group_sync_runs;\n"})
    elif edit == "delete-file":
        (root / "app/legacy.py").unlink(missing_ok=True)
    elif edit == "touch":
        os.utime(root / "app/clean.py")
    elif edit == "gitignore":
        (root / ".gitignore").write_text("app/legacy.py\n", encoding="utf-8")
    elif edit == "config-exclude":
        (root / "nolegacyruns.toml").write_text('paths = ["app"]\nexclude = ["app/legacy.py"]\n', encoding="utf-8")
    elif edit == "config-in-parent":
        (root / "nolegacyruns.toml").unlink()
        (root.parent / "nolegacyruns.toml").write_text('paths = ["project/database"]\n', encoding="utf-8")
    elif edit == "baseline":
        subprocess.run(
            [sys.executable, "-m", "nolegacyruns", "baseline"], cwd=root, capture_output=True, check=False, timeout=120
        )
    elif edit == "symlink":
        target = root / "app/clean.py"
        target.unlink()
        target.symlink_to(root / "database/m.sql")
    elif edit == "out-of-scope-file":
        (root / "docs").mkdir(exist_ok=True)
        (root / "docs/notes.py").write_text('TABLE = "inventory_sync_runs"\n', encoding="utf-8")
    elif edit == "link-target":  # only the file a link in scope points to changes
        (root / "shared/linked.py").write_text('TABLE = "backup_schedule_runs"\n', encoding="utf-8")
    elif edit == "git-init":  # git lists the files now, and git's own ignore file counts
        if not (root / ".git").exists():
            git(root, "init", "-q")
            (root / ".git/info/exclude").write_text("app/legacy.py\n", encoding="utf-8")
    elif edit == "shadowing-module":  # `python -c` and `-m` import from the working folder first
        (root / "pathspec.py").write_text("raise SystemExit(7)\n", encoding="utf-8")
    elif edit == "untracked-in-git":
        (root / "app/untracked.py").write_text('TABLE = "entra_group_sync_runs"\n', encoding="utf-8")


@pytest.mark.parametrize("in_git", [pytest.param(False, id="walk"), pytest.param(True, id="git")])
@pytest.mark.parametrize("edit", EDITS)
def test_after_each_edit_the_check_says_what_a_check_without_cache_says(
    tmp_path: Path, edit: str, in_git: bool
) -> None:
    root = _project(tmp_path / "project", in_git=in_git)
    _recorded(root)
    _edit(root, edit)
    after = _check(root)
    assert (after.returncode, after.stdout) == _fresh(root)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(in_git=st.booleans(), edits=st.lists(st.sampled_from(EDITS), min_size=1, max_size=3))
def test_after_any_edit_the_check_says_what_a_check_without_cache_says(
    tmp_path_factory: pytest.TempPathFactory, in_git: bool, edits: list[str]
) -> None:
    root = _project(tmp_path_factory.mktemp("replay") / "project", in_git=in_git)
    _recorded(root)
    for edit in edits:
        _edit(root, edit)
    after = _check(root)
    assert (after.returncode, after.stdout) == _fresh(root), edits


def test_a_record_that_is_damaged_or_of_another_check_is_not_used(tmp_path: Path) -> None:
    root = _project(tmp_path / "project")
    recording = _recorded(root)
    [record] = _records(root)
    data = record.read_bytes()
    for damaged in (data[:-1], data[:40], b"", data[:100] + b"x" + data[101:], b"\0" * len(data)):
        record.write_bytes(damaged)
        again = _check(root)
        assert FULL_RUN in again.stderr
        assert (again.returncode, again.stdout) == (recording.returncode, recording.stdout)
    # A record that decodes but was made for other arguments, saved under this check's name.
    _check(root, "--no-baseline")
    _check(root, "--no-baseline")
    records = _records(root)
    other = next(path for path in records if path != record)
    record.write_bytes(other.read_bytes())
    assert FULL_RUN in _check(root).stderr


def test_a_record_that_does_not_list_the_tool_itself_is_not_used(tmp_path: Path) -> None:
    root = _project(tmp_path / "project")
    _recorded(root)
    [path] = _records(root)
    record = Record.decode(path.read_bytes())
    import nolegacyruns.launcher as launcher

    own = os.fsencode(os.path.abspath(launcher.__file__))
    for kind in (OPENED, ENTRY):
        paths, sigs = record.entries.get(kind, ([], []))
        kept = [(p, s) for p, s in zip(paths, sigs, strict=True) if p != own]
        record.entries[kind] = ([p for p, _ in kept], [s for _, s in kept])
    path.write_bytes(record.encode())
    assert FULL_RUN in _check(root).stderr


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("--no-cache",), id="no-cache"),
        pytest.param(("--output", "report.json"), id="output"),
        pytest.param(("--fix",), id="fix"),
        pytest.param(("--list-files",), id="list-files"),
        pytest.param(("--diff", "empty.diff"), id="diff"),
    ],
)
def test_a_check_that_writes_a_file_fixes_or_reads_a_diff_leaves_no_record(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    root = _project(tmp_path / "project")
    (root / "empty.diff").write_text("", encoding="utf-8")
    _check(root)
    _check(root, *args)
    _check(root, *args)
    assert _records(root) == []


def test_a_check_of_files_changed_within_the_settle_time_leaves_no_record(tmp_path: Path) -> None:
    root = _project(tmp_path / "project")
    for _ in range(3):
        done = _check(root, settle_ns=3_600 * 1_000_000_000)
        assert FULL_RUN in done.stderr
    assert _records(root) == []


def test_a_check_with_a_cache_miss_leaves_no_record(tmp_path: Path) -> None:
    root = _project(tmp_path / "project")
    _check(root)
    (root / "app/new.py").write_text("X = 1\n", encoding="utf-8")
    age_files(root)
    time.sleep(SETTLE_S * 2)
    _check(root)  # it analysed app/new.py: no record
    assert _records(root) == []


def test_a_replay_folder_planted_as_a_link_is_not_written_through(tmp_path: Path) -> None:
    root = _project(tmp_path / "project")
    host = tmp_path / "host"
    host.mkdir()
    (root / CACHE_DIR_NAME).mkdir()
    (root / CACHE_DIR_NAME / FOLDER_NAME).symlink_to(host)
    first = _check(root)
    for _ in range(3):
        again = _check(root)
        assert FULL_RUN in again.stderr
        assert (again.returncode, again.stdout) == (first.returncode, first.stdout)
    assert list(host.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "env_folder"),
    [
        pytest.param(("--cache-dir", "."), None, id="cache-dir-is-the-root"),
        pytest.param(("--cache-dir", ".."), None, id="cache-dir-above-the-root"),
        pytest.param((), "..", id="environment-above-the-root"),
    ],
)
def test_a_cache_folder_at_or_above_the_project_never_hides_a_change(
    tmp_path: Path, args: tuple[str, ...], env_folder: str | None
) -> None:
    root = _project(tmp_path / "project")
    env = _env(**({"NOLEGACYRUNS_CACHE_DIR": env_folder} if env_folder else {}))
    for _ in range(3):
        assert _check(root, *args, env=env).returncode == 1
    assert not (root / ".gitignore").exists()  # a folder of the user's is not told to ignore itself
    (root / "app/legacy.py").write_text(f'TABLE = "{SAME_SIZE_CLEAN}"\n', encoding="utf-8")
    clean = _check(root, *args, env=env)
    assert clean.returncode == 0, clean.stdout
    (root / "app/new.py").write_text('MODEL = "BackupScheduleRun"\n', encoding="utf-8")
    assert _check(root, *args, env=env).returncode == 1


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
@pytest.mark.parametrize("plant", ["other-owner", "group-writable", "device"])
def test_a_record_that_is_not_this_users_own_regular_file_is_not_read(tmp_path: Path, plant: str) -> None:
    root = _project(tmp_path / "project")
    recording = _recorded(root)
    [record] = _records(root)
    if plant == "other-owner":
        os.chown(record, 65534, 65534)
    elif plant == "group-writable":
        record.chmod(0o620)
    else:
        data = record.read_bytes()
        record.unlink()
        os.mknod(record, stat.S_IFCHR | 0o600, os.makedev(1, 5))  # /dev/zero: endless bytes
        assert len(data) > 0
    again = _check(root)
    assert FULL_RUN in again.stderr
    assert (again.returncode, again.stdout) == (recording.returncode, recording.stdout)


def test_a_working_folder_that_is_gone_gives_no_traceback(tmp_path: Path) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    process = subprocess.Popen(
        ["/bin/sh", "-c", f'cd {gone} && rmdir {gone} && exec "$0" "$@"', *_command()],
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _, stderr = process.communicate(timeout=60)
    assert "Traceback" not in stderr
    assert process.returncode not in (0, 1)


def test_what_git_writes_in_its_own_folder_does_not_stop_a_replay(tmp_path: Path) -> None:
    root = _project(tmp_path / "project", in_git=True)  # its root is listed: `python -c` imports from it
    recording = _recorded(root)
    (root / ".git" / "nolegacyruns-test").write_text("", encoding="utf-8")  # the folder's mtime changes
    git(root, "status", "--porcelain")  # and git refreshes its index
    replayed = _check(root)
    assert FULL_RUN not in replayed.stderr
    assert (replayed.returncode, replayed.stdout) == (recording.returncode, recording.stdout)


def test_a_module_put_on_the_import_path_later_is_seen(tmp_path: Path) -> None:
    """A folder on PYTHONPATH (or the working folder of `python -m`) that gains a module shadowing one
    the check imports: the next check imports it, so no record may hold."""
    extra = tmp_path / "extra"
    extra.mkdir()
    env = _env(PYTHONPATH=str(extra))
    root = _project(tmp_path / "project")
    _check(root, env=env)
    recording = _check(root, env=env)
    assert _records(root)
    (extra / "click.py").write_text("raise SystemExit(7)\n", encoding="utf-8")
    after = _check(root, env=env)
    assert (recording.returncode, after.returncode) == (1, 7)


def test_only_the_newest_records_are_kept(tmp_path: Path) -> None:
    root = _project(tmp_path / "project")
    env = _env(REPLAY_KEPT="2")
    _check(root, env=env)
    for args in (("--jobs", "1"), ("--jobs", "2"), ("--quiet",)):
        for _ in range(2):
            assert _check(root, *args, env=env).returncode == 1
    assert len(_records(root)) == 2


# A git that hangs once the marker file exists: a replay that runs it again is stuck there.
HANGING_GIT = """#!/bin/sh
if [ -e "$HANG_MARKER" ]; then
    echo $$ > "$HANG_MARKER.pid"
    sleep 60
fi
exec {git} "$@"
"""


@pytest.mark.parametrize(
    ("signum", "code", "word"),
    [
        pytest.param(signal.SIGTERM, 143, "terminated", id="SIGTERM"),
        pytest.param(signal.SIGINT, 130, "interrupted", id="SIGINT"),
    ],
)
def test_a_signal_during_a_replay_ends_it_as_a_check_ends_and_stops_git(
    tmp_path: Path, signum: int, code: int, word: str
) -> None:
    tools = tmp_path / "bin"
    tools.mkdir()
    real_git = shutil.which("git")
    assert real_git is not None
    (tools / "git").write_text(HANGING_GIT.format(git=real_git), encoding="utf-8")
    (tools / "git").chmod(0o755)
    marker = tmp_path / "hang"
    env = _env(PATH=f"{tools}{os.pathsep}{os.environ['PATH']}", HANG_MARKER=str(marker))
    root = _project(tmp_path / "project", in_git=True)
    _check(root, env=env)
    _check(root, env=env)
    assert _records(root)
    marker.touch()
    replay = subprocess.Popen(_command(), cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not Path(f"{marker}.pid").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    hanging = int(Path(f"{marker}.pid").read_text())
    replay.send_signal(signum)
    stdout, stderr = replay.communicate(timeout=30)
    assert replay.returncode == code
    assert stderr.strip() == f"nolegacyruns: {word}"
    assert stdout == ""
    with pytest.raises(ProcessLookupError):
        os.kill(hanging, 0)


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=400))
def test_decoding_any_bytes_gives_a_record_or_invalid(data: bytes) -> None:
    try:
        record = Record.decode(data)
    except Invalid:
        return
    assert isinstance(record.stdout, bytes)


@settings(max_examples=100, deadline=None)
@given(
    stdout=st.binary(max_size=200),
    exit_code=st.sampled_from([0, 1]),
    entries=st.dictionaries(
        st.sampled_from([ENTRY, OPENED]),
        st.lists(st.binary(min_size=1, max_size=20).filter(lambda path: b"\0" not in path), min_size=1, max_size=4),
        min_size=1,
    ),
)
def test_a_record_decodes_to_what_was_encoded(stdout: bytes, exit_code: int, entries: dict[bytes, list[bytes]]) -> None:
    table = {kind: (paths, [b"-2"] * len(paths)) for kind, paths in entries.items()}
    decoded = Record.decode(Record(b"key", exit_code, stdout, table, []).encode())
    assert (decoded.key, decoded.exit_code, decoded.stdout, decoded.entries) == (b"key", exit_code, stdout, table)


@settings(max_examples=100, deadline=None)
@given(items=st.lists(st.binary(max_size=40), max_size=8))
def test_packed_items_unpack_as_they_were(items: list[bytes]) -> None:
    from nolegacyruns.replay.record import pack

    assert unpack(pack(items)) == items


def test_a_recorded_check_keeps_rmtree_link_safe(tmp_path: Path) -> None:
    """The recorder's os.stat wrapper must not make shutil fall back to its link-following rmtree."""
    root = _project(tmp_path / "project")
    _check(root)
    probe = (
        "import sys\n"
        "from nolegacyruns.replay.recorder import Recorder\n"
        "with Recorder(b'key', 0, []):\n"
        "    import shutil\n"
        "    print(shutil.rmtree.avoids_symlink_attacks)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "True", done.stderr
