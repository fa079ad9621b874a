"""NLR101 in SQL: one statement that writes the canonical table and names a legacy source anywhere in it.

Writes: `INSERT INTO t`, `MERGE INTO t`, `UPDATE [ONLY] t`, `CREATE [TEMP] TABLE [IF NOT EXISTS] t AS …`,
with schema-qualified and quoted names. Unquoted names compare case-insensitively, quoted ones exactly.
Statements come from the SQL lexer, so comments and string contents never count as names.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ..scanners.base import Hit, SqlFragment
from ..scanners.sql import sql_lexed
from ..segments import Role
from .spec import BackfillSpec

_CREATE_MODIFIERS = frozenset({"OR", "REPLACE", "TEMP", "TEMPORARY", "UNLOGGED", "GLOBAL", "LOCAL"})
_QUERY_STARTS = frozenset({"SELECT", "WITH", "TABLE", "VALUES"})
_NAME_JOINERS = frozenset({".", '"."', "`.`", "].[", '".', '."', "`.", ".`", "].", ".["})


@dataclass(frozen=True, slots=True)
class _Word:
    """An SQL name or keyword, with the text between it and the next word."""

    start: int
    end: int
    text: str
    quoted: bool
    gap_after: str

    @property
    def keyword(self) -> str:
        return "" if self.quoted else self.text.upper()


def _statements(sql: str) -> Iterator[list[_Word]]:
    """Split the lexed SQL into statements at top-level `;` (also inside function bodies)."""
    segments = sorted(
        (s for s in sql_lexed(sql, strict=False).segments if s.role in (Role.IDENTIFIER, Role.STRING)),
        key=lambda s: s.start,
    )
    statement: list[_Word] = []
    for index, segment in enumerate(segments):
        following = segments[index + 1].start if index + 1 < len(segments) else len(sql)
        gap = sql[segment.end:following]
        if segment.role is Role.IDENTIFIER:
            statement.append(_Word(segment.start, segment.end, sql[segment.start:segment.end], not segment.fold_case, gap))
        if ";" in gap:
            yield statement
            statement = []
    if statement:
        yield statement


def _qualified_name_end(words: list[_Word], index: int) -> int:
    """Index of the last part of a (schema.)table name starting at index."""
    while index + 1 < len(words) and words[index].gap_after.replace(" ", "") in _NAME_JOINERS:
        index += 1
    return index


def _write_targets(words: list[_Word]) -> Iterator[int]:
    """Yield the index of the table name each write in a statement writes to."""
    for index, word in enumerate(words):
        after = words[index + 1].keyword if index + 1 < len(words) else ""
        if word.keyword in ("INSERT", "MERGE") and after == "INTO" and index + 2 < len(words):
            yield _qualified_name_end(words, index + 2)
        elif word.keyword == "UPDATE" and index + 1 < len(words):
            name = index + 2 if after == "ONLY" else index + 1
            if name < len(words):
                yield _qualified_name_end(words, name)
        elif word.keyword == "CREATE":
            yield from _create_table_as(words, index + 1)


def _create_table_as(words: list[_Word], index: int) -> Iterator[int]:
    while index < len(words) and words[index].keyword in _CREATE_MODIFIERS:
        index += 1
    if index >= len(words) or words[index].keyword != "TABLE":
        return
    index += 1
    if [w.keyword for w in words[index:index + 3]] == ["IF", "NOT", "EXISTS"]:
        index += 3
    if index >= len(words):
        return
    name = _qualified_name_end(words, index)
    rest = [w.keyword for w in words[name + 1:]]
    if any(a == "AS" and b in _QUERY_STARTS for a, b in zip(rest, rest[1:])):
        yield name


def _is_canonical(word: _Word, spec: BackfillSpec) -> bool:
    if word.quoted:
        return word.text in spec.canonical_table_names
    return word.text.lower() in {name.lower() for name in spec.canonical_table_names}


def canonical_writes(sql: str, spec: BackfillSpec) -> list[tuple[int, int, str, str | None, int]]:
    """Return (start, end, target, legacy source or None, source offset) per write to the canonical table."""
    writes = []
    for words in _statements(sql):
        for target_index in _write_targets(words):
            target = words[target_index]
            if not _is_canonical(target, spec):
                continue
            source, source_at = None, -1
            for word in words:
                if word is not target:
                    source = spec.legacy_in(word.text, fold_case=not word.quoted)
                    if source is not None:
                        source_at = word.start
                        break
            writes.append((target.start, target.end, target.text, source, source_at))
    return writes


def canonical_write_spans(sql: str, spec: BackfillSpec) -> list[tuple[int, int, str]]:
    """Where SQL text writes the canonical table, legacy source or not (for loops over legacy rows)."""
    return [(start, end, target) for start, end, target, _, _ in canonical_writes(sql, spec)]


def sql_backfill_hits(fragment: SqlFragment, spec: BackfillSpec, line_of: Callable[[int], int]) -> list[Hit]:
    """NLR101 hits for one SQL fragment, at file offsets."""
    hits = []
    for start, end, target, source, source_at in canonical_writes(fragment.text, spec):
        if source is None:
            continue
        file_start, file_end = fragment.file_offset(start), fragment.file_offset(end)
        details = (
            ("target", target),
            ("source", f"`{source}`"),
            ("source_line", str(line_of(fragment.file_offset(source_at)))),
        )
        hits.append(Hit(spec.rule.id, file_start, max(file_end, file_start), target, details))
    return hits
