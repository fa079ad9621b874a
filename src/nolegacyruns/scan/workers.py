"""Check many files: in order in this process, or split over forked worker processes for large trees."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from ..config.loading import Config
from ..findings import FileResult
from ..rules.ruleset import RuleSet
from .engine import check_file

# Below this many files a second process costs more than it saves.
PARALLEL_THRESHOLD = 1500
_CHUNK = 200
_shared: tuple[Path, RuleSet, Config] | None = None


def _check_chunk(relpaths: list[str]) -> list[FileResult]:
    assert _shared is not None  # set before the workers fork
    root, ruleset, config = _shared
    return [check_file(root, relpath, ruleset, config) for relpath in relpaths]


def _worker_count(files: int) -> int:
    if files < PARALLEL_THRESHOLD or not hasattr(os, "fork"):
        return 1
    return min(os.cpu_count() or 1, max(files // PARALLEL_THRESHOLD, 1) + 1, 8)


def check_files(root: Path, relpaths: Iterable[str], ruleset: RuleSet, config: Config) -> list[FileResult]:
    """Check files in order; large trees are split over forked worker processes."""
    global _shared  # noqa: PLW0603 - the forked workers inherit it; the worker pool's rewrite (issue 12) replaces it
    paths = list(relpaths)
    workers = _worker_count(len(paths))
    if workers <= 1:
        return [check_file(root, relpath, ruleset, config) for relpath in paths]
    chunks = [paths[i : i + _CHUNK] for i in range(0, len(paths), _CHUNK)]
    _shared = (root, ruleset, config)
    try:
        # fork: workers inherit the loaded rules instead of unpickling them. A worker that dies
        # breaks the pool (BrokenProcessPool, an internal error), it never hangs the check.
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            return [result for chunk in pool.map(_check_chunk, chunks) for result in chunk]
    finally:
        _shared = None
