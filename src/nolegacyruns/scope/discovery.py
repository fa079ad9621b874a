"""Which files a check reads: configured paths, minus excludes, .gitignore'd and binary files."""

from __future__ import annotations

import errno
import os
import re
import stat
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pathspec

from ..config.loading import Config
from ..errors import UsageError
from ..safe_files import outside_root
from ..scan.decoding import wide_encoding

BINARY_SNIFF_BYTES = 8192
EXCLUDED = "exclude"
GITIGNORED = ".gitignore"
BINARY = "binary"
OUTSIDE = "outside paths"
NOT_REGULAR = "not a regular file"
BROKEN_SYMLINK = "broken symlink"
GONE = "no such file"
LINK_OUTSIDE = "symlink outside the project"
LINK_WALKED = "symlink to a folder already walked"
TOO_LARGE = "larger than max-file-size"
UNREADABLE_FOLDER = "unreadable folder"
PATH_TOO_LONG = "path too long"
# Reasons that leave out a file found under the paths (not a choice of the configuration): counted as skipped.
SKIPPED = frozenset({BINARY, NOT_REGULAR, BROKEN_SYMLINK, LINK_OUTSIDE, LINK_WALKED, TOO_LARGE})
_ALWAYS_SKIPPED_DIRS = frozenset({".git", ".hg", ".svn"})


@dataclass(slots=True)
class Scope:
    """The files in scope, and the files left out with the reason for each."""

    root: Path
    files: list[str] = field(default_factory=list)
    left_out: list[tuple[str, str]] = field(default_factory=list)
    # Folders that could not be walked (unreadable, path too long): the check fails naming each.
    problems: list[str] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        """Files and folders under the paths that were found but not scanned."""
        return sum(self.skipped_by_reason.values())

    @property
    def skipped_by_reason(self) -> Counter[str]:
        return Counter(reason for _, reason in self.left_out if reason in SKIPPED)


def _compile_lenient(lines: Iterable[str]) -> pathspec.GitIgnoreSpec | None:
    """Compile .gitignore lines as git does: a bad pattern is dropped, not fatal."""
    good = []
    for line in lines:
        try:
            pathspec.GitIgnoreSpec.from_lines([line])
        except (ValueError, re.error):
            continue
        good.append(line)
    spec = pathspec.GitIgnoreSpec.from_lines(good)
    return spec if good else None


class GitIgnores:
    """The .gitignore files of a tree, read once each; deeper files win, as in git."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._specs: dict[PurePosixPath, pathspec.GitIgnoreSpec | None] = {}
        self._chains: dict[PurePosixPath, tuple[tuple[str, pathspec.GitIgnoreSpec], ...]] = {}

    def _spec(self, folder: PurePosixPath) -> pathspec.GitIgnoreSpec | None:
        if folder not in self._specs:
            path = self.root / folder / ".gitignore"
            try:
                lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                lines = []
            self._specs[folder] = _compile_lenient(lines) if lines else None
        return self._specs[folder]

    def _chain(self, folder: PurePosixPath) -> tuple[tuple[str, pathspec.GitIgnoreSpec], ...]:
        """The (folder prefix, spec) pairs that apply below folder, outermost first; cached per folder."""
        cached = self._chains.get(folder)
        if cached is None:
            top = str(folder) == "."
            above = () if top else self._chain(folder.parent)
            spec = self._spec(folder)
            prefix = "" if top else folder.as_posix() + "/"
            cached = above + (((prefix, spec),) if spec is not None else ())
            self._chains[folder] = cached
        return cached

    def ignores_in(self, folder: PurePosixPath, text: str) -> bool:
        """Is `text` (a root-relative posix path inside folder, `/`-terminated for folders) ignored?"""
        decided = False
        for prefix, spec in self._chain(folder):
            result = spec.check_file(text[len(prefix) :])
            if result.include is not None:
                decided = result.include
        return decided


def is_binary(path: str | Path) -> bool | None:
    """True when the file holds a NUL byte near its start and no UTF-16/32 BOM; None when it cannot be read."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(BINARY_SNIFF_BYTES)
    except OSError:
        return None
    # Text in UTF-16 or UTF-32 holds NUL bytes; its byte order mark says it is text all the same.
    return b"\0" in head and wide_encoding(head) is None


def not_a_file(path: str, root: Path | None = None, max_size: int | None = None) -> str | None:
    """Why path is no file to read (a FIFO, a device, a broken link, a link out of root, too large), or None.

    Never opens it: opening a FIFO blocks until someone writes to it, so the kind is decided from stat alone.
    """
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return GONE
    except OSError:
        return None  # a file the read will report
    if stat.S_ISLNK(info.st_mode):
        if root is not None and outside_root(root, Path(path)):
            return LINK_OUTSIDE
        try:
            info = os.stat(path)
        except OSError:  # dangling, or a loop (ELOOP)
            return BROKEN_SYMLINK
    if not stat.S_ISREG(info.st_mode):
        return NOT_REGULAR
    if max_size is not None and info.st_size > max_size:
        return TOO_LARGE
    return None


class _Filter:
    """Decides, path by path, whether a file or folder stays in scope."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.exclude = pathspec.GitIgnoreSpec.from_lines(config.exclude) if config.exclude else None
        self.gitignores = GitIgnores(config.root) if config.respect_gitignore else None
        self.paths = [PurePosixPath(p.replace("\\", "/").strip("/")) for p in config.paths]

    def under_paths(self, relpath: PurePosixPath) -> bool:
        return any(relpath == p or p in relpath.parents or str(p) in ("", ".") for p in self.paths)

    def reason_left_out(self, relpath: PurePosixPath, is_dir: bool) -> str | None:
        return self.reason_in_folder(relpath.parent, relpath.as_posix(), is_dir)

    def reason_in_folder(self, folder: PurePosixPath, relpath: str, is_dir: bool) -> str | None:
        """Why relpath (a posix path below the root, inside folder) is left out, or None."""
        text = relpath + ("/" if is_dir else "")
        if self.exclude is not None and self.exclude.match_file(text):
            return EXCLUDED
        if self.gitignores is not None and self.gitignores.ignores_in(folder, text):
            return GITIGNORED
        return None

    def reason_for_named_file(self, relpath: PurePosixPath, is_dir: bool = False) -> str | None:
        """Check a file (or folder) named on the command line, including every folder above it.

        A folder is matched as a folder (`gen/` ignores it), so a `!gen/keep.py` below an ignored
        folder stays out, as it does in git and in the walk.
        """
        if not self.under_paths(relpath):
            return OUTSIDE
        for folder in reversed(relpath.parents):
            if str(folder) != "." and (reason := self.reason_left_out(folder, True)):
                return reason
        return self.reason_left_out(relpath, is_dir)


def _unwalkable(root: Path, scope: Scope, error: OSError) -> None:
    """A folder the walk cannot list: left out with the reason, and a problem that fails the check."""
    full = str(error.filename)
    relative = full[len(str(root)) + 1 :].replace(os.sep, "/")
    if error.errno == errno.ENAMETOOLONG:
        scope.left_out.append((relative + "/", PATH_TOO_LONG))
        shown = relative if len(relative) <= 120 else relative[:120] + "…"
        scope.problems.append(
            f"{shown}/: path too long for this system ({len(full)} characters); not checked: shorten or exclude it"
        )
        return
    reason = f"{UNREADABLE_FOLDER}: {error.strerror or error}"
    scope.left_out.append((relative + "/", reason))
    scope.problems.append(f"{relative}/: cannot read the folder ({error.strerror or error}); fix or exclude it")


def _walk(
    root: Path, start: PurePosixPath, keep: _Filter, scope: Scope, seen: set[tuple[int, int]]
) -> Iterator[PurePosixPath]:
    """The files below start. Folder links inside the root are walked after the real folders, once each."""
    tops: list[str] = [str(root / start)]
    links: list[str] = []
    while tops:
        yield from _walk_one(root, tops.pop(0), keep, scope, seen, links)
        if not tops:
            tops, links = links, []


def _walk_one(
    root: Path, top: str, keep: _Filter, scope: Scope, seen: set[tuple[int, int]], links: list[str]
) -> Iterator[PurePosixPath]:
    root_prefix = len(str(root)) + 1
    for dirpath, dirnames, filenames in os.walk(top, onerror=lambda error: _unwalkable(root, scope, error)):
        relative = dirpath[root_prefix:].replace(os.sep, "/")
        try:
            info = os.stat(dirpath)
        except OSError:
            info = None
        if info is not None:
            if (info.st_dev, info.st_ino) in seen:  # a folder link whose target was walked already
                scope.left_out.append((relative + "/", LINK_WALKED))
                dirnames[:] = []
                continue
            seen.add((info.st_dev, info.st_ino))
        folder = PurePosixPath(relative or ".")
        prefix = f"{relative}/" if relative else ""
        kept_dirs = []
        for name in sorted(dirnames):
            if name in _ALWAYS_SKIPPED_DIRS:
                continue
            reason = keep.reason_in_folder(folder, prefix + name, True)
            path = os.path.join(dirpath, name)
            if reason is None and os.path.islink(path):
                if outside_root(root, Path(path)):
                    scope.left_out.append((f"{prefix}{name}/", LINK_OUTSIDE))
                else:
                    links.append(path)
            elif reason is None:
                kept_dirs.append(name)
            else:
                scope.left_out.append((f"{prefix}{name}/", reason))
        dirnames[:] = kept_dirs
        for name in sorted(filenames):
            reason = keep.reason_in_folder(folder, prefix + name, False)
            if reason is None:
                yield folder / name
            else:
                scope.left_out.append((prefix + name, reason))


def _admit(root: Path, rel: PurePosixPath, scope: Scope, max_size: int | None = None) -> None:
    """Keep a regular text file; one that cannot be read stays in, so its check fails with the reason."""
    path = os.path.join(root, rel)
    reason = not_a_file(path, root, max_size) or (BINARY if is_binary(path) else None)
    if reason is None:
        scope.files.append(rel.as_posix())
    else:
        scope.left_out.append((rel.as_posix(), reason))


def _below_root(root: Path, folder: Path) -> PurePosixPath:
    try:
        return PurePosixPath(folder.relative_to(root).as_posix())
    except ValueError:
        raise UsageError(f"{folder}: not inside the project at {root}; check it on its own") from None


def discover(config: Config, under: Iterable[Path] = ()) -> Scope:
    """Find the files in scope below the configured paths (or only below the `under` folders)."""
    scope = Scope(config.root)
    keep = _Filter(config)
    limits = [_below_root(config.root, p.resolve()) for p in under]
    starts: list[PurePosixPath] = []
    for path in keep.paths:
        for limit in limits or [PurePosixPath(".")]:
            if str(limit) == "." or limit == path or limit in path.parents:
                starts.append(path)
            elif path in limit.parents or str(path) == ".":
                starts.append(limit)
    seen: set[tuple[int, int]] = set()  # (device, inode) of every folder walked: a link loop ends there
    for start in dict.fromkeys(starts):
        absolute = config.root / start
        if absolute.is_dir():
            if str(start) != "." and (reason := keep.reason_for_named_file(start, is_dir=True)) not in (None, OUTSIDE):
                scope.left_out.append((start.as_posix() + "/", reason))
                continue
            for rel in _walk(config.root, start, keep, scope, seen):
                _admit(config.root, rel, scope, config.max_file_size)
        elif os.path.lexists(absolute):
            reason = keep.reason_for_named_file(start)
            if reason is None:
                _admit(config.root, start, scope, config.max_file_size)
            else:
                scope.left_out.append((start.as_posix(), reason))
    scope.files = sorted(dict.fromkeys(scope.files))
    return scope


def named_path(name: Path) -> Path:
    """The absolute path of a named file, its folder resolved but not the file itself.

    A symlink named on the command line is judged by its own place, as the walk judges it.
    """
    absolute = os.path.abspath(name)
    return Path(os.path.realpath(os.path.dirname(absolute))) / os.path.basename(absolute)


def select_named_files(config: Config, names: Iterable[Path]) -> Scope:
    """Keep the named files that are in scope (what pre-commit passes); others are left out."""
    scope = Scope(config.root)
    keep = _Filter(config)
    for name in names:
        absolute = named_path(name)
        try:
            rel = PurePosixPath(absolute.relative_to(config.root).as_posix())
        except ValueError:
            scope.left_out.append((str(name), OUTSIDE))
            continue
        reason = keep.reason_for_named_file(rel)
        if reason is None:
            _admit(config.root, rel, scope, config.max_file_size)
        else:
            scope.left_out.append((rel.as_posix(), reason))
    scope.files = sorted(dict.fromkeys(scope.files))
    return scope


def files_outside_paths(config: Config) -> list[str]:
    """Every other file of the project (for --list-files); an excluded or ignored folder is named, not walked."""
    keep = _Filter(config)
    outside = []
    for dirpath, dirnames, filenames in os.walk(config.root):
        folder = PurePosixPath(Path(dirpath).relative_to(config.root).as_posix())
        walked = []
        for name in sorted(dirnames):
            rel = folder / name
            if name in _ALWAYS_SKIPPED_DIRS or keep.under_paths(rel):
                continue
            if keep.reason_left_out(rel, True) is None:
                walked.append(name)
            else:
                outside.append(rel.as_posix() + "/")
        dirnames[:] = walked
        outside += [(folder / f).as_posix() for f in sorted(filenames) if not keep.under_paths(folder / f)]
    return outside
