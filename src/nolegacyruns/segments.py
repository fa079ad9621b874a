"""What scanners hand to the rules: spans of a file, each with the role the language gives it."""
from __future__ import annotations

import enum
from dataclasses import dataclass


class Role(enum.Enum):
    """The role of a span of source text."""

    IDENTIFIER = "identifier"
    STRING = "string"
    COMMENT = "comment"
    DOCSTRING = "docstring"
    CODE = "code"  # text no lexer could classify: identifiers and strings alike

    @property
    def is_prose(self) -> bool:
        return self in (Role.COMMENT, Role.DOCSTRING)


@dataclass(frozen=True, slots=True)
class Segment:
    """A span [start, end) of the file text. `fold_case` marks case-insensitive names (SQL)."""

    role: Role
    start: int
    end: int
    fold_case: bool = False


@dataclass(frozen=True, slots=True)
class Notice:
    """A scan-level problem at an offset (NLR900): the file was scanned the coarse way."""

    offset: int
    detail: str
