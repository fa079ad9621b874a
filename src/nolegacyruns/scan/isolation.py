"""Run parses where a crash costs only that file: a long-lived helper process with a CPU-time budget.

libcst can kill the interpreter (SIGSEGV on deep nesting) or stall for minutes on some
shapes; neither may take the whole check down or lose other files' results. Parses run in a
helper process forked once (and again only after one dies), with a deep recursion limit so
legitimately deep code still parses. Each parse gets a budget of CPU time, not wall-clock
time, so a loaded machine judges a file as an idle one does: the kernel ends a helper that
overruns it (RLIMIT_CPU), and the caller falls back to the plain scan for that file.
"""

from __future__ import annotations

import faulthandler
import math
import os
import resource
import signal
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from .processes import Child, cpu_ticks, describe_status, fork_child, is_child, readable, receive, send, stop_child

A = TypeVar("A")
T = TypeVar("T")

PARSE_CPU_SECONDS = 10
# A helper that gets no CPU at all for this long is stopped or stuck, not slow: give up on it.
STALL_SECONDS = 60.0
CHILD_RECURSION_LIMIT = 20_000
_STALLED = object()
# Failures that mean "this input is too much for the parser", not a bug in nolegacyruns.
_INPUT_FAILURES = (RecursionError, MemoryError)


class IsolatedBug(Exception):
    """The isolated work raised an unexpected exception: a bug, reported as an internal error."""


@dataclass(frozen=True, slots=True)
class Outcome(Generic[T]):
    """The work's value, or why there is none (crash, CPU budget, input too deep)."""

    value: T | None
    failure: str | None = None


def _in_process(work: Callable[[], T]) -> Outcome[T]:
    try:
        return Outcome(work())
    except _INPUT_FAILURES as exc:
        return Outcome(None, f"the parser gave up ({type(exc).__name__})")


def _set_cpu_budget(seconds: float) -> None:
    """Let the kernel end this process once it has used `seconds` more CPU time (SIGXCPU)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = math.ceil(usage.ru_utime + usage.ru_stime + seconds)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, resource.getrlimit(resource.RLIMIT_CPU)[1]))


def _serve(work: Callable[[Any], Any], cpu_seconds: float, tasks: int, answers: int) -> None:  # pragma: no cover
    """The helper's loop: one task in, one answer out, until the task pipe closes."""
    faulthandler.disable()  # a crash here is expected and handled; no dump on the user's terminal
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # SIGXCPU and SIGSEGV leave no core file
    sys.setrecursionlimit(CHILD_RECURSION_LIMIT)
    while (message := receive(tasks)) is not None:
        _set_cpu_budget(cpu_seconds)
        try:
            answer: tuple[str, Any] = ("ok", work(message[0]))
        except _INPUT_FAILURES as exc:
            answer = ("input", type(exc).__name__)
        except Exception as exc:
            detail = traceback.format_exc() if os.environ.get("NOLEGACYRUNS_DEBUG") else ""
            answer = ("bug", f"{type(exc).__name__}: {exc}\n{detail}".rstrip())
        send(answers, answer)


class Isolated(Generic[A, T]):
    """Run work(arg) in a helper process of this process, started on first use and after each death."""

    def __init__(self, work: Callable[[A], T], cpu_seconds: float = PARSE_CPU_SECONDS) -> None:
        self.work = work
        self.cpu_seconds = cpu_seconds
        self._child: Child | None = None

    def _helper(self) -> Child:
        # A helper seen through a fork belongs to the parent process: start one of our own.
        if self._child is None or not is_child(self._child):
            work, budget = self.work, self.cpu_seconds
            self._child = fork_child(lambda tasks, answers: _serve(work, budget, tasks, answers))
        return self._child

    def run(self, arg: A) -> Outcome[T]:
        if not hasattr(os, "fork"):
            return _in_process(lambda: self.work(arg))
        child = self._helper()
        try:
            send(child.tasks, (arg,))
            answer = self._answer(child)
        except BrokenPipeError:
            answer = None
        if answer is None or answer is _STALLED:
            status = stop_child(child)
            self._child = None
            return Outcome(None, self._failure(status, stalled=answer is _STALLED))
        kind, value = answer
        if kind == "bug":
            raise IsolatedBug(value)
        if kind == "input":
            return Outcome(None, f"the parser gave up ({value})")
        return Outcome(value)

    @staticmethod
    def _answer(child: Child) -> Any:
        """The helper's answer; None when it died, _STALLED when it got no CPU for STALL_SECONDS."""
        ticks, progress = cpu_ticks(child.pid), time.monotonic()
        while not readable([child.answers], 1.0):
            now, seen = time.monotonic(), cpu_ticks(child.pid)
            if seen != ticks:
                ticks, progress = seen, now
            elif now - progress > STALL_SECONDS:
                return _STALLED
        return receive(child.answers)

    def _failure(self, status: int | None, stalled: bool) -> str:
        if stalled:
            return f"the parser made no progress for {STALL_SECONDS:g} s"
        if status is not None and os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGXCPU:
            return f"the parser used more than its {self.cpu_seconds:g} s of CPU time"
        return f"the parser crashed ({describe_status(status)})"

    def close(self) -> None:
        """End this process's helper, if it has one."""
        if self._child is not None and is_child(self._child):
            stop_child(self._child)
        self._child = None


def run_isolated(work: Callable[[], T], cpu_seconds: float = PARSE_CPU_SECONDS) -> Outcome[T]:
    """Run work once in a helper of its own (in-process where fork is unavailable)."""
    isolated: Isolated[None, T] = Isolated(lambda _: work(), cpu_seconds)
    try:
        return isolated.run(None)
    finally:
        isolated.close()
