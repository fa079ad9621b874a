"""Check many files: in order in this process, or over `--jobs` forked worker processes.

Results are the same for any number of workers: each file is checked alone and results are put
back in the order of the paths. A worker that dies (killed from outside, out of memory) costs no
hang: the files it had not answered are checked again by a new worker; a file in hand at two
deaths is reported as lost, which makes the check an internal error (exit 3), never a pass.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..config.loading import Config
from ..rules.ruleset import RuleSet
from .engine import Examined, examine_file
from .processes import (
    Child,
    available_cpus,
    describe_status,
    finish_child,
    fork_child,
    readable,
    receive,
    send,
    stop_child,
    stop_children,
)

# With the default number of jobs, below this many files a second process costs more than it saves.
PARALLEL_THRESHOLD = 1500
_CHUNK = 200
# A file in hand when this many workers died is not tried again.
_DEATHS_PER_FILE = 2


def worker_count(files: int, jobs: int | None) -> int:
    """Workers for a check: `jobs` when given, else the usable CPUs for large trees; never more than files."""
    if not hasattr(os, "fork"):
        return 1
    if jobs is None:
        jobs = available_cpus() if files >= PARALLEL_THRESHOLD else 1
    return max(1, min(jobs, files))


@dataclass(frozen=True, slots=True)
class _Job:
    """What every file of one check is examined with."""

    root: Path
    ruleset: RuleSet
    config: Config
    digest: bool
    known: Mapping[str, str]

    def examine(self, relpath: str) -> Examined:
        return examine_file(
            self.root, relpath, self.ruleset, self.config, digest=self.digest, known_digest=self.known.get(relpath)
        )


def check_files(
    root: Path,
    relpaths: Iterable[str],
    ruleset: RuleSet,
    config: Config,
    jobs: int | None = None,
    *,
    digest: bool = False,
    known: Mapping[str, str] | None = None,
    done: Callable[[int], None] = lambda _count: None,
) -> list[Examined]:
    """Examine files (digests for the cache when asked; a `known` digest that still holds skips the
    analysis); results in the order of relpaths, `done` told as each file is. Every child process is
    ended before this returns."""
    paths = list(relpaths)
    job = _Job(root, ruleset, config, digest, known or {})
    workers = worker_count(len(paths), jobs)
    try:
        if workers <= 1:
            examined = []
            for relpath in paths:
                examined.append(job.examine(relpath))
                done(1)
            return examined
        return _Pool(job, paths, done).run(workers)
    finally:
        stop_children()


def _serve(pool: _Pool, tasks: int, answers: int) -> None:  # pragma: no cover - runs in a worker
    """A worker: take a chunk of path indices, answer each file's result as it is done."""
    while (chunk := receive(tasks)) is not None:
        for index in chunk:
            send(answers, (index, pool.job.examine(pool.paths[index])))
    stop_children()  # this worker's parse helper


@dataclass(slots=True)
class _Worker:
    child: Child
    chunk: list[int] = field(default_factory=list)


@dataclass(slots=True)
class _Pool:
    job: _Job
    paths: list[str]
    done: Callable[[int], None]
    results: dict[int, Examined] = field(default_factory=dict)
    deaths: dict[int, int] = field(default_factory=dict)

    def run(self, workers: int) -> list[Examined]:
        size = max(1, min(_CHUNK, -(-len(self.paths) // (workers * 4))))
        pending = deque(list(range(i, min(i + size, len(self.paths)))) for i in range(0, len(self.paths), size))
        busy: dict[int, _Worker] = {}
        for _ in range(min(workers, len(pending))):
            self._start(busy)
        self._feed(busy, pending)
        while busy:
            for fd in readable(list(busy), None):
                worker = busy[fd]
                message = receive(fd)
                if message is None:
                    del busy[fd]
                    self._died(worker, pending)
                    if pending:
                        self._start(busy)
                    continue
                index, result = message
                self.results[index] = result
                worker.chunk.remove(index)
                self.done(1)
            self._feed(busy, pending)
        return [self.results[index] for index in range(len(self.paths))]

    @staticmethod
    def _feed(busy: dict[int, _Worker], pending: deque[list[int]]) -> None:
        """Give each idle worker the next chunk; end the idle ones when none is left."""
        for fd, worker in list(busy.items()):
            if worker.chunk:
                continue
            if not pending:
                finish_child(busy.pop(fd).child)  # it reaps its parse helper, so their CPU time is counted
                continue
            worker.chunk = pending.popleft()
            # A worker that died meanwhile hands the chunk back when its answer pipe reaches end of file.
            with contextlib.suppress(BrokenPipeError):
                send(worker.child.tasks, worker.chunk)

    def _start(self, busy: dict[int, _Worker]) -> None:
        child = fork_child(lambda tasks, answers: _serve(self, tasks, answers))
        busy[child.answers] = _Worker(child)

    def _died(self, worker: _Worker, pending: deque[list[int]]) -> None:
        """A worker's pipe closed before its chunk was done: check its files again, or call them lost."""
        status = describe_status(stop_child(worker.child))
        if not worker.chunk:
            return
        in_hand, rest = worker.chunk[0], worker.chunk[1:]
        self.deaths[in_hand] = self.deaths.get(in_hand, 0) + 1
        if self.deaths[in_hand] >= _DEATHS_PER_FILE:
            relpath = self.paths[in_hand]
            self.results[in_hand] = Examined(
                relpath, error=f"not checked: its worker process died twice ({status})", lost=True
            )
            self.done(1)
        else:
            rest.insert(0, in_hand)
        if rest:
            pending.appendleft(rest)
        print(f"nolegacyruns: a worker process died ({status}); its files are checked again", file=sys.stderr)
