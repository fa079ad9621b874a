"""Apply fixes to a file's bytes: exactly the tokens' characters change, every other byte stays as it was.

Pure: `(relpath, bytes, findings) -> Edited`. The bytes are decoded as the check decoded them, so the
findings' lines and columns (1-based, in code points) point into the same text; the text at each
place must still be the finding's token, or the file changed since it was checked and is left alone.
With `hold_merges` (as `fix` runs it), a safe fix that would merge two names (`merges.py`) is skipped.
The text is written back with the codec it was read with and its byte order mark, after checking that
the unchanged text reads back to the very same bytes (line breaks, BOM, a coding cookie's encoding).
A Python file must compile after the edit, and before it: otherwise it is left alone.
"""

from __future__ import annotations

import codecs
import io
import tokenize
import warnings
from collections.abc import Iterable
from dataclasses import dataclass

from ..filekinds import PYTHON, SQL, kind_of
from ..findings import Finding
from ..scan.decoding import decode
from ..scan.source import SourceText
from .merges import Placed, merging

# The byte order marks the check reads, longest first (UTF-32 LE begins with UTF-16 LE's), and the
# codec that writes the text after them.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF8, "utf-8"),
)


class NotEditable(Exception):
    """The file as a whole cannot be fixed safely; the message says why."""


@dataclass(frozen=True, slots=True)
class Skipped:
    """A fix that was not applied, and why."""

    finding: Finding
    reason: str

    def __str__(self) -> str:
        return f"{self.finding.line}:{self.finding.column}: {self.finding.rule} `{self.finding.token}` {self.reason}"


@dataclass(frozen=True, slots=True)
class Edited:
    """A file's bytes with the fixes applied, the findings they fixed, and the fixes skipped."""

    data: bytes
    applied: tuple[Finding, ...] = ()
    skipped: tuple[Skipped, ...] = ()


def _codec(data: bytes, *, python: bool) -> tuple[bytes, str]:
    """The byte order mark data starts with, and the codec of the bytes after it (PEP 263 for Python)."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return bom, codec
    if python:
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        except SyntaxError:
            return b"", "utf-8"
        return b"", "utf-8" if encoding == "utf-8-sig" else encoding
    return b"", "utf-8"


def _compile_error(data: bytes, relpath: str) -> str | None:
    """Why CPython does not compile the file, or None when it does."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarnings about the user's code are not ours to print
            compile(data, relpath, "exec", dont_inherit=True)
    except SyntaxError as error:
        return f"{error.msg} at line {error.lineno}"
    except (ValueError, RecursionError, MemoryError) as error:
        return f"{type(error).__name__}: {error}"
    return None


def _span(source: SourceText, finding: Finding) -> tuple[int, int] | None:
    """The offsets of a finding's line:column to end_line:end_column, or None when the text is shorter."""
    starts = source.line_starts
    places = []
    for line, column in ((finding.line, finding.column), (finding.end_line, finding.end_column)):
        if not 1 <= line <= len(starts) or column < 1:
            return None
        offset = starts[line - 1] + column - 1
        if offset > (starts[line] if line < len(starts) else len(source.text)):
            return None
        places.append(offset)
    return places[0], places[1]


def _text_of(relpath: str, data: bytes) -> tuple[str, bytes, str]:
    """The text as the check read it, its byte order mark and codec; NotEditable unless it reads back as data."""
    python = kind_of(relpath) == PYTHON
    text, notices = decode(data, python=python)
    if notices:
        raise NotEditable(f"not fixed: {notices[0].detail}")
    bom, codec = _codec(data, python=python)
    try:
        same = bom + text.encode(codec) == data
    except (UnicodeError, LookupError):
        same = False
    if not same:
        raise NotEditable(f"not fixed: its bytes do not read back unchanged as {codec} text")
    return text, bom, codec


def edit(relpath: str, data: bytes, findings: Iterable[Finding], *, hold_merges: bool = False) -> Edited:
    """Replace each finding's token by its fix; raise NotEditable when the file cannot be fixed safely.

    `hold_merges`: skip the safe fixes that would merge two names of the file, as `fix` does; without
    it every fix is applied (`test-pack` tries each replacement on a rule's examples).
    """
    wanted = sorted(((f, f.fix) for f in findings if f.fix is not None), key=lambda pair: pair[0])
    if not wanted:
        return Edited(data)
    text, bom, codec = _text_of(relpath, data)
    source = SourceText(text)
    placed = []
    for finding, fix in wanted:
        span = _span(source, finding)
        if span is None or text[span[0] : span[1]] != finding.token:
            # The check's findings are of another text: none of them can be trusted (a line may have moved
            # under a suppression comment), so the whole file waits for the next run, in one line.
            raise NotEditable(
                f"not fixed: it changed since it was checked (`{finding.token}` is no longer at "
                f"{finding.line}:{finding.column}); run fix again"
            )
        placed.append(Placed(finding, fix, *span))
    held_back = merging(text, placed, fold_case=kind_of(relpath) == SQL) if hold_merges else {}
    pieces, applied, skipped = [], [], []
    done = 0
    for fixing in placed:
        finding = fixing.finding
        if finding in held_back:
            skipped.append(Skipped(finding, held_back[finding]))
            continue
        if fixing.start < done:
            skipped.append(Skipped(finding, "overlaps a fix before it; run fix again"))
            continue
        pieces += [text[done : fixing.start], fixing.fix.replacement]
        applied.append(finding)
        done = fixing.end
    if not applied:
        return Edited(data, skipped=tuple(skipped))
    pieces.append(text[done:])
    try:
        result = bom + "".join(pieces).encode(codec)
    except UnicodeError:
        raise NotEditable(f"not fixed: a replacement cannot be written in {codec}") from None
    if kind_of(relpath) == PYTHON:
        _check_compiles(relpath, data, result)
    return Edited(result, tuple(applied), tuple(skipped))


def _check_compiles(relpath: str, before: bytes, after: bytes) -> None:
    """A Python file is fixed only when it compiles before the fix and after it."""
    error = _compile_error(before, relpath)
    if error is not None:
        raise NotEditable(f"not fixed: it does not compile ({error}); fix it by hand")
    error = _compile_error(after, relpath)
    if error is not None:
        raise NotEditable(f"not fixed: it would not compile after the fix ({error}); left untouched")
