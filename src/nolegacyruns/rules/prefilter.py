"""The pre-check every file passes: could any token or directive marker be in this (lower-cased) text?

A few short substrings ("grams") are chosen so that every anchor contains one (a greedy set cover), and
each anchor is filed under the first chosen gram it contains, with the gram's offset in it. A text is
scanned once per gram; only where a gram occurs are the anchors filed under it compared, in place.
That is sound (an anchor at position p puts its gram at p + offset, where the scan finds it) and costs
a few fast substring searches per file instead of one per anchor.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import AnyStr, Generic

GRAM_WIDTH = 4


class GramIndex(Generic[AnyStr]):
    """Anchors filed under covering grams: `found_in(text)` is True exactly when an anchor occurs in text."""

    def __init__(self, anchors: Sequence[AnyStr], grams: Sequence[AnyStr]) -> None:
        left = list(dict.fromkeys(anchors))
        self.placements: list[tuple[AnyStr, tuple[tuple[AnyStr, int], ...]]] = []
        for gram in grams:
            filed = tuple((anchor, anchor.find(gram)) for anchor in left if gram in anchor)
            left = [anchor for anchor in left if gram not in anchor]
            if filed:
                self.placements.append((gram, filed))
        if left:
            raise ValueError(f"grams {list(grams)!r} do not cover the anchors {left!r}")

    def found_in(self, text: AnyStr) -> bool:
        for gram, filed in self.placements:
            at = text.find(gram)
            while at != -1:
                for anchor, offset in filed:
                    start = at - offset
                    if start >= 0 and text.startswith(anchor, start):
                        return True
                at = text.find(gram, at + 1)
        return False


def covering_grams(tokens: Iterable[str], width: int = GRAM_WIDTH) -> tuple[str, ...]:
    """A few substrings of `width` characters such that every token contains one (greedy set cover)."""
    grams = {token: {token[i : i + width] for i in range(max(len(token) - width + 1, 1))} for token in tokens}
    uncovered = set(grams)
    chosen: list[str] = []
    while uncovered:
        counts: dict[str, int] = {}
        for token in uncovered:
            for gram in grams[token]:
                counts[gram] = counts.get(gram, 0) + 1
        best = max(sorted(counts), key=lambda gram: counts[gram])
        chosen.append(best)
        uncovered = {token for token in uncovered if best not in grams[token]}
    return tuple(chosen)
