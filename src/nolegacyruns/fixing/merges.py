"""Which safe fixes would merge two names: a rename is safe only when the name it makes is new to the file.

`baseline_run_id` → `baseline_operation_run_id` changes what a program does when the file already uses
`baseline_operation_run_id` (a variable now shadows another, a JSON object gets a duplicate key), or when
another token of the file becomes the same name (`inventory_sync_run_id` and `backup_schedule_run_id`
both become `operation_run_id`). The name a fix makes is the whole word around the token after the edit
(a token inside `my_baseline_run_id` makes `my_baseline_operation_run_id`); it counts as used when it
occurs in the file as a whole word anywhere but at the fixed tokens' own places. SQL folds the letter
case of names, so there the comparison does too. Pure: `(text, placed fixes) -> reasons`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..findings import Finding, Fix


@dataclass(frozen=True, slots=True)
class Placed:
    """A fix whose token was found at its place in the text: `start:end` are its offsets."""

    finding: Finding
    fix: Fix
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Rename:
    placed: Placed
    old: str
    new: str
    left: int
    right: int


def _is_word(char: str) -> bool:
    """A character of a word, as the regex `\\w` reads it."""
    return char == "_" or char.isalnum()


def _rename(text: str, placed: Placed) -> _Rename:
    """The whole word around the fix's token, before and after the edit."""
    left, right = placed.start, placed.end
    while left > 0 and _is_word(text[left - 1]):
        left -= 1
    while right < len(text) and _is_word(text[right]):
        right += 1
    before, after = text[left : placed.start], text[placed.end : right]
    return _Rename(placed, before + placed.finding.token + after, before + placed.fix.replacement + after, left, right)


def merging(text: str, fixes: Sequence[Placed], *, fold_case: bool = False) -> dict[Finding, str]:
    """The safe fixes that would merge two names, each with why it is not applied; unsafe fixes are not held back.

    `fold_case`: names differing only in letter case are the same name (SQL).
    """
    key = str.casefold if fold_case else str
    renames: dict[str, list[_Rename]] = {}
    for placed in fixes:
        rename = _rename(text, placed)
        renames.setdefault(key(rename.new), []).append(rename)
    # Characters of the words being renamed: a match there is a token being fixed, not another name.
    renamed = {offset for group in renames.values() for r in group for offset in range(r.left, r.right)}
    reasons: dict[Finding, str] = {}
    for group in renames.values():
        new = group[0].new
        olds = sorted({key(r.old): r.old for r in group}.values())
        if len(olds) > 1:
            listed = ", ".join(f"`{old}`" for old in olds[:-1]) + f" and `{olds[-1]}`"
            each = "both" if len(olds) == 2 else "all"
            reason = f"{listed} would {each} become `{new}` (the rename would merge names)"
        elif _used(text, new, renamed, fold_case):
            reason = f"`{new}` is already used in this file (renaming `{olds[0]}` would merge two names)"
        else:
            continue
        reasons.update((r.placed.finding, reason) for r in group if r.placed.fix.is_safe)
    return reasons


def _used(text: str, word: str, renamed: set[int], fold_case: bool) -> bool:
    """Does word occur in text as a whole word, at a place that is not being renamed?"""
    pattern = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE if fold_case else 0)
    return any(not renamed.intersection(range(m.start(), m.end())) for m in pattern.finditer(text))
