"""Where a token matches: not glued to more of the same word.

Before the token: the start, a character that cannot be part of an identifier, an
underscore, or a lower-case letter followed by the token's upper-case first letter
(a camel-case hump). After a word token: the end, a non-identifier character, an
underscore, or an upper-case letter. After a value token (a dotted run type): the end
or a non-identifier character only; a letter, digit or underscore continues a longer key.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

# A character glued to a word: alphanumeric, but not the underscore.
_NOT_GLUED_BEFORE = r"(?<![^\W_])"
_NOT_GLUED_AFTER = r"(?![^\W_])"
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def fold_ascii(text: str) -> str:
    """Lower-case ASCII letters only, so offsets stay the same."""
    return text.translate(_ASCII_LOWER)


class Boundary(enum.Enum):
    """What ends a token: a word ends at a camel-case hump or an underscore, a value only at a non-word character."""

    WORD = "word"
    VALUE = "value"


def token_pattern(token: str, boundary: Boundary = Boundary.WORD) -> str:
    """Return the regex for one token with the boundary semantics above."""
    before = _NOT_GLUED_BEFORE
    if token[:1].isupper():
        before = f"(?:{_NOT_GLUED_BEFORE}|(?<=[a-z]))"
    if boundary is Boundary.VALUE:
        return rf"{before}{re.escape(token)}(?!\w)"
    return f"{before}{re.escape(token)}(?:{_NOT_GLUED_AFTER}|(?=[A-Z]))"


@dataclass(frozen=True, slots=True)
class Match:
    start: int
    end: int
    token: str
    owner: str


class TokenMatcher:
    """Find many tokens at once; each token belongs to an owner (a rule id)."""

    def __init__(self, tokens: Mapping[str, str], *, fold_case: bool = False, values: Iterable[str] = ()) -> None:
        """`values` are the tokens that end as values do (Boundary.VALUE); the others end as words."""
        self._fold_case = fold_case
        self._owner: dict[str, str] = {}
        for token, owner in tokens.items():
            key = fold_ascii(token) if fold_case else token
            self._owner.setdefault(key, owner)
        value_keys = {fold_ascii(t) if fold_case else t for t in values}
        # Longest first, so `InventorySyncRuns` wins over `InventorySyncRun`.
        ordered = sorted(self._owner, key=lambda t: (-len(t), t))
        patterns = (token_pattern(t, Boundary.VALUE if t in value_keys else Boundary.WORD) for t in ordered)
        self._regex = re.compile("|".join(patterns)) if ordered else None

    def __bool__(self) -> bool:
        return self._regex is not None

    def finditer(self, text: str, start: int = 0, end: int | None = None) -> Iterator[Match]:
        """Yield matches inside text[start:end], a segment whose edges are word edges."""
        if self._regex is None:
            return
        piece = text[start:end]
        haystack = fold_ascii(piece) if self._fold_case else piece
        for m in self._regex.finditer(haystack):
            yield Match(start + m.start(), start + m.end(), piece[m.start() : m.end()], self._owner[m.group()])


def tokens_by_owner(pairs: Iterable[tuple[str, Iterable[str]]]) -> dict[str, str]:
    """Flatten (owner, tokens) pairs into token -> owner, first owner winning."""
    result: dict[str, str] = {}
    for owner, tokens in pairs:
        for token in tokens:
            result.setdefault(token, owner)
    return result
