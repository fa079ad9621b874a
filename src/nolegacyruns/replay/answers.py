"""Ask a recorded git command again, while the launcher takes its stats: git writes to unlinked files,
so it never waits for a reader, and both run at once.

Standard library only (os, and `_signal` for the child's SIGPIPE), as the rest of the launcher.
"""

from __future__ import annotations

import _signal  # type: ignore[import-not-found]
import os

_READ_FLAGS = os.O_RDWR | getattr(os, "O_CLOEXEC", 0)


class Answer:
    """A command started now, its exit code, stdout and stderr taken later (as `subprocess.run` with
    `capture_output=True, stdin=DEVNULL` gives them); `cancel` ends it when the answer is not wanted."""

    def __init__(self, argv: list[bytes], env: dict[bytes, bytes], scratch: str) -> None:
        self.pid: int | None = None
        self.out = _unlinked_file(scratch)
        self.err = _unlinked_file(scratch)
        null = os.open(os.devnull, os.O_RDONLY)
        try:
            self.pid = os.posix_spawnp(
                argv[0],
                argv,
                env,
                file_actions=[
                    (os.POSIX_SPAWN_DUP2, null, 0),
                    (os.POSIX_SPAWN_DUP2, self.out, 1),
                    (os.POSIX_SPAWN_DUP2, self.err, 2),
                ],
                setsigdef=(_signal.SIGPIPE,),
            )
        except BaseException:
            self.cancel()
            raise
        finally:
            os.close(null)

    def result(self) -> tuple[int, bytes, bytes]:
        if self.pid is None:
            raise ProcessLookupError("the command was cancelled")
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        try:
            return os.waitstatus_to_exitcode(status), _whole(self.out), _whole(self.err)
        finally:
            self.cancel()

    def cancel(self) -> None:
        """End the command if it still runs, and close its files."""
        if self.pid is not None:
            pid, self.pid = self.pid, None
            os.kill(pid, _signal.SIGKILL)  # not reaped yet, so the pid is still this child's
            os.waitpid(pid, 0)
        for fd in (self.out, self.err):
            if fd >= 0:
                os.close(fd)
        self.out = self.err = -1


def _unlinked_file(folder: str) -> int:
    """A file only this process can reach: O_TMPFILE where the file system has it, else made and unlinked."""
    tmpfile = getattr(os, "O_TMPFILE", 0)
    if tmpfile:
        try:
            return os.open(folder, tmpfile | _READ_FLAGS, 0o600)
        except OSError:
            pass
    for attempt in range(100):
        path = os.path.join(folder, f".answer-{os.getpid()}-{attempt}")
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | _READ_FLAGS, 0o600)
        except FileExistsError:
            continue
        os.unlink(path)
        return fd
    raise FileExistsError(folder)


def _whole(fd: int) -> bytes:
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)
