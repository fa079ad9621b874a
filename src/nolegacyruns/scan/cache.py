"""The content cache: each file's Analysis, keyed by its content digest and the settings that made it.

Layout: `<cache dir>/v2/<settings key>/<shard>.json`, one JSON file per shard of paths. The settings key
digests the tool's version and code, the scanner libraries, the rule packs' bytes and the whole
configuration, so any change of them starts an empty cache beside the old one. An entry maps a path to
its content digest, its stat (size, mtime_ns, inode, ctime_ns: the fast path that skips the read) and the
Analysis; allow entries, directives, the baseline and diff mode are applied after it, never stored.

A shard that is not valid JSON of this layout, or that was written for other settings, is ignored
and rewritten; an entry that does not decode is a miss. Shards are written to a temporary file and
renamed over the old one, so checks that share a cache never see half a file: the last writer wins.
Read errors are never stored.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import sys
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._version import __version__
from ..config.loading import Config
from ..errors import UsageError
from ..findings import Applicability, Finding, Fix, Severity
from ..replay.record import CACHE_DIR_NAME as CACHE_DIR_NAME
from ..replay.record import CACHE_ENV as CACHE_ENV
from ..rules.pack import bundled_pack_files, pack_files
from ..safe_files import MAX_CONFIG_BYTES, MAX_DATA_BYTES, read_regular, real_folder, write_unlinked
from .engine import Analysis, FileStat
from .suppressions import Directive

LAYOUT = "v2"
_MAGIC = "nolegacyruns-cache"
_SHARDS = 16
# A file changed within this long before the check may change again within its mtime's granularity
# without a new mtime (git calls such entries "racily clean"): its stat is not trusted next time.
_RACY_NS = 2_000_000_000
_LIBRARIES = ("libcst", "pygments", "pathspec")
_STALE_NS = 7 * 24 * 3600 * 1_000_000_000


class _Invalid(Exception):
    """A cached value that does not decode: the entry or shard is not trusted."""


@dataclass(frozen=True, slots=True)
class CacheEntry:
    """What the cache knows of one path."""

    digest: str
    stat: FileStat | None
    binary: bool
    analysis: Analysis | None


def cache_dir_for(root: Path, option: Path | None) -> Path:
    """The cache folder: --cache-dir, else NOLEGACYRUNS_CACHE_DIR, else .nolegacyruns_cache in the project."""
    if option is not None:
        return option
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    return root / CACHE_DIR_NAME


def settings_key(config: Config) -> str:
    """Digest of everything besides a file's bytes that decides its Analysis."""
    digest = hashlib.sha256()
    for part in _settings_parts(config):
        digest.update(part.encode("utf-8", errors="surrogateescape") + b"\0")
    for path in sorted(_pack_paths(config)):
        try:
            digest.update(read_regular(path, MAX_CONFIG_BYTES, "rule pack") + b"\0")
        except UsageError:  # not read here (a FIFO never is): the configuration check reports it
            digest.update(b"unreadable\0")
    return digest.hexdigest()[:32]


def _settings_parts(config: Config) -> Iterable[str]:
    yield f"{_MAGIC} {LAYOUT} {__version__} python {sys.version_info[:3]} {sys.implementation.name}"
    package = Path(__file__).resolve().parents[1]
    # The tool's own code: a development checkout keeps its version number while its code changes.
    for path in sorted(package.rglob("*.py")):
        stat = path.stat()
        yield f"{path.relative_to(package).as_posix()} {stat.st_size} {stat.st_mtime_ns}"
    for name in _LIBRARIES:
        # Their files change when they are upgraded; their version strings would mean importing them.
        spec = importlib.util.find_spec(name)
        origin = spec.origin if spec is not None else None
        try:
            library = os.stat(origin) if origin else None
        except OSError:
            library = None
        yield f"{name} {origin} {library.st_size if library else ''} {library.st_mtime_ns if library else ''}"
    yield json.dumps(
        {
            "paths": config.paths,
            "exclude": config.exclude,
            "respect_gitignore": config.respect_gitignore,
            "rule_packs": config.rule_packs,
            "select": config.select,
            "ignore": config.ignore,
            "scan_comments": config.scan_comments,
            "allow": [[entry.globs, sorted(entry.rules), entry.reason] for entry in config.allow],
            "baseline": config.baseline,
            "label": config.label,
        },
        sort_keys=True,
    )


def _pack_paths(config: Config) -> list[Path]:
    paths = list(bundled_pack_files())
    for location in config.rule_packs:
        paths += pack_files(config.root / location)
    return paths


class ResultCache:
    """Entries of one settings key, loaded per shard on first use and written back when changed.

    `top_may_link`: the folder was named by the user (`--cache-dir`, the environment), who may point
    it anywhere; the project's own `.nolegacyruns_cache` must be a real folder.
    """

    def __init__(self, folder: Path, key: str, *, top_may_link: bool = True) -> None:
        self.top = folder
        self.top_may_link = top_may_link
        self.folder = folder / LAYOUT / key
        self.key = key
        self.started_ns = time.time_ns()
        self._shards: dict[int, dict[str, Any]] = {}
        self._dirty: set[int] = set()
        self.missed = 0  # files this check did not find fresh in the cache (a replay needs none)

    @classmethod
    def open(cls, folder: Path, config: Config) -> ResultCache:
        return cls(folder, settings_key(config), top_may_link=folder != config.root / CACHE_DIR_NAME)

    def own_paths(self) -> list[Path]:
        """What this cache writes besides what a caller asks `writable` for: its entries and its mark."""
        return [self.top / LAYOUT, self.top / ".gitignore"]

    def writable(self, *parts: str) -> Path | None:
        """A real folder below the cache to write in (see `real_folder`), or None; OSError if it cannot be made."""
        return real_folder(self.top, *parts, top_may_link=self.top_may_link)

    def _shard_of(self, relpath: str) -> int:
        # Stable across processes (str hashes are not); a shard holds entries for any path, so this only spreads them.
        return zlib.crc32(relpath.encode("utf-8", errors="surrogateescape")) % _SHARDS

    def _entries(self, shard: int) -> dict[str, Any]:
        entries = self._shards.get(shard)
        if entries is None:
            entries = self._load(shard)
            self._shards[shard] = entries
        return entries

    def _load(self, shard: int) -> dict[str, Any]:
        path = self.folder / f"{shard:02x}.json"
        if not os.path.lexists(path) or not self._real(path.parent):
            return {}
        try:
            document = json.loads(read_regular(path, MAX_DATA_BYTES, "cache"))
        except (UsageError, ValueError, RecursionError):
            self._dirty.add(shard)  # corrupt: rebuilt
            return {}
        valid = (
            isinstance(document, dict)
            and document.get("format") == _MAGIC
            and document.get("settings") == self.key
            and isinstance(document.get("entries"), dict)
        )
        if not valid:
            self._dirty.add(shard)  # foreign: rebuilt
            return {}
        return dict(document["entries"])

    def fresh(self, relpath: str, stat: FileStat) -> CacheEntry | None:
        """The entry for a path whose size, mtime, inode and ctime are those recorded (so is its content), or None."""
        raw = self._entries(self._shard_of(relpath)).get(relpath)
        # Compared before decoding: most entries of a warm check are taken on this test alone.
        if (
            not isinstance(raw, list)
            or len(raw) != 4
            or raw[1] != [stat.size, stat.mtime_ns, stat.inode, stat.ctime_ns]
        ):
            return None
        digest, _, binary, analysis = raw
        if isinstance(digest, str):  # most files: nothing to say, or binary
            if analysis == [] and binary is False:
                return CacheEntry(digest, stat, False, Analysis(relpath))
            if analysis is None and binary is True:
                return CacheEntry(digest, stat, True, None)
        return self.get(relpath)

    def get(self, relpath: str) -> CacheEntry | None:
        """The entry for a path, or None when there is none or it does not decode."""
        shard = self._shard_of(relpath)
        raw = self._entries(shard).get(relpath)
        if raw is None:
            return None
        try:
            return _decode_entry(relpath, raw)
        except _Invalid:
            del self._entries(shard)[relpath]
            self._dirty.add(shard)
            return None

    def put(self, relpath: str, entry: CacheEntry) -> None:
        stat = entry.stat
        if stat is not None and stat.mtime_ns >= self.started_ns - _RACY_NS:
            stat = None  # racily clean: compare the digest next time
        shard = self._shard_of(relpath)
        self._entries(shard)[relpath] = _encode_entry(CacheEntry(entry.digest, stat, entry.binary, entry.analysis))
        self._dirty.add(shard)

    def save(self) -> None:
        """Write the changed shards; a cache that cannot be written only costs speed."""
        if not self._dirty:
            return
        try:
            if not self.folder.is_dir() and self._real(self.folder.parent):
                _prune(self.folder.parent, self.started_ns)
            created = not os.path.lexists(self.top)
            folder = self.writable(LAYOUT, self.key)
            if folder is None:
                return  # a link where the cache should be: not written through
            if created:  # a folder of the user's (`--cache-dir .`) is not told to ignore itself
                _mark(self.top)
            for shard in sorted(self._dirty):
                document = {"format": _MAGIC, "settings": self.key, "entries": self._shards.get(shard, {})}
                write_unlinked(folder / f"{shard:02x}.json", json.dumps(document, separators=(",", ":")).encode())
        except OSError:
            return
        self._dirty.clear()

    def _real(self, folder: Path) -> bool:
        """Whether folder (below top, existing) and every folder between are real folders (see `real_folder`)."""
        parts = folder.relative_to(self.top).parts
        return real_folder(self.top, *parts, top_may_link=self.top_may_link, make=False) is not None


def _prune(layout: Path, now_ns: int) -> None:
    """Drop the caches of other settings that no check has written for a week (old versions, old configs)."""
    import shutil  # only when a new settings key starts a cache

    if not layout.is_dir():
        return
    for folder in layout.iterdir():
        with contextlib.suppress(OSError):
            if folder.is_dir() and now_ns - folder.stat().st_mtime_ns > _STALE_NS:
                shutil.rmtree(folder, ignore_errors=True)


def _mark(top: Path) -> None:
    """Keep the cache out of git, as ruff and pytest do with theirs."""
    ignore = top / ".gitignore"
    if not os.path.lexists(ignore):
        write_unlinked(ignore, b"# Created by nolegacyruns automatically.\n*\n")


def _encode_entry(entry: CacheEntry) -> list[Any]:
    stat = [entry.stat.size, entry.stat.mtime_ns, entry.stat.inode, entry.stat.ctime_ns] if entry.stat else None
    analysis: list[Any] | None = None
    a = entry.analysis
    if a is not None and a.says_nothing:
        analysis = []  # most files: nothing to say
    elif a is not None:
        analysis = [
            [_encode_finding(f) for f in a.findings],
            [_encode_finding(f) for f in a.directive_findings],
            [[d.line, d.start, d.end, list(d.rules), d.reason] for d in a.directives],
            [list(line) for line in a.lines],
        ]
    return [entry.digest, stat, entry.binary, analysis]


def _encode_finding(f: Finding) -> list[Any]:
    span = list(f.span_lines) if f.span_lines is not None else None
    fix = [f.fix.replacement, f.fix.applicability.value] if f.fix is not None else None
    return [f.line, f.column, f.rule, f.end_line, f.end_column, f.message, f.token, f.name, f.severity.value, span, fix]


def _decode_entry(relpath: str, raw: Any) -> CacheEntry:
    digest, stat, binary, analysis = _items(raw, 4)
    if not isinstance(digest, str) or not isinstance(binary, bool) or binary != (analysis is None):
        raise _Invalid
    file_stat = None if stat is None else FileStat(*(_int(value) for value in _items(stat, 4)))
    decoded = None
    if analysis == []:
        decoded = Analysis(relpath)
    elif analysis is not None:
        findings, about, directives, lines = _items(analysis, 4)
        decoded = Analysis(
            relpath,
            tuple(_decode_finding(relpath, f) for f in _list(findings)),
            tuple(_decode_finding(relpath, f) for f in _list(about)),
            tuple(_decode_directive(d) for d in _list(directives)),
            tuple((_int(line), _str(text)) for line, text in (_items(pair, 2) for pair in _list(lines))),
        )
        if any(f.line not in dict(decoded.lines) for f in (*decoded.findings, *decoded.directive_findings)):
            raise _Invalid
    return CacheEntry(digest, file_stat, binary, decoded)


def _decode_finding(relpath: str, raw: Any) -> Finding:
    line, column, rule, end_line, end_column, message, token, name, severity, span, fix = _items(raw, 11)
    try:
        level = Severity(severity)
        applicability = None if fix is None else Applicability(_items(fix, 2)[1])
    except ValueError:
        raise _Invalid from None
    span_lines = None if span is None else (_int(_items(span, 2)[0]), _int(_items(span, 2)[1]))
    return Finding(
        path=relpath,
        line=_int(line),
        column=_int(column),
        rule=_str(rule),
        end_line=_int(end_line),
        end_column=_int(end_column),
        message=_str(message),
        token=_str(token),
        name=_str(name),
        severity=level,
        span_lines=span_lines,
        fix=None if applicability is None else Fix(_str(fix[0]), applicability),
    )


def _decode_directive(raw: Any) -> Directive:
    line, start, end, rules, reason = _items(raw, 5)
    return Directive(_int(line), _int(start), _int(end), tuple(_str(rule) for rule in _list(rules)), _str(reason))


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise _Invalid
    return value


def _items(value: Any, count: int) -> list[Any]:
    if not isinstance(value, list) or len(value) != count:
        raise _Invalid
    return value


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise _Invalid
    return value


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise _Invalid
    return value
