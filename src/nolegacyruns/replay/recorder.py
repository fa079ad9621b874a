"""Record what a check depends on while it runs, and leave a replay record when it qualifies.

While a Recorder is active, an audit hook notes every path the check opens and every folder it
lists, `os.stat` and `os.lstat` note every path probed, and stdout and stderr are copied as they are
written. Git commands are noted by `scope.gitfiles` with git's answer. At the end a record is written
only when the check allowed it (a plain check, see `allow`), found every file in its cache, ran no
other process, wrote nothing to stderr, ended 0 or 1, and nothing it depended on changed within the
last `SETTLE_NS` (a file changed again within its timestamp's granularity would keep its stat).
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import sys
from collections.abc import Sequence
from types import TracebackType
from typing import Any, Protocol

from .record import (
    ENTRY,
    FOLDER_NAME,
    LISTED,
    OPENED,
    PROBED,
    PROBED_LINK,
    Command,
    Record,
    record_name,
    signature,
    times_of,
    write_all,
)

SETTLE_NS = 2_000_000_000
_EXIT_SIGINT = 130
KEPT_RECORDS = 32
_STDOUT_LIMIT = 16 * 1024 * 1024
_IMPORT_SYSTEM = frozenset(
    {"<frozen importlib._bootstrap>", "<frozen importlib._bootstrap_external>", "<frozen zipimport>"}
)
_SPAWNS = frozenset({"os.fork", "os.forkpty", "os.posix_spawn", "os.spawn", "os.system", "os.exec", "pty.spawn"})


class _Listening:
    """The recording the audit hook reports to (an audit hook cannot be removed once added)."""

    recorder: Recorder | None = None
    hooked = False


_listening = _Listening()


class Cache(Protocol):
    """What the recorder asks of a check's result cache."""

    top: Any
    missed: int

    def own_paths(self) -> list[Any]: ...

    def writable(self, *parts: str) -> Any: ...


def allow(caches: Sequence[Cache]) -> None:
    """Let the active recording keep this check's output, if it found every file in these caches."""
    if _listening.recorder is not None:
        _listening.recorder.caches = list(caches)


def note_command(argv: Sequence[str], env: dict[str, str], returncode: int, stdout: bytes, stderr: bytes) -> None:
    """A git command the check ran, with git's answer: a replay runs it again and compares."""
    if _listening.recorder is not None:
        _listening.recorder.commands.append(
            Command(
                [os.fsencode(arg) for arg in argv],
                [os.fsencode(f"{name}={value}") for name, value in env.items()],
                returncode,
                stdout,
                stderr,
            )
        )


class _Tee(io.RawIOBase):
    """A descriptor's writes, copied into a buffer as they go out."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self.fd = fd
        self.copy = bytearray()

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.fd

    def isatty(self) -> bool:
        return os.isatty(self.fd)

    def write(self, data: Any) -> int:
        written = os.write(self.fd, data)
        self.copy += bytes(data[:written])
        return written


def _teed(stream: Any, fd: int) -> tuple[Any, _Tee]:
    tee = _Tee(fd)
    stream.flush()
    wrapper = io.TextIOWrapper(
        io.BufferedWriter(tee),
        encoding=stream.encoding,
        errors=stream.errors,
        line_buffering=stream.line_buffering,
        write_through=getattr(stream, "write_through", False),
    )
    return wrapper, tee


class Recorder:
    """One check's recording; a context manager around the command line."""

    def __init__(self, key: bytes, started_ns: int, folders: Sequence[str]) -> None:
        self.key = key
        self.started_ns = started_ns
        self.folders = [os.path.abspath(folder) for folder in folders]
        self.cwd = os.getcwd()
        self.caches: list[Cache] | None = None
        self.commands: list[Command] = []
        self.paths: set[tuple[bytes, str]] = set()
        self.popens = 0
        self.unseen = False  # the check did something whose inputs cannot be told
        self._saved: dict[str, Any] = {}

    def __enter__(self) -> Recorder:
        if sys.stdout is None or sys.stderr is None:
            return self
        (sys.stdout, self._out), (sys.stderr, self._err) = _teed(sys.stdout, 1), _teed(sys.stderr, 2)
        # shutil decides at import whether rmtree may use its link-safe descriptor walk, by whether
        # os.stat is the real one: imported later (the cache's prune), it would see the wrapper.
        import shutil  # noqa: F401

        self._saved = {"stat": os.stat, "lstat": os.lstat}
        os.stat, os.lstat = self._stat, self._lstat
        if not _listening.hooked:
            sys.addaudithook(_audit)
            _listening.hooked = True
        _listening.recorder = self
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if _listening.recorder is not self:
            return
        _listening.recorder = None
        os.stat, os.lstat = self._saved["stat"], self._saved["lstat"]
        if isinstance(error, SystemExit) and error.code in (0, 1):
            try:
                self._keep(int(error.code))
            except KeyboardInterrupt:  # after the check's own handlers are gone: end as a check ends
                with contextlib.suppress(OSError):
                    os.write(2, b"nolegacyruns: interrupted\n")
                raise SystemExit(_EXIT_SIGINT) from None
            except Exception:  # a record is only speed: never the check's outcome
                return

    def _stat(self, path: Any, *, dir_fd: int | None = None, follow_symlinks: bool = True) -> os.stat_result:
        self._probe(PROBED if follow_symlinks else PROBED_LINK, path, dir_fd)
        return self._saved["stat"](path, dir_fd=dir_fd, follow_symlinks=follow_symlinks)  # type: ignore[no-any-return]

    def _lstat(self, path: Any, *, dir_fd: int | None = None) -> os.stat_result:
        self._probe(PROBED_LINK, path, dir_fd)
        return self._saved["lstat"](path, dir_fd=dir_fd)  # type: ignore[no-any-return]

    def _probe(self, kind: bytes, path: Any, dir_fd: int | None) -> None:
        if dir_fd is not None:
            self.unseen = True
        elif not isinstance(path, int) and not _from_importer(3):
            self.paths.add((kind, self._absolute(path)))

    def _absolute(self, path: Any) -> str:
        return os.path.join(self.cwd, os.fsdecode(os.fspath(path)))

    def hear(self, event: str, args: tuple[Any, ...]) -> None:
        if event == "open":
            if not isinstance(args[0], int) and not _from_importer(3):
                self.paths.add((OPENED, self._absolute(args[0])))
        elif event in ("os.scandir", "os.listdir"):
            path = "." if args[0] is None else args[0]
            if isinstance(path, int):
                self.unseen = True
            elif not _from_importer(3):
                self.paths.add((LISTED, self._absolute(path)))
        elif event == "subprocess.Popen":
            self.popens += 1
        elif event in _SPAWNS:
            self.unseen = True

    def _keep(self, exit_code: int) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        caches = self.caches
        if caches is None or not caches or any(cache.missed for cache in caches) or self.unseen:
            return
        if self.popens != len(self.commands) or self._err.copy or len(self._out.copy) > _STDOUT_LIMIT:
            return
        by_folder = {os.path.abspath(os.fspath(cache.top)): cache for cache in caches}
        home = next((by_folder[folder] for folder in self.folders if folder in by_folder), None)
        folder = home.writable(FOLDER_NAME) if home is not None else None
        if folder is None:
            return
        entries = self._entries(_CacheFiles(caches))
        if entries is None:
            return
        settled = self.started_ns - SETTLE_NS
        if any(max(times_of(sig)) >= settled for _, sigs in entries.values() for sig in sigs):
            return
        record = Record(self.key, exit_code, bytes(self._out.copy), entries, self.commands)
        _write_private(folder, record_name(self.key), record.encode())
        _prune(folder)

    def _entries(self, cache_files: _CacheFiles) -> dict[bytes, tuple[list[bytes], list[bytes]]] | None:
        """The signature of every path depended on; None when one lies in a cache folder (`--cache-dir .`)."""
        paths = set(self.paths)
        # Where imports look, even when they looked before this recording: a module newly put there
        # (the working folder is on the path of `python -m`) or a new .pth file changes what is imported.
        for entry in sys.path:
            folder = os.path.join(self.cwd, entry) if entry else self.cwd
            if os.path.isdir(folder):
                paths.add((LISTED, folder))
        for kind, path in list(paths):
            if kind == LISTED:
                with contextlib.suppress(OSError):
                    paths.update((ENTRY, os.path.join(path, name)) for name in os.listdir(path))
        code = [getattr(module, "__file__", None) for module in list(sys.modules.values())]
        paths.update((OPENED, os.path.abspath(path)) for path in [*code, sys.executable] if isinstance(path, str))
        kinds: dict[str, set[bytes]] = {}
        for kind, path in paths:
            if cache_files.owns(path):
                continue
            if cache_files.under_a_cache(path):
                return None
            kinds.setdefault(path, set()).add(kind)
        entries: dict[bytes, tuple[list[bytes], list[bytes]]] = {}
        for path in sorted(kinds):
            encoded = os.fsencode(path)
            for kind in _needed(kinds[path], encoded):
                paths_of, sigs_of = entries.setdefault(kind, ([], []))
                paths_of.append(encoded)
                sigs_of.append(signature(kind, encoded))
        return entries


class _CacheFiles:
    """The files caches write (never an input of a check), and the folders they are in."""

    def __init__(self, caches: Sequence[Cache]) -> None:
        exact: set[str] = set()
        subtrees: list[str] = []
        tops: list[str] = []
        for cache in caches:
            top = os.fspath(cache.top)
            for form in _spellings(top):
                exact.add(form)
                tops.append(form + os.sep)
            for path in [*map(os.fspath, cache.own_paths()), os.path.join(top, FOLDER_NAME)]:
                for form in _spellings(path):
                    exact.add(form)
                    subtrees.append(form + os.sep)
        self.exact, self.subtrees, self.tops = exact, tuple(subtrees), tuple(tops)

    def owns(self, path: str) -> bool:
        return path in self.exact or path.startswith(self.subtrees)

    def under_a_cache(self, path: str) -> bool:
        return path.startswith(self.tops)


def _spellings(path: str) -> set[str]:
    """A path as the check may have named it: as given (made absolute) and with links resolved."""
    return {os.path.abspath(path), os.path.realpath(path)}


def _needed(kinds: set[bytes], path: bytes) -> set[bytes]:
    """The kinds that say more than the others: the lstat of an entry that is no link is its stat too,
    and a whole signature holds a folder's identity."""
    if ENTRY in kinds and os.path.basename(path) == b".git" and kinds <= {ENTRY, PROBED_LINK}:
        # Git's own folder is never walked; git writes in it as it answers, and its answer is compared
        # itself: what counts is that the folder (or a linked work tree's .git file) is there.
        return {PROBED_LINK}
    if ENTRY in kinds:
        if not _is_link(path):
            return {ENTRY}
        kinds = kinds | {PROBED}  # what a listing's entry tells of a link's target (is_file, stat) is its stat
    if LISTED in kinds or OPENED in kinds:
        kinds = kinds - {PROBED}
    if ENTRY in kinds:
        kinds = kinds - {PROBED_LINK}
    return kinds


def _is_link(path: bytes) -> bool:
    try:
        return stat.S_ISLNK(os.lstat(path).st_mode)
    except OSError:
        return True  # cannot tell: keep every kind


def _write_private(folder: Any, name: str, data: bytes) -> None:
    """Replace folder/name in one step with a file only this user can write (the launcher reads no other)."""
    temporary = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        write_all(fd, data)
    except BaseException:
        os.close(fd)
        os.unlink(temporary)
        raise
    os.close(fd)
    try:
        os.replace(temporary, os.path.join(folder, name))  # a link in its place is replaced, not followed
    except BaseException:
        os.unlink(temporary)
        raise


def _prune(folder: Any) -> None:
    """Keep the newest records: each distinct invocation (a pre-commit batch of files) leaves one."""
    records = []
    for path in folder.iterdir():
        with contextlib.suppress(OSError):
            records.append((path.lstat().st_mtime_ns, path))
    for _, path in sorted(records, reverse=True)[KEPT_RECORDS:]:
        with contextlib.suppress(OSError):
            path.unlink()


def _from_importer(depth: int) -> bool:
    """Whether the caller `depth` frames up is the import system (its reads are the code, noted at the end).

    By name: other modules are frozen too (`posixpath`, `genericpath`: every `os.path.exists`), and what
    they probe counts."""
    try:
        return sys._getframe(depth).f_code.co_filename in _IMPORT_SYSTEM
    except ValueError:
        return False


def _audit(event: str, args: tuple[Any, ...]) -> None:
    recorder = _listening.recorder
    if recorder is not None:
        recorder.hear(event, args)
