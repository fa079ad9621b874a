"""The role a scanner gives a span of source text; token rules say which roles they read (`applies-to`)."""

from __future__ import annotations

import enum


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
