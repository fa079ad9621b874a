"""The plain token scan: all of the text is code; any line may hold a directive."""

from __future__ import annotations

import re

from ...rules.roles import Role
from ..lexed import Lexed, Notice, Segment

_LINE = re.compile(r"[^\r\n]*")


def scan_plain_text(path: str, text: str) -> Lexed:
    """Scan text no lexer understands: everything is code, every line may carry a directive."""
    lines = [(m.start(), m.end()) for m in _LINE.finditer(text) if m.end() > m.start()]
    return Lexed(segments=[Segment(Role.CODE, 0, len(text))], directive_spans=lines)


def fallback(path: str, text: str, detail: str, offset: int = 0) -> Lexed:
    """Scan the plain way after a precise scanner failed, with an NLR900 notice saying why."""
    lexed = scan_plain_text(path, text)
    lexed.notices.append(Notice(offset, f"{detail}; scanned as plain text"))
    return lexed
