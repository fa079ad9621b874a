"""Check many files: in order in this process, or over `--jobs` forked worker processes.

Results are the same for any number of workers: each file is checked alone and results are put
back in the order of the paths. A worker answers in batches (a few dozen files, or what it did in
the last few milliseconds), so that the parent is not the bottleneck on trees of small files. A
worker that dies (killed from outside, out of memory) costs no hang: the files it had not answered
are checked again by a new worker, one answer per file, so that the file in hand at a death is
known; a file in hand at two deaths is reported as lost, which makes the check an internal error
(exit 3), never a pass.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..config.loading import Config
from ..rules.ruleset import RuleSet
from .engine import Analysis, Examined, FileStat, examine_file
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
# A worker answers after this many files or this long since its last answer, whichever comes first.
_BATCH_FILES = 64
_BATCH_SECONDS = 0.05
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
    """A worker: take a chunk of path indices, answer (index, result) pairs in batches, the last of a
    chunk when it is done; a chunk marked one by one is answered file by file."""
    while (task := receive(tasks)) is not None:
        chunk, one_by_one = task
        batch: list[tuple[int, Examined | _Answer]] = []
        since = time.monotonic()
        for index in chunk:
            batch.append((index, _packed(pool.job.examine(pool.paths[index]))))
            if one_by_one or len(batch) >= _BATCH_FILES or time.monotonic() - since >= _BATCH_SECONDS:
                send(answers, batch)
                batch = []
                since = time.monotonic()
        if batch:
            send(answers, batch)
    stop_children()  # this worker's parse helper


_Answer = tuple[str, str, tuple[int, int, int, int] | None, bool, bool]


def _packed(examined: Examined) -> Examined | _Answer:
    """Most answers (a file read, nothing in it to say) as plain values: unpickling frozen dataclasses
    would cost the parent more than a worker's check of a small file."""
    analysis, stat = examined.analysis, examined.stat
    if examined.error is not None or examined.lost:
        return examined
    if analysis is not None and not analysis.says_nothing:
        return examined
    packed_stat = None if stat is None else (stat.size, stat.mtime_ns, stat.inode, stat.ctime_ns)
    return (examined.path, examined.digest, packed_stat, examined.binary, analysis is not None)


def _unpacked(answer: Examined | _Answer) -> Examined:
    if isinstance(answer, Examined):
        return answer
    path, digest, stat, binary, analysed = answer
    return Examined(
        path, digest, None if stat is None else FileStat(*stat), Analysis(path) if analysed else None, binary
    )


@dataclass(frozen=True, slots=True)
class _Chunk:
    """Path indices handed to a worker at once; after a death, answered one by one."""

    indices: list[int]
    one_by_one: bool = False


@dataclass(slots=True)
class _Worker:
    child: Child
    chunk: list[int] = field(default_factory=list)  # the indices it has not answered yet
    one_by_one: bool = False


@dataclass(slots=True)
class _Pool:
    job: _Job
    paths: list[str]
    done: Callable[[int], None]
    results: dict[int, Examined] = field(default_factory=dict)
    deaths: dict[int, int] = field(default_factory=dict)

    def run(self, workers: int) -> list[Examined]:
        size = max(1, min(_CHUNK, -(-len(self.paths) // (workers * 4))))
        pending = deque(_Chunk(list(range(i, min(i + size, len(self.paths))))) for i in range(0, len(self.paths), size))
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
                for index, answer in message:
                    self.results[index] = _unpacked(answer)
                answered = {index for index, _ in message}
                worker.chunk = [index for index in worker.chunk if index not in answered]
                self.done(len(message))
            self._feed(busy, pending)
        return [self.results[index] for index in range(len(self.paths))]

    @staticmethod
    def _feed(busy: dict[int, _Worker], pending: deque[_Chunk]) -> None:
        """Give each idle worker the next chunk; end the idle ones when none is left."""
        for fd, worker in list(busy.items()):
            if worker.chunk:
                continue
            if not pending:
                finish_child(busy.pop(fd).child)  # it reaps its parse helper, so their CPU time is counted
                continue
            chunk = pending.popleft()
            worker.chunk, worker.one_by_one = list(chunk.indices), chunk.one_by_one
            # A worker that died meanwhile hands the chunk back when its answer pipe reaches end of file.
            with contextlib.suppress(BrokenPipeError):
                send(worker.child.tasks, (chunk.indices, chunk.one_by_one))

    def _start(self, busy: dict[int, _Worker]) -> None:
        child = fork_child(lambda tasks, answers: _serve(self, tasks, answers))
        busy[child.answers] = _Worker(child)

    def _died(self, worker: _Worker, pending: deque[_Chunk]) -> None:
        """A worker's pipe closed before its chunk was done: check its files again, or call them lost.

        Answered in batches, the file in hand is not known: the files are checked again one by one.
        """
        status = describe_status(stop_child(worker.child))
        if not worker.chunk:
            return
        rest = worker.chunk
        if worker.one_by_one:
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
            pending.appendleft(_Chunk(rest, one_by_one=True))
        print(f"nolegacyruns: a worker process died ({status}); its files are checked again", file=sys.stderr)
