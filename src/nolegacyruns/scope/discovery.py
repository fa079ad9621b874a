"""Which files a check reads: configured paths, minus excludes, .gitignore'd and binary files."""

from __future__ import annotations

import errno
import operator
import os
import re
import stat
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from ..config.loading import Config
from ..errors import UsageError
from ..safe_files import outside_root
from ..scan.cache import CACHE_DIR_NAME
from ..scan.decoding import BINARY_SNIFF_BYTES, looks_binary
from ..scan.engine import FileStat
from .gitfiles import git_files_and_unreadable, git_ignored

if TYPE_CHECKING:
    import pathspec

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
# Version control data, and the result cache (which keeps checked lines of its own).
_ALWAYS_SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", CACHE_DIR_NAME})
_BY_NAME = operator.attrgetter("name")


@dataclass(slots=True)
class Scope:
    """The files in scope, and the files left out with the reason for each."""

    root: Path
    files: list[str] = field(default_factory=list)
    left_out: list[tuple[str, str]] = field(default_factory=list)
    # The stat of each file in scope, taken as it was admitted.
    stats: dict[str, FileStat] = field(default_factory=dict)
    # Folders that could not be walked (unreadable, path too long): the check fails naming each.
    problems: list[str] = field(default_factory=list)
    # (device, inode) of every folder walked: a folder link to one of them is not followed again.
    walked: set[tuple[int, int]] = field(default_factory=set)

    @property
    def skipped(self) -> int:
        """Files and folders under the paths that were found but not scanned."""
        return sum(self.skipped_by_reason.values())

    @property
    def skipped_by_reason(self) -> Counter[str]:
        return Counter(reason for _, reason in self.left_out if reason in SKIPPED)


def _compile_lenient(lines: Iterable[str]) -> pathspec.GitIgnoreSpec | None:
    """Compile .gitignore lines as git does: a bad pattern is dropped, not fatal."""
    import pathspec  # loaded only for a tree that has .gitignore files

    good = []
    for line in lines:
        try:
            pathspec.GitIgnoreSpec.from_lines([line])
        except (ValueError, re.error):
            continue
        good.append(line)
    spec = pathspec.GitIgnoreSpec.from_lines(good)
    return spec if good else None


def _compile_exclude(patterns: Iterable[str]) -> pathspec.GitIgnoreSpec:
    import pathspec  # loaded only for a configuration that excludes something

    return pathspec.GitIgnoreSpec.from_lines(patterns)


class GitIgnores:
    """The .gitignore files of a tree, read once each; deeper files win, as in git."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._specs: dict[PurePosixPath, pathspec.GitIgnoreSpec | None] = {}
        self._chains: dict[PurePosixPath, tuple[tuple[str, pathspec.GitIgnoreSpec], ...]] = {}

    def known_absent(self, folder: PurePosixPath) -> None:
        """The walk saw no .gitignore in folder: no need to try opening one."""
        self._specs.setdefault(folder, None)

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

    def applies_in(self, folder: PurePosixPath) -> bool:
        """Does any .gitignore bear on paths directly in folder?"""
        return bool(self._chain(folder))

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
    return looks_binary(head)


def not_a_file(path: str, root: Path | None = None, max_size: int | None = None) -> str | None:
    """Why path is no file to read (a FIFO, a device, a broken link, a link out of root, too large), or None."""
    return _stat_file(path, root, max_size)[0]


def _stat_file(
    path: str, root: Path | None = None, max_size: int | None = None, lstat: os.stat_result | None = None
) -> tuple[str | None, os.stat_result | None]:
    """not_a_file's reason, and the stat of a regular file (what the cache's fast path compares).

    Never opens the file: opening a FIFO blocks until someone writes to it, so the kind is decided
    from stat alone. A link is judged by where it resolves; a file over max_size is not read at all.
    """
    try:
        result = lstat or os.lstat(path)
    except FileNotFoundError:
        return GONE, None
    except OSError:
        return None, None  # a file the read will report
    if stat.S_ISLNK(result.st_mode):
        if root is not None and outside_root(root, Path(path)):
            return LINK_OUTSIDE, None
        try:
            result = os.stat(path)
        except OSError:  # dangling, or a loop (ELOOP)
            return BROKEN_SYMLINK, None
    if not stat.S_ISREG(result.st_mode):
        return NOT_REGULAR, None
    if max_size is not None and result.st_size > max_size:
        return TOO_LARGE, None
    return None, result


class _Filter:
    """Decides, path by path, whether a file or folder stays in scope."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.exclude = _compile_exclude(config.exclude) if config.exclude else None
        self.gitignores = GitIgnores(config.root) if config.respect_gitignore else None
        self.paths = [PurePosixPath(p.replace("\\", "/").strip("/")) for p in config.paths]

    def under_paths(self, relpath: PurePosixPath) -> bool:
        return any(relpath == p or p in relpath.parents or str(p) in ("", ".") for p in self.paths)

    def reason_left_out(self, relpath: PurePosixPath, is_dir: bool) -> str | None:
        return self.reason_in_folder(relpath.parent, relpath.as_posix(), is_dir)

    def excluded(self, relpath: str, folders: dict[str, bool]) -> bool:
        """Does `exclude` leave out relpath or a folder above it? (Decisions on folders are kept in folders.)"""
        if self.exclude is None:
            return False
        parts = relpath.split("/")
        for depth in range(1, len(parts)):
            folder = "/".join(parts[:depth])
            if folder not in folders:
                folders[folder] = self.exclude.match_file(folder + "/")
            if folders[folder]:
                return True
        return self.exclude.match_file(relpath)

    def keeps_all_in(self, folder: PurePosixPath) -> bool:
        """No exclude pattern and no .gitignore bears on folder: everything directly in it stays."""
        return self.exclude is None and (self.gitignores is None or not self.gitignores.applies_in(folder))

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
        _too_long(scope, relative + "/", len(full))
        return
    _unreadable_folder(scope, relative, str(error.strerror or error))


def _unreadable_folder(scope: Scope, relative: str, why: str) -> None:
    scope.left_out.append((relative + "/", f"{UNREADABLE_FOLDER}: {why}"))
    scope.problems.append(f"{relative}/: cannot read the folder ({why}); fix or exclude it")


def _too_long(scope: Scope, relative: str, length: int) -> None:
    scope.left_out.append((relative, PATH_TOO_LONG))
    shown = relative if len(relative) <= 120 else relative[:120] + "…"
    scope.problems.append(
        f"{shown}: path too long for this system ({length} characters); not checked: shorten or exclude it"
    )


def _first_walk(scope: Scope, dirpath: str, relative: str) -> bool:
    """Note a folder as walked; False when it was walked already (reached again through a link)."""
    try:
        info = os.stat(dirpath)
    except OSError:
        return True
    if (info.st_dev, info.st_ino) in scope.walked:
        scope.left_out.append((relative + "/", LINK_WALKED))
        return False
    scope.walked.add((info.st_dev, info.st_ino))
    return True


def _without_links(
    root: Path, prefix: str, folders: list[os.DirEntry[str]], scope: Scope, links: list[str]
) -> list[str]:
    """Folder paths minus links: one out of the root is noted, one inside is queued, to be walked after."""
    kept = []
    for entry in folders:
        if not entry.is_symlink():
            kept.append(entry.path)
        elif outside_root(root, Path(entry.path)):
            scope.left_out.append((f"{prefix}{entry.name}/", LINK_OUTSIDE))
        else:
            links.append(entry.path)
    return kept


def _walk(root: Path, start: PurePosixPath, keep: _Filter, scope: Scope) -> Iterator[_Found]:
    """The files below start. Folder links inside the root are walked after the real folders, once each."""
    tops: list[str] = [str(root / start)]
    links: list[str] = []
    while tops:
        yield from _walk_one(root, tops.pop(0), keep, scope, links)
        if not tops:
            tops, links = links, []


def _listing(root: Path, dirpath: str, scope: Scope) -> tuple[list[os.DirEntry[str]], list[os.DirEntry[str]]] | None:
    """A folder's sub-folders (links to folders included) and other entries, each sorted by name; None
    (noted as a problem) when it cannot be listed."""
    try:
        with os.scandir(dirpath) as listing:
            entries = sorted(listing, key=_BY_NAME)
    except OSError as error:
        _unwalkable(root, scope, error)
        return None
    folders: list[os.DirEntry[str]] = []
    files: list[os.DirEntry[str]] = []
    for entry in entries:
        try:
            is_folder = entry.is_dir()  # the file type from the listing; a link is followed
        except OSError:
            is_folder = False
        (folders if is_folder else files).append(entry)
    return folders, files


def _walk_one(root: Path, top: str, keep: _Filter, scope: Scope, links: list[str]) -> Iterator[_Found]:
    root_prefix = len(str(root)) + 1
    # Folders where no exclude pattern and no .gitignore bears (walked top-down, so a folder's parent
    # is decided first): their entries are all kept without matching each.
    plain: set[str] = set()
    stack = [top]
    while stack:
        dirpath = stack.pop()
        relative = dirpath[root_prefix:].replace(os.sep, "/")
        prefix = f"{relative}/" if relative else ""
        if not _first_walk(scope, dirpath, relative):
            continue
        listed = _listing(root, dirpath, scope)
        if listed is None:
            continue
        folders, files = listed
        folders = [entry for entry in folders if entry.name not in _ALWAYS_SKIPPED_DIRS]
        has_gitignore = any(entry.name == ".gitignore" for entry in files)
        here_plain = keep.exclude is None and (keep.gitignores is None or not has_gitignore)
        if here_plain and relative and relative.rpartition("/")[0] in plain:
            plain.add(relative)
            stack += reversed(_without_links(root, prefix, folders, scope, links))
            yield from (_Found(prefix + entry.name, entry) for entry in files)
            continue
        folder = PurePosixPath(relative or ".")
        if keep.gitignores is not None and not has_gitignore:
            keep.gitignores.known_absent(folder)
        if keep.keeps_all_in(folder):
            plain.add(relative)
        kept_folders = []
        for entry in folders:
            reason = keep.reason_in_folder(folder, prefix + entry.name, True)
            if reason is None:
                kept_folders.append(entry)
            else:
                scope.left_out.append((f"{prefix}{entry.name}/", reason))
        stack += reversed(_without_links(root, prefix, kept_folders, scope, links))
        for entry in files:
            reason = keep.reason_in_folder(folder, prefix + entry.name, False)
            if reason is None:
                yield _Found(prefix + entry.name, entry)
            else:
                scope.left_out.append((prefix + entry.name, reason))


@dataclass(frozen=True, slots=True)
class _Found:
    """A file the walk found: its path below the root, and its entry in the folder listing."""

    relpath: str
    entry: os.DirEntry[str] | None = None

    def lstat(self) -> os.stat_result | None:
        """The stat of the entry itself (taken once by the listing), or None to take it again."""
        if self.entry is None:
            return None
        try:
            return self.entry.stat(follow_symlinks=False)
        except OSError:
            return None


def _admit(
    root: Path, rel: str, scope: Scope, sniff: bool, max_size: int | None = None, lstat: os.stat_result | None = None
) -> None:
    """Keep a regular text file; one that cannot be read stays in, so its check fails with the reason.

    Without `sniff`, binary files stay in too: the check tells them by the bytes it reads anyway.
    `lstat`: the file's own stat when the walk took it already.
    """
    path = os.path.join(root, rel)
    reason, result = _stat_file(path, root, max_size, lstat)
    reason = reason or (BINARY if sniff and is_binary(path) else None)
    if reason is None:
        scope.files.append(rel)
        if result is not None:
            scope.stats[rel] = FileStat.of(result)
    else:
        scope.left_out.append((rel, reason))


def _below_root(root: Path, folder: Path) -> PurePosixPath:
    try:
        return PurePosixPath(folder.relative_to(root).as_posix())
    except ValueError:
        raise UsageError(f"{folder}: not inside the project at {root}; check it on its own") from None


def _admit_listed(root: Path, listed: Iterable[str], keep: _Filter, scope: Scope, sniff: bool) -> None:
    """Admit what git lists: it left out what git ignores; `exclude` still applies, and so do the
    .gitignore files to what git tracks all the same (reported as the walk reports them)."""
    folders: dict[str, tuple[str, str] | None] = {}
    plain: dict[str, bool] = {}
    for rel in listed:
        if rel.endswith("/"):  # an untracked nested repository
            nested = rel.rstrip("/")
            if _folder_left_out(nested, keep, folders, scope) is None:
                _admit_folder(root, PurePosixPath(nested), keep, scope, sniff)
            continue
        folder = rel.rpartition("/")[0]
        if folder and _folder_left_out(folder, keep, folders, scope) is not None:
            continue
        if folder not in plain:
            plain[folder] = keep.keeps_all_in(PurePosixPath(folder or "."))
        if not plain[folder] and (reason := keep.reason_in_folder(PurePosixPath(folder or "."), rel, False)):
            scope.left_out.append((rel, reason))
            continue
        path = os.path.join(root, rel)
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            continue  # deleted from the work tree, not yet from the index
        except OSError as error:
            if error.errno == errno.ENAMETOOLONG:
                _too_long(scope, rel, len(path))
                continue
            mode = 0  # the read reports it
        if stat.S_ISDIR(mode):
            _admit_folder(root, PurePosixPath(rel), keep, scope, sniff)  # a submodule
        elif stat.S_ISLNK(mode) and os.path.isdir(path):
            _admit_linked_folder(root, rel, keep, scope, sniff)
        else:
            _admit(root, rel, scope, sniff, keep.config.max_file_size)


def _folder_left_out(
    folder: str, keep: _Filter, folders: dict[str, tuple[str, str] | None], scope: Scope
) -> tuple[str, str] | None:
    """The outermost left-out folder at or above folder with its reason (noted in scope once), or None."""
    if folder in folders:
        return folders[folder]
    parent = folder.rpartition("/")[0]
    decided = _folder_left_out(parent, keep, folders, scope) if parent else None
    if decided is None and folder.rpartition("/")[2] in _ALWAYS_SKIPPED_DIRS:
        decided = (folder, "")  # never entered, never named
    elif decided is None and (reason := keep.reason_in_folder(PurePosixPath(parent or "."), folder, True)):
        decided = (folder, reason)
        scope.left_out.append((folder + "/", reason))
    folders[folder] = decided
    return decided


def _admit_folder(root: Path, folder: PurePosixPath, keep: _Filter, scope: Scope, sniff: bool) -> None:
    for found in _walk(root, folder, keep, scope):
        _admit(root, found.relpath, scope, sniff, keep.config.max_file_size, found.lstat())


def _admit_linked_folder(root: Path, rel: str, keep: _Filter, scope: Scope, sniff: bool) -> None:
    """A link to a folder that git lists: out of the root, noted; into the configured paths git lists
    already, noted as walked; elsewhere in the root, walked (once)."""
    target = Path(os.path.realpath(os.path.join(root, rel)))
    if outside_root(root, target):
        scope.left_out.append((rel + "/", LINK_OUTSIDE))
        return
    listed = [Path(os.path.realpath(root / path)) for path in keep.paths]
    if any(target == path or path in target.parents for path in listed):
        scope.left_out.append((rel + "/", LINK_WALKED))
        return
    _admit_folder(root, PurePosixPath(rel), keep, scope, sniff)


def discover(config: Config, under: Iterable[Path] = (), *, sniff: bool = True, explain: bool = False) -> Scope:
    """Find the files in scope below the configured paths (or only below the `under` folders).

    In a git work tree git lists the files (what it tracks, and what it does not ignore); elsewhere,
    or with `respect-gitignore = false`, a walk that reads the .gitignore files. `sniff`: leave binary
    files out (reads the start of every file; a check reads them itself). `explain`: name what git
    ignores among the files left out, as the walk does (for --list-files).
    """
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
    for start in dict.fromkeys(starts):
        absolute = config.root / start
        if absolute.is_dir():
            if str(start) != "." and (reason := keep.reason_for_named_file(start, is_dir=True)) not in (None, OUTSIDE):
                scope.left_out.append((start.as_posix() + "/", reason))
                continue
            listed, unreadable = (
                git_files_and_unreadable(config.root, start) if config.respect_gitignore else (None, [])
            )
            for folder, why in unreadable:
                _unreadable_folder(scope, folder, why)
            if listed is None:
                for found in _walk(config.root, start, keep, scope):
                    _admit(config.root, found.relpath, scope, sniff, config.max_file_size, found.lstat())
            else:
                _admit_listed(config.root, listed, keep, scope, sniff)
                if explain:
                    scope.left_out += [(rel, GITIGNORED) for rel in git_ignored(config.root, start)]
        elif os.path.lexists(absolute):
            _admit_named(config, keep, scope, start, sniff)
    scope.files = sorted(dict.fromkeys(scope.files))
    return scope


def _admit_named(config: Config, keep: _Filter, scope: Scope, rel: PurePosixPath, sniff: bool) -> None:
    """Admit a file named on the command line, or record why it is left out."""
    reason = keep.reason_for_named_file(rel)
    if reason is None:
        _admit(config.root, rel.as_posix(), scope, sniff, config.max_file_size)
    else:
        scope.left_out.append((rel.as_posix(), reason))


def named_path(name: Path) -> Path:
    """The absolute path of a named file, its folder resolved but not the file itself.

    A symlink named on the command line is judged by its own place, as the walk judges it.
    """
    absolute = os.path.abspath(name)
    return Path(os.path.realpath(os.path.dirname(absolute))) / os.path.basename(absolute)


def select_named_files(config: Config, names: Iterable[Path], *, sniff: bool = True) -> Scope:
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
        _admit_named(config, keep, scope, rel, sniff)
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
