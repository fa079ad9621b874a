"""Run a parse where a crash costs only that file: a forked child with a deadline.

libcst can kill the interpreter (SIGSEGV on deep nesting) or stall for minutes on some
shapes; neither may take the whole check down or lose other files' results. The child
gets a deep recursion limit, so legitimately deep code still parses; if it dies, overruns
its deadline or runs out of stack, the caller falls back to the plain scan.
"""

from __future__ import annotations

import faulthandler
import os
import pickle
import select
import signal
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

PARSE_DEADLINE_SECONDS = 10.0
CHILD_RECURSION_LIMIT = 20_000
# Failures that mean "this input is too much for the parser", not a bug in nolegacyruns.
_INPUT_FAILURES = (RecursionError, MemoryError)


class IsolatedBug(Exception):
    """The isolated work raised an unexpected exception: a bug, reported as an internal error."""


@dataclass(frozen=True, slots=True)
class Outcome(Generic[T]):
    """The work's value, or why there is none (crash, deadline, input too deep)."""

    value: T | None
    failure: str | None = None


def _in_process(work: Callable[[], T]) -> Outcome[T]:
    try:
        return Outcome(work())
    except _INPUT_FAILURES as exc:
        return Outcome(None, f"the parser gave up ({type(exc).__name__})")


def _child(work: Callable[[], T], write_end: int) -> None:  # pragma: no cover - runs in the fork
    faulthandler.disable()  # a crash here is expected and handled; no dump on the user's terminal
    sys.setrecursionlimit(CHILD_RECURSION_LIMIT)
    try:
        payload = pickle.dumps(("ok", work()))
    except _INPUT_FAILURES as exc:
        payload = pickle.dumps(("input", type(exc).__name__))
    except BaseException as exc:
        detail = traceback.format_exc() if os.environ.get("NOLEGACYRUNS_DEBUG") else ""
        payload = pickle.dumps(("bug", f"{type(exc).__name__}: {exc}\n{detail}".rstrip()))
    with os.fdopen(write_end, "wb") as stream:
        stream.write(payload)
    os._exit(0)


def _read_until(read_end: int, deadline: float) -> bytes | None:
    """Read everything the child writes; None when the deadline passes first."""
    chunks: list[bytes] = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        ready, _, _ = select.select([read_end], [], [], remaining)
        if not ready:
            return None
        chunk = os.read(read_end, 1 << 16)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def run_isolated(work: Callable[[], T], deadline_seconds: float = PARSE_DEADLINE_SECONDS) -> Outcome[T]:
    """Run work in a forked child (in-process where fork is unavailable)."""
    if not hasattr(os, "fork"):
        return _in_process(work)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(read_end)
        _child(work, write_end)
    os.close(write_end)
    try:
        data = _read_until(read_end, time.monotonic() + deadline_seconds)
    finally:
        os.close(read_end)
    if data is None:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        return Outcome(None, f"the parser ran longer than {deadline_seconds:g} s")
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status) or not data:
        signal_number = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
        name = signal.Signals(signal_number).name if signal_number else "no result"
        return Outcome(None, f"the parser crashed ({name})")
    kind, value = pickle.loads(data)
    if kind == "bug":
        raise IsolatedBug(value)
    if kind == "input":
        return Outcome(None, f"the parser gave up ({value})")
    return Outcome(value)
