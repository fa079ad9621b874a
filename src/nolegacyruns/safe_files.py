"""The tool's own files: bounded reads of regular files, paths kept inside the project, atomic writes.

Configuration, rule packs, baselines and diffs are read only from regular files of bounded size
(a FIFO would block the check, `/dev/zero` would fill memory). What the configuration names for
reading or writing must resolve inside the project root. Writes go to a temporary file in the same
folder, are flushed to disk and renamed over the target, so a reader sees the old file or the new
one, and a write that fails half-way leaves the old file as it was.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path

from .errors import UsageError

# Configuration files and rule packs are a few KB; baselines and diffs of large codebases a few MB.
MAX_CONFIG_BYTES = 4 << 20
MAX_DATA_BYTES = 64 << 20


# Opening a FIFO for reading blocks until a writer comes, and a terminal could become ours: neither here.
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)


def read_checked_file(path: str) -> tuple[os.stat_result, bytes]:
    """A file to check, read once: its stat (taken on the open file) and its bytes; OSError when it cannot be
    read or is no longer a regular file (replaced since the scope was taken). Never blocks on a FIFO."""
    fd = os.open(path, _READ_FLAGS)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        data = os.read(fd, info.st_size + 1)  # one read, and the end of the file seen, for a file that did not change
        if len(data) != info.st_size:
            chunks = [data]
            while chunk := os.read(fd, 1 << 20):
                chunks.append(chunk)
            data = b"".join(chunks)
        return info, data
    finally:
        os.close(fd)


def read_regular(path: Path, limit: int, what: str) -> bytes:
    """Read a regular file of at most limit bytes; raise UsageError naming it otherwise. Never blocks on a FIFO."""
    try:
        fd = os.open(path, _READ_FLAGS)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read {what}: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UsageError(f"{path}: cannot read {what}: not a regular file")
        if info.st_size > limit:
            raise UsageError(f"{path}: {what} is larger than {limit:,} bytes ({info.st_size:,}); not read")
        chunks, size = [], 0
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise UsageError(f"{path}: {what} is larger than {limit:,} bytes; not read")
        return b"".join(chunks)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read {what}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def outside_root(root: Path, path: Path) -> bool:
    """Does path, its symbolic links followed, lie outside the project root?"""
    resolved = Path(os.path.realpath(path))
    return resolved != root and root not in resolved.parents


def confined(root: Path, path: Path, what: str) -> Path:
    """Path (relative to the root unless absolute), refused with UsageError when it resolves outside the root."""
    absolute = path if path.is_absolute() else root / path
    if outside_root(root, absolute):
        raise UsageError(f"{what} {path}: outside the project at {root}; name a file inside it")
    return absolute


def atomic_write(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Replace path's content in one step (temp file in its folder, fsync, rename); raise OSError on failure.

    `durable=False` skips the fsyncs, for data that is rebuilt when lost (the cache).
    A path that exists and is no regular file (`/dev/stdout`, a FIFO) is written to directly: it
    holds no previous content to protect. A symbolic link is followed: its target is replaced.
    """
    target = Path(os.path.realpath(path))
    with contextlib.suppress(FileNotFoundError):
        if not stat.S_ISREG(os.stat(target).st_mode):
            with open(target, "wb") as stream:
                stream.write(data)
            return
    import tempfile  # a check that writes nothing never loads it

    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            if durable:
                os.fsync(stream.fileno())
        os.chmod(temporary, _mode_for(target))
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    if durable:
        _sync_folder(target.parent)


def real_folder(top: Path, *parts: str, top_may_link: bool, make: bool = True) -> Path | None:
    """top/parts as real folders, made where missing (unless not `make`: then a missing one is None
    too); None where any of them (top too, unless it may be a link: a folder the user named) is a
    symbolic link or no folder: what is written there never goes through a link that a project's
    files could hold."""
    folder = top
    for index, part in enumerate(("", *parts)):
        folder = folder / part if part else folder
        if make:
            with contextlib.suppress(FileExistsError):
                folder.mkdir(parents=index == 0)
        try:
            found = os.stat(folder) if index == 0 and top_may_link else os.lstat(folder)
        except FileNotFoundError:
            if make:
                raise
            return None
        if not stat.S_ISDIR(found.st_mode):
            return None
    return folder


def write_unlinked(path: Path, data: bytes) -> None:
    """Replace a file in one step, unless it is a symbolic link or no regular file (left alone): for files
    of folders a project's own files could hold (the cache), which no link may send elsewhere."""
    with contextlib.suppress(FileNotFoundError):
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return
    # Rebuilt when lost (a cache): atomic, but not worth an fsync per file.
    atomic_write(path, data, durable=False)


def _mode_for(target: Path) -> int:
    """Keep an existing file's permissions; a new file gets the usual 0o666 less the umask."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable where the platform allows it."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
