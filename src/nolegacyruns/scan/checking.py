"""Check the files in scope: cached analyses where the cache still holds, the rest read once each."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..config.loading import Config
from ..findings import FileResult
from ..rules.ruleset import RuleSet
from .cache import CacheEntry, ResultCache
from .engine import Analysis, FileStat, judge
from .progress import Progress
from .workers import check_files


@dataclass(slots=True)
class Checked:
    """Results in the order of the paths, and the paths whose content turned out binary (left out)."""

    results: list[FileResult] = field(default_factory=list)
    binary: list[str] = field(default_factory=list)


def check_scope(
    root: Path,
    relpaths: Sequence[str],
    ruleset: RuleSet,
    config: Config,
    cache: ResultCache | None = None,
    progress: Progress | None = None,
    stats: Mapping[str, FileStat] | None = None,
    jobs: int | None = None,
) -> Checked:
    """Check files; with a cache, a file whose stat or content digest is unchanged is not analysed again.

    `stats`: the stat of files as scope took it, so as not to take it again.
    """
    if progress is not None:
        progress.start(len(relpaths))
    known: dict[str, Analysis | FileResult | None] = {}  # FileResult: a read error; None: binary
    entries: dict[str, CacheEntry] = {}
    todo = []
    for relpath in relpaths:
        if cache is None:
            todo.append(relpath)
            continue
        stat = stats.get(relpath) if stats is not None else None
        stat = stat or _stat(root, relpath)
        entry = cache.fresh(relpath, stat) if stat is not None else None
        if entry is not None:
            known[relpath] = entry.analysis
            continue
        todo.append(relpath)
        entry = cache.get(relpath)
        if entry is not None:
            entries[relpath] = entry
    if cache is not None:
        cache.missed += len(todo)
    digests = {relpath: entry.digest for relpath, entry in entries.items()}
    if progress is not None:
        progress.advance(len(relpaths) - len(todo))
    done = progress.advance if progress is not None else lambda _count: None
    examined_files = check_files(root, todo, ruleset, config, jobs, digest=cache is not None, known=digests, done=done)
    for examined in examined_files:
        relpath = examined.path
        if examined.error is not None:
            known[relpath] = FileResult(relpath, error=examined.error, lost=examined.lost)  # never cached
            continue
        analysis = examined.analysis
        if analysis is None and not examined.binary:
            analysis = entries[relpath].analysis  # the digest matched the cached entry
        known[relpath] = analysis
        if cache is not None:
            cache.put(relpath, CacheEntry(examined.digest, examined.stat, examined.binary, analysis))
    if progress is not None:
        progress.close()
    if cache is not None:
        cache.save()
    checked = Checked()
    for relpath in relpaths:
        outcome = known[relpath]
        if isinstance(outcome, FileResult):
            checked.results.append(outcome)
        elif outcome is None:
            checked.binary.append(relpath)
        else:
            checked.results.append(judge(outcome, config))
    return checked


def _stat(root: Path, relpath: str) -> FileStat | None:
    try:
        return FileStat.of(os.stat(os.path.join(root, relpath)))
    except OSError:
        return None
