"""NLR101 in SQL: one statement that writes the canonical table and names a legacy source anywhere in it.

Writes: `INSERT INTO t`, `MERGE INTO t`, `UPDATE [ONLY] t`, `CREATE [TEMP] TABLE [IF NOT EXISTS] t AS …`,
`SELECT … INTO [TEMP] [TABLE] t …` (PL/pgSQL's `SELECT … INTO variable` names no canonical table),
with schema-qualified and quoted names. Unquoted names compare case-insensitively, quoted ones exactly.
Statements come from the SQL lexer, so comments and string contents never count as names.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from ...filekinds import SQL
from ...rules.backfill import BackfillDetails, BackfillSpec
from ...rules.pack import RuleKind
from ...rules.roles import Role
from ...rules.ruleset import RuleSet
from ..lexed import Hit, Lexed, Segment, SqlFragment
from ..scanners.sql import sql_lexed
from ..source import SourceText
from . import Analysis, analyzer

_CREATE_MODIFIERS = frozenset({"OR", "REPLACE", "TEMP", "TEMPORARY", "UNLOGGED", "GLOBAL", "LOCAL"})
_QUERY_STARTS = frozenset({"SELECT", "WITH", "TABLE", "VALUES"})
_INTO_MODIFIERS = frozenset({"TEMP", "TEMPORARY", "UNLOGGED", "GLOBAL", "LOCAL", "TABLE"})
# Words that end a select list: an INTO after one of them (at the same depth) is not `SELECT … INTO t`.
_NOT_IN_SELECT_LIST = frozenset(
    {
        "FROM",
        "WHERE",
        "GROUP",
        "HAVING",
        "WINDOW",
        "ORDER",
        "LIMIT",
        "OFFSET",
        "FETCH",
        "FOR",
        "RETURNING",
        "VALUES",
        "SET",
        "USING",
        "INTO",
        "INSERT",
        "UPDATE",
        "DELETE",
        "MERGE",
    }
)
_NAME_JOINERS = frozenset({".", '"."', "`.`", "].[", '".', '."', "`.", ".`", "].", ".["})


@dataclass(frozen=True, slots=True)
class _Word:
    """An SQL name or keyword, with the code between it and the next word and its depth in parentheses."""

    start: int
    end: int
    text: str
    quoted: bool
    gap_after: str
    depth: int

    @property
    def keyword(self) -> str:
        return "" if self.quoted else self.text.upper()


def _statements(sql: str, segments: Iterable[Segment] | None = None) -> Iterator[list[_Word]]:
    """Split the lexed SQL into statements at top-level `;` (also inside function bodies)."""
    if segments is None:
        segments = sql_lexed(sql, strict=False).segments
    lexed = sorted(segments, key=lambda s: s.start)
    parts: list[str] = []
    done = 0
    for comment in (s for s in lexed if s.role is Role.COMMENT):  # a `;` or `(` in a comment is prose
        parts += [sql[done : comment.start], " " * (comment.end - comment.start)]
        done = comment.end
    code = "".join(parts) + sql[done:]
    segments = [s for s in lexed if s.role in (Role.IDENTIFIER, Role.STRING)]
    statement: list[_Word] = []
    depth = 0
    for index, segment in enumerate(segments):
        following = segments[index + 1].start if index + 1 < len(segments) else len(sql)
        gap = code[segment.end : following]
        if segment.role is Role.IDENTIFIER:
            word = sql[segment.start : segment.end]
            statement.append(_Word(segment.start, segment.end, word, not segment.fold_case, gap, depth))
        depth += gap.count("(") - gap.count(")")
        if ";" in gap:
            yield statement
            statement = []
            depth = 0
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
        elif word.keyword == "INTO" and _ends_select_list(words, index):
            name = index + 1
            while name < len(words) and words[name].keyword in _INTO_MODIFIERS:
                name += 1
            if name < len(words):
                yield _qualified_name_end(words, name)


def _ends_select_list(words: list[_Word], index: int) -> bool:
    """Does the INTO at `index` follow a select list (`SELECT … INTO t`), not INSERT, MERGE or a clause?"""
    depth = words[index].depth
    for word in reversed(words[:index]):
        if word.depth > depth:
            continue
        if word.depth < depth or word.keyword in _NOT_IN_SELECT_LIST:
            return False
        if word.keyword == "SELECT":
            return True
    return False


def _create_table_as(words: list[_Word], index: int) -> Iterator[int]:
    while index < len(words) and words[index].keyword in _CREATE_MODIFIERS:
        index += 1
    if index >= len(words) or words[index].keyword != "TABLE":
        return
    index += 1
    if [w.keyword for w in words[index : index + 3]] == ["IF", "NOT", "EXISTS"]:
        index += 3
    if index >= len(words):
        return
    name = _qualified_name_end(words, index)
    rest = [w.keyword for w in words[name + 1 :]]
    if any(a == "AS" and b in _QUERY_STARTS for a, b in itertools.pairwise(rest)):
        yield name


def _is_canonical(word: _Word, spec: BackfillSpec) -> bool:
    if word.quoted:
        return word.text in spec.canonical_table_names
    return word.text.lower() in {name.lower() for name in spec.canonical_table_names}


def canonical_writes(
    sql: str, spec: BackfillSpec, segments: Iterable[Segment] | None = None
) -> list[tuple[int, int, str, str | None, int]]:
    """Return (start, end, target, legacy source or None, source offset) per write to the canonical table."""
    writes = []
    for words in _statements(sql, segments):
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
    for start, end, target, source, source_at in canonical_writes(fragment.text, spec, fragment.segments):
        if source is None:
            continue
        file_start, file_end = fragment.file_offset(start), fragment.file_offset(end)
        details = BackfillDetails(target, f"`{source}`", line_of(fragment.file_offset(source_at)))
        hits.append(Hit(spec.rule.id, file_start, max(file_end, file_start), target, details))
    return hits


@analyzer(RuleKind.BACKFILL, SQL)
def analyze_sql(source: SourceText, lexed: Lexed, ruleset: RuleSet) -> Analysis:
    """NLR101 in the SQL the scanner found: a whole SQL file, or SQL held in another language's strings."""
    hits = []
    for fragment in lexed.sql_fragments:
        for spec in ruleset.backfill.specs:
            hits += sql_backfill_hits(fragment, spec, lambda offset: source.position(offset)[0])
    return Analysis(hits)
