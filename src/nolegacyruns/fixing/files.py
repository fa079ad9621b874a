"""Fix one file on disk: read it once, edit its bytes, write it atomically only when it changed.

A file that is a symbolic link or lies below one, that is the baseline, not a regular file, read-only
(no write bit for its owner, whoever runs fix), gone, or changed between the read and the write is
not written; its FileFix says why and the other files are still fixed. The write goes to a temporary
file in the same folder that is renamed over the file (`safe_files.atomic_write`), so a reader sees
the old file or the new one; the permissions are kept, and so is the owner where the process may set it.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from ..filekinds import PYTHON, kind_of
from ..findings import Finding
from ..safe_files import atomic_write
from ..scan.decoding import decode
from .edits import NotEditable, Skipped, edit

# A line with its line break (`\r\n`, `\r` or `\n`, as the check reads them), for the diff.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


@dataclass(frozen=True, slots=True)
class FileFix:
    """What fixing one file did: the findings fixed, the fixes skipped, or why the file was not written."""

    path: str
    applied: tuple[Finding, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    error: str | None = None
    before: bytes = b""
    after: bytes = b""

    @property
    def changed(self) -> bool:
        return self.error is None and self.after != self.before

    def then(self, later: FileFix) -> FileFix:
        """This fix followed by a later round on the same file (fixes that the first round's edits brought to light).

        A later round that cannot write the file changes nothing: what it would have fixed is reported as left.
        """
        if later.error is not None:
            return self
        if not later.changed:
            return replace(self, skipped=later.skipped)
        return FileFix(self.path, self.applied + later.applied, later.skipped, self.error, self.before, later.after)

    def diff(self) -> str:
        """A unified diff of the change (`--- a/path`, `+++ b/path`), line breaks as in the file."""
        if not self.changed:
            return ""
        python = kind_of(self.path) == PYTHON
        before, after = (_LINE.findall(decode(data, python=python)[0]) for data in (self.before, self.after))
        lines = difflib.unified_diff(before, after, f"a/{self.path}", f"b/{self.path}")
        return "".join(
            line if line.endswith(("\n", "\r")) else f"{line}\n\\ No newline at end of file\n" for line in lines
        )


@dataclass(frozen=True, slots=True)
class _Read:
    data: bytes
    info: os.stat_result


def _read(path: Path) -> _Read:
    """The file's bytes and stat; OSError for a link, a folder, a FIFO or a device (never blocks on one)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if os.path.islink(path):
            raise OSError("a symbolic link; fix the file it points to") from None
        raise exc
    with os.fdopen(fd, "rb") as stream:
        info = os.fstat(stream.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise OSError("not a regular file")
        return _Read(stream.read(), info)


def _linked_folder(root: Path, relpath: str) -> str | None:
    """The first folder on the way from the root to the file that is a symbolic link, or None."""
    parts = Path(relpath).parts[:-1]
    for depth in range(1, len(parts) + 1):
        if os.path.islink(root.joinpath(*parts[:depth])):
            return "/".join(parts[:depth])
    return None


def _same_file(root: Path, relpath: str, read: _Read) -> _Read:
    """The file as it is now; OSError when it no longer holds what was read."""
    folder = _linked_folder(root, relpath)
    if folder is not None:
        raise OSError(f"{folder} became a symbolic link while being fixed")
    try:
        now = _read(root / relpath)
    except OSError as exc:
        raise OSError(f"it is no longer the file that was read ({exc.strerror or exc})") from None
    if (now.info.st_dev, now.info.st_ino) != (read.info.st_dev, read.info.st_ino) or now.data != read.data:
        raise OSError("it changed while being fixed")
    return now


def _write(root: Path, relpath: str, read: _Read, data: bytes) -> None:
    """Replace the file's bytes atomically, keeping its mode (and owner, where allowed); OSError says why not."""
    path = root / relpath
    now = _same_file(root, relpath, read)
    # Root may write any file: its owner's missing write bit is what says "leave it alone".
    if not now.info.st_mode & stat.S_IWUSR or not os.access(path, os.W_OK):
        raise OSError("read-only: it cannot be written")
    atomic_write(path, data)
    owner = (read.info.st_uid, read.info.st_gid)
    with contextlib.suppress(OSError):
        after = os.stat(path)
        if (after.st_uid, after.st_gid) != owner:
            os.chown(path, *owner, follow_symlinks=False)


def _not_to_fix(root: Path, relpath: str, keep: frozenset[Path]) -> str | None:
    """Why fix must not touch this file at all (the baseline, a file below a linked folder), or None."""
    path = root / relpath
    if Path(os.path.realpath(path)) in keep:
        return "not fixed: it is the baseline file (`nolegacyruns baseline` writes it)"
    folder = _linked_folder(root, relpath)
    if folder is not None:
        return f"not fixed: {folder} is a symbolic link to a folder; fix the files where it points"
    return None


def fix_file(
    root: Path, relpath: str, findings: Iterable[Finding], *, write: bool = True, keep: frozenset[Path] = frozenset()
) -> FileFix:
    """Apply the findings' fixes to one file; with `write=False` only compute the result (for --diff).

    `keep`: resolved paths never written (the baseline files), whatever path reaches them.
    """
    refused = _not_to_fix(root, relpath, keep)
    if refused is not None:
        return FileFix(relpath, error=refused)
    try:
        read = _read(root / relpath)
    except OSError as exc:
        return FileFix(relpath, error=f"not fixed: cannot read it: {exc.strerror or exc}")
    try:
        edited = edit(relpath, read.data, findings, hold_merges=True)
    except NotEditable as problem:
        return FileFix(relpath, error=str(problem), before=read.data, after=read.data)
    result = FileFix(relpath, edited.applied, edited.skipped, before=read.data, after=edited.data)
    if write and result.changed:
        try:
            _write(root, relpath, read, edited.data)
        except OSError as exc:
            return FileFix(relpath, error=f"not written: {exc.strerror or exc}", before=read.data, after=read.data)
    return result
