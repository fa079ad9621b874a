"""Real processes for the hostile-environment tests: runs in their own session, and the processes they leave."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers import CLEAN_MODULE, write_files

CONFIG = '[tool.nolegacyruns]\npaths = ["app"]\n'
# One backfill loop (NLR101 needs the structural parse) on top of filler that keeps libcst busy for seconds.
BACKFILL = (
    "def backfill(session):\n"
    "    for legacy in session.query(InventorySyncRun).all():\n"
    '        session.add(OperationRun(type="inventory_sync", status=legacy.status))\n'
)
# Drop the permission bypass of root, so a chmod 000 folder is unreadable as it is for any other user.
WITHOUT_DAC = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]


def slow_module(lines: int = 5000) -> str:
    """A Python file whose structural parse takes seconds, holding one NLR101 backfill (line 3, column 21)."""
    return BACKFILL + "".join(f"value_{i} = call_{i}(arg, {i})\n" for i in range(lines))


def large_tree(root: Path, clean: int = 1600, slow: int = 1, slow_lines: int = 5000) -> Path:
    """A tree big enough for worker processes: many clean files and a few slow token-bearing ones."""
    files: dict[str, str | bytes] = {"pyproject.toml": CONFIG}
    for index in range(clean):
        files[f"app/pkg{index % 40}/clean_{index}.py"] = f"from app.models import OperationRun\nVALUE = {index}\n"
    for index in range(slow):
        files[f"app/slow/slow_{index}.py"] = slow_module(slow_lines)
    return write_files(root, files)


@dataclass(frozen=True, slots=True)
class Proc:
    pid: int
    ppid: int
    pgrp: int
    state: str
    name: str


def processes() -> list[Proc]:
    """Every process on the machine (Linux /proc), read without raising for ones that exit meanwhile."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", encoding="utf-8", errors="replace") as handle:
                stat = handle.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        command = stat[stat.index("(") + 1 : stat.rindex(")")]
        found.append(Proc(int(name), int(fields[1]), int(fields[2]), fields[0], command))
    return found


def group_members(pgrp: int) -> list[Proc]:
    """Live (not zombie) processes of a process group."""
    return [proc for proc in processes() if proc.pgrp == pgrp and proc.state != "Z"]


def descendants(pid: int) -> list[Proc]:
    table = processes()
    found, frontier = [], {pid}
    while frontier:
        children = [proc for proc in table if proc.ppid in frontier and proc.state != "Z"]
        found += children
        frontier = {proc.pid for proc in children}
    return found


def helpers_of(pid: int) -> list[Proc]:
    """The check's own helper processes below pid: forks of the interpreter, not the git it runs for a file list."""
    return [proc for proc in descendants(pid) if proc.name != "git"]


def wait_for(condition: Callable[[], Any], timeout: float, interval: float = 0.05) -> Any:
    """Poll until condition() is truthy; return its last value (falsy on timeout)."""
    end = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > end:
            return value
        time.sleep(interval)


def start_check(
    cwd: Path, *args: str, env: dict[str, str] | None = None, prefix: Sequence[str] = ()
) -> subprocess.Popen[str]:
    """Start `nolegacyruns ARGS` in a session of its own, so its process group holds it and every child."""
    return subprocess.Popen(
        [*prefix, sys.executable, "-m", "nolegacyruns", *args],
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def finish(proc: subprocess.Popen[str], timeout: float) -> tuple[int, str, str]:
    """Wait for the run and for its output pipes to close (an orphan holding them is a hang too)."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(proc.pid)
        out, err = proc.communicate()
        raise AssertionError(f"the check hung (killed after {timeout} s); stderr: {err[-2000:]}") from None
    return proc.returncode, out, err


def kill_group(pgrp: int) -> None:
    """Clean up after a failed test: nothing of the run may outlive it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgrp, signal.SIGKILL)


def run_check(
    cwd: Path, *args: str, timeout: float = 120, prefix: Sequence[str] = (), **kwargs: Any
) -> tuple[int, str, str]:
    proc = start_check(cwd, *args, prefix=prefix, **kwargs)
    try:
        return finish(proc, timeout)
    finally:
        kill_group(proc.pid)


def make_project(root: Path, extra: dict[str, str | bytes] | None = None) -> Path:
    """A project checking app/, with one clean file and the extra files."""
    return write_files(root, {"pyproject.toml": CONFIG, "app/clean.py": CLEAN_MODULE, **(extra or {})})


def one_error_line(err: str, *names: str) -> None:
    """stderr is one `nolegacyruns: error:` line naming each of names; no traceback, no internal error."""
    assert "Traceback" not in err and "internal error" not in err, err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("nolegacyruns: error: "), err
    for name in names:
        assert name in lines[0], (name, err)
