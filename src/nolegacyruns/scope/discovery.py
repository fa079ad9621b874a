"""Which files a check reads: configured paths, minus excludes, .gitignore'd and binary files."""

from __future__ import annotations

import errno
import operator
import os
import stat
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..config.loading import Config
from ..errors import UsageError
from ..safe_files import outside_root
from ..scan.cache import CACHE_DIR_NAME
from ..scan.decoding import BINARY_SNIFF_BYTES, looks_binary
from ..scan.engine import FileStat
from .filters import GITIGNORED, OUTSIDE, ROOT_FOLDER, ScopeFilter, parent_folder
from .gitfiles import git_files_and_unreadable, git_ignored

BINARY = "binary"
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

    def keep(self, relpath: str, info: os.stat_result | None) -> None:
        """Put a file in scope, with its stat when there is one (a file the read will report has none)."""
        self.files.append(relpath)
        if info is not None:
            self.stats[relpath] = FileStat.of(info)

    @property
    def skipped(self) -> int:
        """Files and folders under the paths that were found but not scanned."""
        return sum(self.skipped_by_reason.values())

    @property
    def skipped_by_reason(self) -> Counter[str]:
        return Counter(reason for _, reason in self.left_out if reason in SKIPPED)


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
    path: str, root: Path | None = None, max_size: int | None = None
) -> tuple[str | None, os.stat_result | None]:
    """not_a_file's reason, and the stat of a regular file (what the cache's fast path compares).

    Never opens the file: opening a FIFO blocks until someone writes to it, so the kind is decided
    from stat alone. A link is judged by where it resolves; a file over max_size is not read at all.
    """
    try:
        result = os.lstat(path)
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


def _walk(root: Path, start: PurePosixPath, keep: ScopeFilter, scope: Scope) -> Iterator[tuple[str, os.DirEntry[str]]]:
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


def _walk_one(
    root: Path, top: str, keep: ScopeFilter, scope: Scope, links: list[str]
) -> Iterator[tuple[str, os.DirEntry[str]]]:
    """The files below top (path below the root, and entry in its folder's listing), folders in pre-order."""
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
            yield from ((prefix + entry.name, entry) for entry in files)
            continue
        folder = relative or ROOT_FOLDER
        if keep.gitignores is not None:
            keep.gitignores.seen(folder, has_gitignore)
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
                yield prefix + entry.name, entry
            else:
                scope.left_out.append((prefix + entry.name, reason))


def _admit_entry(
    root: Path, rel: str, entry: os.DirEntry[str], scope: Scope, sniff: bool, max_size: int | None
) -> None:
    """`_admit` for a file the walk listed: a regular file (told by the listing) is kept on the stat the
    listing takes, without another system call; anything else goes the general way."""
    if not sniff and entry.is_file(follow_symlinks=False):
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            info = None
        if info is not None and _kept_regular(rel, info, scope, max_size):
            return
    _admit(root, rel, scope, sniff, max_size)


def _kept_regular(rel: str, info: os.stat_result, scope: Scope, max_size: int | None) -> bool:
    """Keep a regular file within max_size on a stat already taken (of the path itself); False otherwise."""
    if not stat.S_ISREG(info.st_mode) or (max_size is not None and info.st_size > max_size):
        return False
    scope.keep(rel, info)
    return True


def _admit(root: Path, rel: str, scope: Scope, sniff: bool, max_size: int | None = None) -> None:
    """Keep a regular text file; one that cannot be read stays in, so its check fails with the reason.

    Without `sniff`, binary files stay in too: the check tells them by the bytes it reads anyway.
    """
    path = os.path.join(root, rel)
    reason, result = _stat_file(path, root, max_size)
    reason = reason or (BINARY if sniff and is_binary(path) else None)
    if reason is None:
        scope.keep(rel, result)
    else:
        scope.left_out.append((rel, reason))


def _below_root(root: Path, folder: Path) -> PurePosixPath:
    try:
        return PurePosixPath(folder.relative_to(root).as_posix())
    except ValueError:
        raise UsageError(f"{folder}: not inside the project at {root}; check it on its own") from None


def _admit_listed(root: Path, listed: Iterable[str], keep: ScopeFilter, scope: Scope, sniff: bool) -> None:
    """Admit what git lists: it left out what git ignores; `exclude` still applies, and so do the
    .gitignore files to what git tracks all the same (reported as the walk reports them)."""
    folders: dict[str, tuple[str, str] | None] = {}
    plain: dict[str, bool] = {}
    listed = list(listed)
    if keep.gitignores is not None:
        # Git lists every .gitignore it tracks or does not ignore: no other folder needs a try to open one.
        # (One that git ignores and does not track is read by git only, for the untracked files.)
        keep.gitignores.only_in(parent_folder(rel) for rel in listed if rel.rpartition("/")[2] == ".gitignore")
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
            plain[folder] = keep.keeps_all_in(folder or ROOT_FOLDER)
        if not plain[folder] and (reason := keep.reason_in_folder(folder or ROOT_FOLDER, rel, False)):
            scope.left_out.append((rel, reason))
            continue
        path = os.path.join(root, rel)
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            continue  # deleted from the work tree, not yet from the index
        except OSError as error:
            if error.errno == errno.ENAMETOOLONG:
                _too_long(scope, rel, len(path))
                continue
            info = None  # the read reports it
        mode = info.st_mode if info is not None else 0
        if not sniff and info is not None and _kept_regular(rel, info, scope, keep.config.max_file_size):
            continue
        if stat.S_ISDIR(mode):
            _admit_folder(root, PurePosixPath(rel), keep, scope, sniff)  # a submodule
        elif stat.S_ISLNK(mode) and os.path.isdir(path):
            _admit_linked_folder(root, rel, keep, scope, sniff)
        else:
            _admit(root, rel, scope, sniff, keep.config.max_file_size)


def _folder_left_out(
    folder: str, keep: ScopeFilter, folders: dict[str, tuple[str, str] | None], scope: Scope
) -> tuple[str, str] | None:
    """The outermost left-out folder at or above folder with its reason (noted in scope once), or None."""
    if folder in folders:
        return folders[folder]
    parent = folder.rpartition("/")[0]
    decided = _folder_left_out(parent, keep, folders, scope) if parent else None
    if decided is None and folder.rpartition("/")[2] in _ALWAYS_SKIPPED_DIRS:
        decided = (folder, "")  # never entered, never named
    elif decided is None and (reason := keep.reason_in_folder(parent or ROOT_FOLDER, folder, True)):
        decided = (folder, reason)
        scope.left_out.append((folder + "/", reason))
    folders[folder] = decided
    return decided


def _admit_folder(root: Path, folder: PurePosixPath, keep: ScopeFilter, scope: Scope, sniff: bool) -> None:
    for rel, entry in _walk(root, folder, keep, scope):
        _admit_entry(root, rel, entry, scope, sniff, keep.config.max_file_size)


def _admit_linked_folder(root: Path, rel: str, keep: ScopeFilter, scope: Scope, sniff: bool) -> None:
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
    keep = ScopeFilter(config)
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
                for rel, entry in _walk(config.root, start, keep, scope):
                    _admit_entry(config.root, rel, entry, scope, sniff, config.max_file_size)
            else:
                _admit_listed(config.root, listed, keep, scope, sniff)
                if explain:
                    scope.left_out += [(rel, GITIGNORED) for rel in git_ignored(config.root, start)]
        elif os.path.lexists(absolute):
            _admit_named(config, keep, scope, start, sniff)
    scope.files = sorted(dict.fromkeys(scope.files))
    return scope


def _admit_named(config: Config, keep: ScopeFilter, scope: Scope, rel: PurePosixPath, sniff: bool) -> None:
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
    keep = ScopeFilter(config)
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
    keep = ScopeFilter(config)
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
