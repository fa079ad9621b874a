"""Diff-only checks: the lines a unified diff adds, so only findings on them are reported."""

from __future__ import annotations

import errno
import os
import re
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import UsageError
from ..findings import FileResult, Finding
from ..safe_files import MAX_DATA_BYTES, read_regular

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
# No file has 10**18 lines; a longer number is refused before int() (thousands of digits raise there).
_MAX_DIGITS = 18
# The longest file name (one path part) of every common file system, in bytes (ext4, XFS, btrfs, APFS).
_NAME_MAX = 255
_C_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}
DEV_NULL = "/dev/null"


def _unquote(name: str) -> str:
    """Undo git's C-style quoting of unusual paths (`"caf\\303\\251.py"`)."""
    if not (len(name) >= 2 and name[0] == name[-1] == '"'):
        return name
    body, out, index = name[1:-1], bytearray(), 0
    while index < len(body):
        char = body[index]
        if char == "\\" and index + 1 < len(body):
            nxt = body[index + 1]
            if nxt in "01234567":
                out.append(int(body[index + 1 : index + 4], 8))
                index += 4
                continue
            out.append(_C_ESCAPES.get(nxt, ord(nxt)))
            index += 2
            continue
        out += char.encode("utf-8")
        index += 1
    return out.decode("utf-8", errors="replace")


def _header_path(rest: str) -> str:
    """The path of a `---`/`+++` line: a tab ends it (timestamps, or git's mark after a space)."""
    rest = rest.rstrip("\r")
    if not rest.startswith('"'):
        rest = rest.split("\t", 1)[0]
    return _unquote(rest.strip())


def _new_path(old: str, new: str) -> str | None:
    """The new-side path of a file header pair; None for a deleted file. Strips git's a/ b/ prefixes."""
    if new == DEV_NULL:
        return None
    if new.startswith("b/") and (old.startswith("a/") or old == DEV_NULL):
        return new[2:]
    return new


def _shown(text: str, limit: int | None = None) -> str:
    """Text for a one-line message: as it is when printable, else quoted with its line breaks escaped.

    With a limit, a longer text is cut to its first `limit` characters and `...`.
    """
    if limit is not None and len(text) > limit:
        text = text[:limit] + "..."
    return text if text.isprintable() else repr(text)


def _path_problem(path: str) -> str | None:
    """Why no file of any project can have this path, or None."""
    for part in path.split("/"):
        if len(os.fsencode(part)) > _NAME_MAX:
            return f"a path part longer than {_NAME_MAX} bytes ({_shown(part, 40)}): file name too long"
    return None


def parse_unified_diff(text: str, source: str = "the diff") -> dict[str, set[int]]:
    """Map each new-side path of a unified diff to the line numbers it adds (a changed line is added).

    A hunk header or a path that no real diff holds is a UsageError naming source and the line:
    read as no hunk or no file, it would pass the lines it adds unchecked.
    """
    added: dict[str, set[int]] = {}
    # Split on LF only: str.splitlines() would also break lines at form feeds and other separators.
    lines = text.split("\n")
    index, current = 0, None
    while index < len(lines):
        line = lines[index]
        index += 1
        if line.startswith("--- ") and index < len(lines) and lines[index].startswith("+++ "):
            current = _new_path(_header_path(line[4:]), _header_path(lines[index][4:]))
            problem = _path_problem(current) if current is not None else None
            if problem is not None:
                raise UsageError(f"{source}: line {index + 1}: {problem}")
            if current is not None:
                added.setdefault(current, set())
            index += 1
            continue
        hunk = _HUNK.match(line)
        if hunk is None:
            continue
        if any(len(number) > _MAX_DIGITS for number in hunk.groups() if number is not None):
            raise UsageError(
                f"{source}: line {index}: a hunk header with a number of more than {_MAX_DIGITS} digits; "
                "not a diff of real files"
            )
        old_left = int(hunk[2]) if hunk[2] is not None else 1
        new_left = int(hunk[4]) if hunk[4] is not None else 1
        number = int(hunk[3])
        # Counting lines (not looking at prefixes alone) keeps a removed "-- comment" from reading as a header.
        while (old_left > 0 or new_left > 0) and index < len(lines):
            body = lines[index]
            marker = body[:1]
            if marker == "+":
                if current is not None:
                    added[current].add(number)
                number, new_left = number + 1, new_left - 1
            elif marker == "-":
                old_left -= 1
            elif marker in (" ", "", "\r"):
                number, old_left, new_left = number + 1, old_left - 1, new_left - 1
            elif marker != "\\":
                break
            index += 1
    return added


def looks_like_diff(text: str) -> bool:
    return not text.strip() or any(line.startswith("+++ ") for line in text.split("\n"))


@dataclass(frozen=True, slots=True)
class ChangedLines:
    """Lines a change adds, per file relative to the project root; `whole` files count entirely."""

    lines: Mapping[str, frozenset[int]] = field(default_factory=dict)
    whole: frozenset[str] = frozenset()

    def touches(self, relpath: str) -> bool:
        return relpath in self.lines or relpath in self.whole

    def keeps(self, finding: Finding) -> bool:
        if finding.path in self.whole:
            return True
        added = self.lines.get(finding.path, frozenset())
        # A finding may rest on more lines than it marks: an NLR101 write also on its legacy source's line.
        first, last = finding.span_lines or (finding.line, max(finding.line, finding.end_line))
        return any(line in added for line in range(first, last + 1))

    def restrict(self, relpaths: Iterable[str]) -> list[str]:
        return [path for path in relpaths if self.touches(path)]

    def filter(self, results: Iterable[FileResult]) -> list[FileResult]:
        """Keep only the findings on added lines; file errors stay."""
        return [replace(result, findings=tuple(f for f in result.findings if self.keeps(f))) for result in results]


def _relative(root: Path, name: str, bases: Sequence[Path], source: str) -> str | None:
    """Find a diff path below one of the bases; None when it is gone or outside the project."""
    too_long = None
    for base in bases:
        candidate = Path(os.path.abspath(base / name))
        try:
            is_file = candidate.is_file()
        except OSError as exc:
            if exc.errno == errno.ENAMETOOLONG:
                too_long = exc
            continue
        if is_file:
            try:
                return candidate.relative_to(root).as_posix()
            except ValueError:
                continue
    if too_long is not None:  # skipped, its added lines would pass unchecked
        raise UsageError(f"{source}: {_shown(name, 80)}: {too_long.strerror or too_long}")
    return None


def changed_lines(
    diff_text: str, root: Path, bases: Sequence[Path], whole: Iterable[str] = (), source: str = "the diff"
) -> ChangedLines:
    """Resolve a diff's paths against the bases (the project root, then the working folder).

    source names the diff in errors (`--diff FILE`).
    """
    lines: dict[str, frozenset[int]] = {}
    for name, numbers in parse_unified_diff(diff_text, source).items():
        relpath = _relative(root, name, bases, source)
        if relpath is not None:
            lines[relpath] = lines.get(relpath, frozenset()) | frozenset(numbers)
    return ChangedLines(lines, frozenset(whole))


def read_diff(name: str, stdin_text: str | None = None) -> str:
    """Read a unified diff from a file, or from standard input for `-`; raise UsageError on bad input."""
    if name == "-":
        text = stdin_text or ""
    else:
        try:
            text = read_regular(Path(name), MAX_DATA_BYTES, "the diff").decode("utf-8", errors="replace")
        except UsageError as error:
            raise UsageError(f"--diff {error.problems[0]}") from None
    if not looks_like_diff(text):
        raise UsageError(
            f"--diff {name}: not a unified diff (no '+++ ' file header); make one with `git diff` or `diff -u`"
        )
    return text


def _git(root: Path, ref: str, *args: str, allow_failure: bool = False) -> str:
    shown = _shown(ref)
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, check=False)
    except OSError as exc:
        raise UsageError(f"--changed-since {shown}: cannot run git: {exc.strerror or exc}") from None
    if allow_failure:
        return done.stdout.decode("utf-8", errors="replace").strip() if done.returncode == 0 else ""
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", errors="replace").strip().splitlines() or ["git failed"]
        hint = ""
        if "revision" in message[0] or "ambiguous argument" in message[0]:
            hint = f" (in a shallow clone, fetch it first: git fetch --depth=1 origin {shown})"
        raise UsageError(f"--changed-since {shown}: {_shown(message[0])}{hint}")
    return done.stdout.decode("utf-8", errors="replace")


def verified_commit(root: Path, ref: str) -> str:
    """The commit ref names, checked by git; a ref that looks like an option never reaches git as one."""
    shown = _shown(ref)
    if not ref or ref.startswith("-"):
        raise UsageError(f"--changed-since {shown}: not a revision (it starts with '-')")
    commit = _git(
        root, ref, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}", allow_failure=True
    )
    if not commit:
        raise UsageError(
            f"--changed-since {shown}: no such commit in this repository "
            f"(in a shallow clone, fetch it first: git fetch --depth=1 origin {shown})"
        )
    return commit


def git_changed_lines(root: Path, ref: str) -> ChangedLines:
    """Lines changed since ref (`git diff ref`, working tree included), plus untracked files whole."""
    if _git(root, ref, "rev-parse", "--is-inside-work-tree", allow_failure=True) != "true":
        raise UsageError(
            f"--changed-since {_shown(ref)}: {root} is not in a git repository; pass a diff with --diff FILE instead"
        )
    commit = verified_commit(root, ref)
    diff = _git(
        root,
        ref,
        "-c",
        "core.quotepath=false",
        "diff",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--unified=0",
        "--relative",
        "--src-prefix=a/",
        "--dst-prefix=b/",
        commit,
        "--",
    )
    untracked = _git(root, ref, "ls-files", "--others", "--exclude-standard", "-z").split("\0")
    untracked_names = [name for name in untracked if name]
    return changed_lines(diff, root, [root], untracked_names, source=f"--changed-since {_shown(ref)}: git diff")
