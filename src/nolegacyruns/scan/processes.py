"""Forked children that can never run the parent's code and never outlive it; framed messages on pipes.

Every child of the check (a worker, a parse helper) is made here: its whole body runs under
`try/finally: os._exit`, so no exception or signal lets it unwind into the caller's code; it asks
the kernel to kill it when its parent dies (PR_SET_PDEATHSIG on Linux) and also leaves when its
task pipe reaches end of file; it ignores Ctrl-C, which the parent answers for the whole check.
The parent ends and reaps its children on every exit path (`stop_children`).
"""

from __future__ import annotations

import contextlib
import math
import os
import select
import signal
import struct
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_PR_SET_PDEATHSIG = 1
_LENGTH = struct.Struct("!Q")
# A child whose body raised: a bug, said on its stderr; the parent sees the exit status.
_EXIT_BUG = 70


@dataclass(slots=True)
class Child:
    """A live child: its pid, the pipe it reads tasks from, the pipe it answers on."""

    pid: int
    tasks: int
    answers: int


# The children of this process, and the parent-side pipe ends a newly forked child must close
# (or it would hold a sibling's pipe open past that sibling's parent).
_children: dict[int, Child] = {}
_own_ends: set[int] = set()


def _die_with_parent(parent: int) -> None:
    if sys.platform.startswith("linux"):
        import ctypes  # only in a child, on Linux: a check without workers never loads it

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # pipe EOF still ends the child
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def fork_child(body: Callable[[int, int], None]) -> Child:
    """Fork a child running body(task_fd, answer_fd); it exits when body returns, raises or is signalled."""
    sys.stdout.flush()
    sys.stderr.flush()
    task_read, task_write = os.pipe()
    answer_read, answer_write = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = _EXIT_BUG
        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            _die_with_parent(parent)
            for fd in (
                task_write,
                answer_read,
                *_own_ends,
                *(e for c in _children.values() for e in (c.tasks, c.answers)),
            ):
                _close_quietly(fd)
            _children.clear()
            _own_ends.clear()
            _own_ends.update((task_read, answer_write))
            body(task_read, answer_write)
            code = 0
        finally:
            os._exit(code)
    os.close(task_read)
    os.close(answer_write)
    child = Child(pid, task_write, answer_read)
    _children[pid] = child
    return child


def _close_quietly(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)


def stop_child(child: Child) -> int | None:
    """Kill (if still running) and reap a child; return its wait status, None if it was not ours."""
    _children.pop(child.pid, None)
    _close_quietly(child.tasks)
    _close_quietly(child.answers)
    with contextlib.suppress(ProcessLookupError):
        os.kill(child.pid, signal.SIGKILL)
    try:
        return os.waitpid(child.pid, 0)[1]
    except ChildProcessError:
        return None


def finish_child(child: Child, grace: float = 5.0) -> int | None:
    """End a child that has no more work: close its task pipe so that it leaves on its own, reaping its
    own children first (so the CPU time they used is counted with it); kill it only when it has not
    left within `grace` seconds. Return its wait status, None if it was not ours."""
    _children.pop(child.pid, None)
    _close_quietly(child.tasks)
    deadline = time.monotonic() + grace
    pause = 0.0005
    status: int | None = None
    try:
        while True:
            pid, status = os.waitpid(child.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child.pid, signal.SIGKILL)
                status = os.waitpid(child.pid, 0)[1]
                break
            time.sleep(pause)
            pause = min(pause * 2, 0.05)
    except ChildProcessError:
        status = None
    _close_quietly(child.answers)
    return status


def stop_children() -> None:
    """End and reap every child of this process: the exit path of every check."""
    for child in list(_children.values()):
        stop_child(child)


def is_child(child: Child) -> bool:
    """Is child still a live child of this very process (not one inherited through a fork)?"""
    return _children.get(child.pid) is child


def send(fd: int, message: Any) -> None:
    """Write one framed message; raises BrokenPipeError when the reader is gone."""
    import pickle  # a check without workers never loads it

    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    data = memoryview(_LENGTH.pack(len(payload)) + payload)
    while data:
        written = os.write(fd, data)
        data = data[written:]


def _read_exactly(fd: int, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def receive(fd: int) -> Any:
    """Read one framed message, blocking; None at end of file (the writer is gone)."""
    import pickle  # a check without workers never loads it

    head = _read_exactly(fd, _LENGTH.size)
    if head is None:
        return None
    payload = _read_exactly(fd, _LENGTH.unpack(head)[0])
    return None if payload is None else pickle.loads(payload)


def readable(fds: list[int], timeout: float | None) -> list[int]:
    return select.select(fds, [], [], timeout)[0]


def describe_status(status: int | None) -> str:
    """A child's end in words: `SIGKILL`, `exit 70`."""
    if status is None:
        return "unknown"
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            return signal.Signals(number).name
        except ValueError:
            return f"signal {number}"
    return f"exit {os.WEXITSTATUS(status)}"


def cpu_ticks(pid: int) -> int | None:
    """CPU time a process has used, in clock ticks (Linux /proc); None where it cannot be read."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read()
    except OSError:
        return None
    fields = stat[stat.rindex(b")") + 2 :].split()
    return int(fields[11]) + int(fields[12])


def available_cpus() -> int:
    """CPUs this process may use: its affinity mask, bounded by the cgroup's cpu.max quota."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    quota = _cgroup_quota()
    if quota is not None:
        cpus = min(cpus, max(1, math.ceil(quota)))
    return max(cpus, 1)


def _cgroup_quota() -> float | None:
    """The tightest cpu.max quota (CPUs) on this process's cgroup v2 path, or the v1 CFS quota."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    quotas = []
    for line in lines:
        hierarchy, _, path = line.split(":", 2)
        if hierarchy == "0":
            folder = Path("/sys/fs/cgroup") / path.lstrip("/")
            for level in (folder, *folder.parents):
                quotas.append(_read_quota(level / "cpu.max"))
                if level == Path("/sys/fs/cgroup"):
                    break
    quotas.append(_read_quota_v1(Path("/sys/fs/cgroup/cpu,cpuacct")) or _read_quota_v1(Path("/sys/fs/cgroup/cpu")))
    found = [quota for quota in quotas if quota is not None]
    return min(found) if found else None


def _read_quota(path: Path) -> float | None:
    try:
        quota, period = path.read_text().split()[:2]
        return None if quota == "max" else int(quota) / int(period)
    except (OSError, ValueError):
        return None


def _read_quota_v1(folder: Path) -> float | None:
    try:
        quota = int((folder / "cpu.cfs_quota_us").read_text())
        period = int((folder / "cpu.cfs_period_us").read_text())
    except (OSError, ValueError):
        return None
    return quota / period if quota > 0 and period > 0 else None
