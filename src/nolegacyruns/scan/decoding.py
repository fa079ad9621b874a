"""Turn file bytes into text: UTF-16/32 by their BOM, PEP 263 cookies for Python, UTF-8 elsewhere; never crash."""

from __future__ import annotations

import codecs
import io
import tokenize

from .lexed import Notice

# UTF-32 first: its little-endian BOM begins with UTF-16's. The codecs named read the BOM and drop it.
_BOM_ENCODINGS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _first_bad_line(data: bytes, encoding: str, error: UnicodeDecodeError) -> int:
    # Counted in the decoded text: in UTF-16 a 0x0A byte is not always a line break.
    return data[: error.start].decode(encoding, errors="replace").count("\n") + 1


_BOM_AND_COOKIE = (
    "a UTF-8 byte order mark before a coding cookie for another encoding (CPython refuses it); read as UTF-8"
)


def wide_encoding(data: bytes) -> str | None:
    """The UTF-16 or UTF-32 codec a byte order mark at the start of data names, or None."""
    return next((encoding for bom, encoding in _BOM_ENCODINGS if data.startswith(bom)), None)


BINARY_SNIFF_BYTES = 8192
_COOKIE_WORD = b"coding"


def looks_binary(head: bytes) -> bool:
    """A NUL byte in the first bytes and no UTF-16/32 byte order mark (which makes NULs text) mean binary."""
    return b"\0" in head and wide_encoding(head) is None


def plain_utf8(data: bytes, *, python: bool) -> bool:
    """Does `decode` read data as UTF-8 without a notice? (No wide BOM, no Python coding cookie, valid UTF-8.)"""
    if wide_encoding(data) is not None:
        return False
    if python and _COOKIE_WORD in data[: _end_of_second_line(data)]:
        return False  # a PEP 263 cookie may name another codec: decode() reads it
    if data.isascii():
        return True
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return True


def _end_of_second_line(data: bytes) -> int:
    first = data.find(b"\n")
    if first == -1:
        return len(data)
    second = data.find(b"\n", first + 1)
    return len(data) if second == -1 else second


def decode(data: bytes, *, python: bool) -> tuple[str, list[Notice]]:
    """Decode file bytes; undecodable bytes become U+FFFD and a notice, not an exception."""
    encoding = "utf-8-sig"
    notices: list[Notice] = []
    wide = wide_encoding(data)
    if wide is not None:
        encoding = wide  # SQL Server scripts and Windows tools write UTF-16 with a BOM
    elif python:
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        except SyntaxError as exc:
            # Raised for an unknown codec in a coding cookie, for a UTF-8 BOM before a cookie naming
            # another codec (CPython refuses both files), and for bad UTF-8 in the first two lines;
            # the last is reported by the decode below, with its line.
            if "unknown encoding" in str(exc.msg):
                notices.append(Notice(0, f"{exc.msg}; read as UTF-8"))
            elif "encoding problem" in str(exc.msg):
                notices.append(Notice(0, _BOM_AND_COOKIE))
            encoding = "utf-8-sig"
        if not _ascii_compatible(encoding):
            # The cookie was read as ASCII, so the file is not in this codec; CPython would decode it
            # into nonsense (or fail): read what a person sees, and say so.
            notices.append(
                Notice(0, f"coding cookie names {encoding!r}, which cannot encode the cookie itself; read as UTF-8")
            )
            encoding = "utf-8-sig"
    else:
        try:
            codecs.lookup(encoding)
        except LookupError:  # pragma: no cover - utf-8-sig always exists
            encoding = "utf-8"
    if encoding == "utf-8":
        encoding = "utf-8-sig"  # tolerate a BOM even when a cookie says utf-8
    try:
        return data.decode(encoding), notices
    except UnicodeDecodeError as exc:
        line = _first_bad_line(data, encoding, exc)
        text = data.decode(encoding, errors="replace")
        notices.append(
            Notice(
                _offset_of_line(text, line),
                f"undecodable bytes for {exc.encoding} from line {line}; replaced with U+FFFD",
            )
        )
        return text, notices
    except LookupError:
        text = data.decode("utf-8-sig", errors="replace")
        notices.append(Notice(0, f"unknown encoding {encoding!r} declared; read as UTF-8"))
        return text, notices
    except UnicodeError as exc:  # a codec that fails without a position (punycode, idna)
        text = data.decode("utf-8-sig", errors="replace")
        notices.append(Notice(0, f"cannot decode as {encoding!r} ({exc}); read as UTF-8"))
        return text, notices


_PROBE = "# -*- coding: x -*-\n"


def _ascii_compatible(encoding: str) -> bool:
    """Does the codec read and write ASCII text as ASCII bytes (as a PEP 263 cookie must be readable)?"""
    try:
        if codecs.lookup(encoding).name == "utf-8-sig":  # a BOM before the cookie: UTF-8
            return True
        return _PROBE.encode(encoding) == _PROBE.encode("ascii") and _PROBE.encode("ascii").decode(encoding) == _PROBE
    except (LookupError, UnicodeError, TypeError, ValueError):
        return False


def _offset_of_line(text: str, line: int) -> int:
    offset = 0
    for _ in range(line - 1):
        found = text.find("\n", offset)
        if found < 0:
            return offset
        offset = found + 1
    return offset
