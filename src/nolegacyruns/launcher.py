"""The `nolegacyruns` command: replay a check whose inputs are unchanged, else run the command line.

A check that found every file in its cache, printed only to stdout and ended 0 or 1 leaves a replay
record (see `replay.record`). The next identical invocation stats what that check depended on and,
when nothing changed (and git, where the file list came from git, answers as it did), writes the
same output and exits with the same code in a few milliseconds, before the checker is even imported.
Anything unexpected (no record, a record that does not decode or does not hold) means a full run.
"""

from __future__ import annotations

import _signal  # type: ignore[import-not-found]
import os
import stat
import sys
import time

from .replay.answers import Answer
from .replay.record import ENTRY, FOLDER_NAME, OPENED, Record, cache_folders, invocation_key, record_name, write_all

TYPE_CHECKING = False  # typing itself costs a launch more than the rest of it

if TYPE_CHECKING:
    from .replay.recorder import Recorder

_RECORD_LIMIT = 64 * 1024 * 1024
_EXIT_USAGE, _EXIT_SIGINT, _EXIT_SIGTERM = 2, 130, 143


class _Terminated(BaseException):
    """SIGTERM reached the launcher (a BaseException, as KeyboardInterrupt: nothing may take it for a bad record)."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise _Terminated


def main() -> None:
    started_ns = time.time_ns()
    # `_signal`, not `signal`: the module's enums cost this launch 3 ms.
    previous = _signal.getsignal(_signal.SIGTERM)
    if previous == _signal.SIG_DFL:
        _signal.signal(_signal.SIGTERM, _on_sigterm)
    try:
        recorder = _replay_or_recorder(started_ns)
    except KeyboardInterrupt:
        _say("nolegacyruns: interrupted")
        os._exit(_EXIT_SIGINT)
    except _Terminated:
        _say("nolegacyruns: terminated")
        os._exit(_EXIT_SIGTERM)
    finally:
        if previous == _signal.SIG_DFL:
            _signal.signal(_signal.SIGTERM, previous)
    if recorder is None:
        _run_command_line()
        return
    with recorder:
        _run_command_line()


def _replay_or_recorder(started_ns: int) -> Recorder | None:
    """Replay (and exit) when a record holds; else a Recorder when the check may leave a record, or None."""
    argv, environ = sys.argv[1:], dict(os.environ)
    key = invocation_key(sys.argv, environ) if argv[:1] == ["check"] else None
    if key is None:
        return None
    folders = list(cache_folders(argv, environ, os.getcwd()))
    name = record_name(key)
    for folder in folders:
        record = _valid_record(os.path.join(folder, FOLDER_NAME, name), key)
        if record is not None:
            _replay(record)
    if not any(os.path.isdir(folder) for folder in folders):
        return None  # no cache yet: this check cannot find every file in it
    from .replay.recorder import Recorder

    return Recorder(key, started_ns, folders)


def _run_command_line() -> None:
    from .cli import main as command_line

    command_line()


def _valid_record(path: str, key: bytes) -> Record | None:
    """The record at path when it is this user's own and everything it depends on holds, else None.

    Only a regular file owned by this user and writable by no one else is read: a record's content
    can then only be this user's, whoever placed the file (another user's record in a shared folder
    above the project, a device or FIFO planted there, are never read).
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        found = os.fstat(fd)
        if not stat.S_ISREG(found.st_mode) or found.st_uid != os.geteuid() or found.st_mode & 0o022:
            return None
        data = _read(fd, _RECORD_LIMIT)
    except OSError:
        return None
    finally:
        os.close(fd)
    if data is None:
        return None
    answers: list[Answer] = []
    try:
        record = Record.decode(data)
        if record.key != key or record.exit_code not in (0, 1) or not _own_code_in(record):
            return None
        # Git answers while the stats are taken (two processes, two CPUs); it is ended if a stat differs.
        scratch = os.path.dirname(path)
        for command in record.commands:
            answers.append(Answer(command.argv, dict(item.split(b"=", 1) for item in command.env), scratch))
        if not record.holds():
            return None
        for command, answer in zip(record.commands, answers, strict=True):
            if answer.result() != (command.returncode, command.stdout, command.stderr):
                return None
    except Exception:  # anything unexpected in a record means a full run, never a traceback
        return None
    finally:
        for answer in answers:
            answer.cancel()
    return record


def _read(fd: int, limit: int) -> bytes | None:
    """At most limit bytes; None when there are more."""
    chunks: list[bytes] = []
    size = 0
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            return None
    return b"".join(chunks)


def _own_code_in(record: Record) -> bool:
    """A record lists this very file with its inode and change time, which no copied or planted record can know."""
    own = os.fsencode(os.path.abspath(__file__))
    return record.lists(OPENED, own) or record.lists(ENTRY, own)


def _replay(record: Record) -> None:
    """Write the recorded output and exit as the check did; a failed write ends as the check's would."""
    try:
        write_all(1, record.stdout)
    except KeyboardInterrupt:
        _say("nolegacyruns: interrupted")
        os._exit(_EXIT_SIGINT)
    except OSError as error:
        import errno

        if error.errno != errno.EPIPE:
            _say(f"nolegacyruns: error: cannot write to standard output: {error.strerror or error}")
        os._exit(_EXIT_USAGE)
    os._exit(record.exit_code)


def _say(line: str) -> None:
    try:
        os.write(2, line.encode("utf-8", errors="backslashreplace") + b"\n")
    except OSError:
        return  # stderr is gone too: the exit code still tells


if __name__ == "__main__":
    main()
