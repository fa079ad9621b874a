"""A replay record: what a check printed and how it ended, with every input it depended on.

A record is keyed by the whole invocation (interpreter, import path, working folder, arguments,
environment, user and groups, which descriptors are terminals, the output encoding) and lists each
path the check opened, listed or probed with its stat signature at the time, plus each git command it
ran with git's answer. It is valid while every signature and every git answer is unchanged.

Only the standard library's os, sys, time and zlib are used here: the launcher reads records before it
imports anything else.
"""

from __future__ import annotations

import os
import stat as stat_mode
import sys
import zlib

from .._version import __version__

TYPE_CHECKING = False  # typing and collections.abc cost a launch more than the rest of it
if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

MAGIC = b"nolegacyruns-replay 1\n"
FOLDER_NAME = "replay"
# The cache's names, kept here (scan.cache takes them from here): the launcher cannot import the check.
CACHE_DIR_NAME = ".nolegacyruns_cache"
CACHE_ENV = "NOLEGACYRUNS_CACHE_DIR"
CACHE_OPTION = "--cache-dir"
# Entry kinds: follow links or not; a folder's signature whole (its listing counts) or its identity only.
LISTED = b"D"  # a folder whose entries the check listed: stat, whole
OPENED = b"F"  # a file the check opened, and the tool's own code: stat, whole
ENTRY = b"L"  # an entry of a listed folder: lstat, whole
PROBED = b"f"  # a path the check stat()ed: stat; a folder by identity only
PROBED_LINK = b"l"  # a path the check lstat()ed: lstat; a folder by identity only
KINDS = frozenset({LISTED, OPENED, ENTRY, PROBED, PROBED_LINK})
_FOLLOWS = frozenset({LISTED, OPENED, PROBED})
_WHOLE = frozenset({LISTED, OPENED, ENTRY})
# Changing with every shell or process, and read by no check.
_VOLATILE_ENV = frozenset({"PWD", "OLDPWD", "SHLVL", "_"})
_real_stat, _real_lstat = os.stat, os.lstat


class Invalid(Exception):
    """A record that does not decode: it is not used."""


def pack(items: Sequence[bytes]) -> bytes:
    """Length-prefixed items, so that any bytes (a NUL, a newline) survive."""
    return b"".join(b"%d\n%s" % (len(item), item) for item in items)


def unpack(data: bytes) -> list[bytes]:
    items = []
    at = 0
    while at < len(data):
        newline = data.find(b"\n", at)
        if newline < 0 or not data[at:newline].isdigit():
            raise Invalid
        end = newline + 1 + int(data[at:newline])
        if end > len(data):
            raise Invalid
        items.append(data[newline + 1 : end])
        at = end
    return items


def invocation_key(argv: Sequence[str], environ: dict[str, str]) -> bytes | None:
    """Everything besides the files that can change what a check prints (the interpreter and its options
    too); None when stdout is closed."""
    streams = (sys.stdin, sys.stdout, sys.stderr)
    if sys.stdout is None or not _open_descriptor(1):
        return None
    try:
        cwd = os.getcwd()
    except OSError:  # the working folder is gone: the check says so, not a replay
        return None
    terminals = b"".join(b"1" if stream is not None and _isatty(stream) else b"0" for stream in streams)
    env = sorted(f"{name}={value}" for name, value in environ.items() if name not in _VOLATILE_ENV)
    parts = [
        __version__,
        sys.executable,
        sys.version,
        cwd,
        f"{os.getuid()} {os.geteuid()} {os.getgid()} {os.getegid()} {sorted(os.getgroups())}",
        # What may be read besides: capabilities (root without CAP_DAC_OVERRIDE), the user namespace.
        _proc_line("/proc/self/status", b"CapEff:") + _proc_line("/proc/self/uid_map", b""),
        f"{sys.stdout.encoding} {sys.stdout.errors}",
        f"{sys.flags} {sys.warnoptions} {sorted(sys._xoptions.items())}",  # -O, -X, -W and the like
    ]
    return pack(
        [*(_bytes(part) for part in parts), terminals, _list(sys.path), _list(argv), _list(env)],
    )


def _list(values: Sequence[str]) -> bytes:
    return pack([_bytes(value) for value in values])


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", errors="surrogateescape")


def _proc_line(path: str, prefix: bytes) -> str:
    """The first line of a /proc file that starts with prefix; empty where there is none."""
    try:
        fd = os.open(path, os.O_RDONLY)
        try:
            data = os.read(fd, 1 << 16)
        finally:
            os.close(fd)
    except OSError:
        return ""
    line = next((line for line in data.splitlines() if line.startswith(prefix)), b"")
    return line.decode("ascii", errors="replace") + " "


def _open_descriptor(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def _isatty(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError, OSError):
        return False


def write_all(fd: int, data: bytes) -> None:
    """Write all of data to a descriptor (os.write may take less)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def record_name(key: bytes) -> str:
    return f"{zlib.crc32(key):08x}{zlib.adler32(key):08x}"


def cache_folders(argv: Sequence[str], environ: dict[str, str], cwd: str) -> Iterator[str]:
    """Where a check with these arguments may keep its cache: --cache-dir, else the environment, else
    `.nolegacyruns_cache` in the working folder or any folder above it (the project root is one of them)."""
    option = None
    for index, argument in enumerate(argv):
        if argument == CACHE_OPTION and index + 1 < len(argv):
            option = argv[index + 1]
        elif argument.startswith(CACHE_OPTION + "="):
            option = argument[len(CACHE_OPTION) + 1 :]
    if option:
        yield os.path.join(cwd, option)
        return
    if environ.get(CACHE_ENV):
        yield os.path.join(cwd, environ[CACHE_ENV])
        return
    folder = cwd
    while True:
        yield os.path.join(folder, CACHE_DIR_NAME)
        parent = os.path.dirname(folder)
        if parent == folder:
            return
        folder = parent


def signature(kind: bytes, path: bytes) -> bytes:
    """The stat of path that the kind of entry depends on; `-errno` when it cannot be taken."""
    try:
        found = _real_stat(path) if kind in _FOLLOWS else _real_lstat(path)
    except OSError as error:
        return b"-%d" % (error.errno or 0)
    return _signature_of(found, kind in _WHOLE)


def times_of(sig: bytes) -> tuple[int, int]:
    """The mtime and ctime a whole signature holds; (0, 0) for a missing path or a folder's identity."""
    if sig.startswith((b"-", b"d")):
        return 0, 0
    fields = sig.split(b":")
    return int(fields[4]), int(fields[5])


class Command:
    """A git command the check ran, and git's answer."""

    __slots__ = ("argv", "env", "returncode", "stderr", "stdout")

    def __init__(self, argv: list[bytes], env: list[bytes], returncode: int, stdout: bytes, stderr: bytes) -> None:
        self.argv, self.env, self.returncode, self.stdout, self.stderr = argv, env, returncode, stdout, stderr

    def encode(self) -> bytes:
        return pack([pack(self.argv), pack(self.env), b"%d" % self.returncode, self.stdout, self.stderr])

    @classmethod
    def decode(cls, data: bytes) -> Command:
        argv, env, returncode, stdout, stderr = _fields(data, 5)
        command = cls(unpack(argv), unpack(env), _int(returncode), stdout, stderr)
        if not command.argv or not all(command.argv) or any(b"=" not in item for item in command.env):
            raise Invalid
        return command


class Record:
    """A decoded record; `entries` maps each kind to its paths and their signatures, in order."""

    __slots__ = ("commands", "entries", "exit_code", "key", "stdout")

    def __init__(
        self,
        key: bytes,
        exit_code: int,
        stdout: bytes,
        entries: dict[bytes, tuple[list[bytes], list[bytes]]],
        commands: list[Command],
    ) -> None:
        self.key, self.exit_code, self.stdout, self.entries, self.commands = key, exit_code, stdout, entries, commands

    def encode(self) -> bytes:
        sections = []
        for kind in sorted(self.entries):
            paths, sigs = self.entries[kind]
            sections += [kind, b"\0".join(paths), b"\0".join(sigs)]
        commands = pack([command.encode() for command in self.commands])
        body = MAGIC + pack([self.key, b"%d" % self.exit_code, self.stdout, pack(sections), commands])
        return body + b"%08x" % zlib.crc32(body)

    @classmethod
    def decode(cls, data: bytes) -> Record:
        body, checksum = data[:-8], data[-8:]
        if not body.startswith(MAGIC) or checksum != b"%08x" % zlib.crc32(body):
            raise Invalid
        key, exit_code, stdout, sections, commands = _fields(body[len(MAGIC) :], 5)
        items = unpack(sections)
        entries = {}
        for at in range(0, len(items) - 2, 3):
            kind, paths, sigs = items[at], items[at + 1].split(b"\0"), items[at + 2].split(b"\0")
            if kind not in KINDS or kind in entries or len(paths) != len(sigs):
                raise Invalid
            entries[kind] = (paths, sigs)
        if len(items) % 3 or not entries:
            raise Invalid
        return cls(key, _int(exit_code), stdout, entries, [Command.decode(item) for item in unpack(commands)])

    def lists(self, kind: bytes, path: bytes) -> bool:
        found = self.entries.get(kind)
        return found is not None and path in found[0]

    def holds(self) -> bool:
        """Whether every entry's signature is what it was."""
        for kind, (paths, sigs) in self.entries.items():
            take = _real_stat if kind in _FOLLOWS else _real_lstat
            whole = kind in _WHOLE
            for path, sig in zip(paths, sigs, strict=True):
                try:
                    found = take(path)
                except OSError as error:
                    if sig != b"-%d" % (error.errno or 0):
                        return False
                    continue
                if sig != _signature_of(found, whole):
                    return False
        return True


def _signature_of(found: os.stat_result, whole: bool) -> bytes:
    if not whole and stat_mode.S_ISDIR(found.st_mode):
        return b"d%d:%d:%d" % (found.st_mode, found.st_ino, found.st_dev)
    return b"%d:%d:%d:%d:%d:%d" % (
        found.st_mode,
        found.st_ino,
        found.st_dev,
        found.st_size,
        found.st_mtime_ns,
        found.st_ctime_ns,
    )


def _fields(data: bytes, count: int) -> list[bytes]:
    items = unpack(data)
    if len(items) != count:
        raise Invalid
    return items


def _int(data: bytes) -> int:
    if not data.lstrip(b"-").isdigit():
        raise Invalid
    return int(data)
