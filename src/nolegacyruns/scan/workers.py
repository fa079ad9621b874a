"""Check many files: in order in this process, or split over forked worker processes for large trees."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ..config.loading import Config
from ..rules.ruleset import RuleSet
from .engine import Examined, examine_file

# Below this many files a second process costs more than it saves.
PARALLEL_THRESHOLD = 1500
_CHUNK = 200


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


_shared: _Job | None = None


def _check_chunk(relpaths: list[str]) -> list[Examined]:
    assert _shared is not None  # set before the workers fork
    return [_shared.examine(relpath) for relpath in relpaths]


def _worker_count(files: int) -> int:
    if files < PARALLEL_THRESHOLD or not hasattr(os, "fork"):
        return 1
    return min(os.cpu_count() or 1, max(files // PARALLEL_THRESHOLD, 1) + 1, 8)


def check_files(
    root: Path,
    relpaths: Iterable[str],
    ruleset: RuleSet,
    config: Config,
    *,
    digest: bool = False,
    known: Mapping[str, str] | None = None,
    done: Callable[[int], None] = lambda _count: None,
) -> list[Examined]:
    """Examine files in order (digests for the cache when asked; `known` digests skip the analysis);
    large trees are split over forked worker processes."""
    global _shared  # noqa: PLW0603 - the forked workers inherit it; the worker pool's rewrite (issue 12) replaces it
    paths = list(relpaths)
    job = _Job(root, ruleset, config, digest, known or {})
    workers = _worker_count(len(paths))
    if workers <= 1:
        examined = []
        for relpath in paths:
            examined.append(job.examine(relpath))
            done(1)
        return examined
    chunks = [paths[i : i + _CHUNK] for i in range(0, len(paths), _CHUNK)]
    _shared = job
    try:
        # fork: workers inherit the loaded rules instead of unpickling them. A worker that dies
        # breaks the pool (BrokenProcessPool, an internal error), it never hangs the check.
        import multiprocessing  # only a large tree pays for loading it
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            examined = []
            for chunk in pool.map(_check_chunk, chunks):
                examined += chunk
                done(len(chunk))
            return examined
    finally:
        _shared = None
