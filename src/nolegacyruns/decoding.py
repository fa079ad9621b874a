"""Turn file bytes into text: PEP 263 cookies and BOMs for Python, UTF-8 elsewhere; never crash."""
from __future__ import annotations

import codecs
import io
import tokenize

from .segments import Notice


def _first_bad_line(data: bytes, encoding: str, error: UnicodeDecodeError) -> int:
    return data[: error.start].count(b"\n") + 1


def decode(data: bytes, *, python: bool) -> tuple[str, list[Notice]]:
    """Decode file bytes; undecodable bytes become U+FFFD and a notice, not an exception."""
    encoding = "utf-8-sig"
    notices: list[Notice] = []
    if python:
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        except SyntaxError as exc:
            # Raised for an unknown codec in a coding cookie, and for bad UTF-8 in the first
            # two lines; the latter is reported by the decode below, with its line.
            if "unknown encoding" in str(exc.msg):
                notices.append(Notice(0, f"{exc.msg}; read as UTF-8"))
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
        notices.append(Notice(_offset_of_line(text, line), f"undecodable bytes for {exc.encoding} from line {line}; replaced with U+FFFD"))
        return text, notices
    except LookupError:
        text = data.decode("utf-8-sig", errors="replace")
        notices.append(Notice(0, f"unknown encoding {encoding!r} declared; read as UTF-8"))
        return text, notices


def _offset_of_line(text: str, line: int) -> int:
    offset = 0
    for _ in range(line - 1):
        found = text.find("\n", offset)
        if found < 0:
            return offset
        offset = found + 1
    return offset
