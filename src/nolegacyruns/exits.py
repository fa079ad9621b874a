"""How every command ends: exit 0/1 as the verdict says, 2 with one line per problem for bad input or an
unwritable output, 3 for a bug in us (never 0), 130/143 for Ctrl-C and SIGTERM; no traceback for any of them.

`guarded` wraps each click command with all of it.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

from .errors import UsageError

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
_Command = TypeVar("_Command", bound=Callable[..., Any])


# Every character str.splitlines() breaks at: a name holding one (a ref, a file name) must not split a problem's line.
_LINE_BREAKS = {ord(char): repr(char)[1:-1] for char in "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"}


def _fail_usage(error: UsageError) -> None:
    for problem in error.problems:
        click.echo(f"nolegacyruns: error: {problem.translate(_LINE_BREAKS)}", err=True)
    sys.exit(EXIT_USAGE)


class Interrupted(BaseException):
    """Ctrl-C or SIGTERM reached the check: it ends at once (children ended on the way out), exit 128+signal."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


_SIGNAL_WORDS = {signal.SIGINT: "interrupted", signal.SIGTERM: "terminated"}
# An unwritable stdout: the reader left (a closed pipe, said by nobody) or the device is full.
_OUTPUT_ERRNOS = frozenset({errno.EPIPE, errno.ENOSPC, errno.EDQUOT, errno.EIO})


def _on_signal(signum: int, frame: object) -> None:
    for number in _SIGNAL_WORDS:
        signal.signal(number, signal.SIG_IGN)  # a second Ctrl-C while children are ended changes nothing
    raise Interrupted(signum)


def _catch_signals() -> dict[int, Any]:
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {number: signal.signal(number, _on_signal) for number in _SIGNAL_WORDS}


class _ClosedOutput(io.TextIOBase):
    """Standard output when its descriptor was closed (`>&-`): a write fails as one to a closed descriptor would."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        raise _OutputClosed(errno.EBADF, os.strerror(errno.EBADF))


class _OutputClosed(OSError):
    """A write to standard output when it is closed."""


def _guard_closed_stdout() -> None:
    """A closed stdout is None to Python: writes to it would vanish and a pass look delivered."""
    if sys.stdout is not None:
        return
    sys.stdout = _ClosedOutput()
    try:
        os.fstat(1)
    except OSError:  # keep the next file opened from taking descriptor 1, where child processes write
        with contextlib.suppress(OSError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            if devnull != 1:
                os.dup2(devnull, 1)
                os.close(devnull)


def _output_failed(exc: OSError) -> None:
    """Standard output cannot take the report: exit 2 (never a pass), said on stderr unless the reader left."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # the interpreter's last flush must not fail again
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass
    if exc.errno != errno.EPIPE:
        click.echo(f"nolegacyruns: error: cannot write to standard output: {exc.strerror or exc}", err=True)
    sys.exit(EXIT_USAGE)


def _run_and_flush(command: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        result = command(*args, **kwargs)
    except SystemExit:
        sys.stdout.flush()  # a report that cannot be written turns any verdict into exit 2
        raise
    sys.stdout.flush()
    return result


def guarded(command: _Command) -> _Command:
    """Turn bad input into exit 2 with one line per problem, a crash into exit 3, never 0; a signal into 130/143."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        previous = _catch_signals()
        _guard_closed_stdout()
        try:
            return _run_and_flush(command, *args, **kwargs)
        except UsageError as error:
            _fail_usage(error)
        except Interrupted as interrupted:
            click.echo(f"nolegacyruns: {_SIGNAL_WORDS[signal.Signals(interrupted.signum)]}", err=True)
            sys.exit(128 + interrupted.signum)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except OSError as exc:
            if exc.errno not in _OUTPUT_ERRNOS and not isinstance(exc, _OutputClosed):
                _internal_error(exc)
            _output_failed(exc)
        except Exception as exc:
            _internal_error(exc)
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)

    return wrapper  # type: ignore[return-value]


def _internal_error(exc: Exception) -> None:
    if os.environ.get("NOLEGACYRUNS_DEBUG"):
        traceback.print_exc()
    click.echo(
        f"nolegacyruns: internal error: {type(exc).__name__}: {exc}\n"
        "This is a bug in nolegacyruns, not in your code. Please report it with the command you ran "
        "(set NOLEGACYRUNS_DEBUG=1 for the traceback).",
        err=True,
    )
    sys.exit(EXIT_INTERNAL)
