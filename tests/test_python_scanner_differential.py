"""The Python scanner (CPython's tokens) agrees with the libcst classification it replaced, on real code,
except where libcst is wrong or cannot know.

Inputs: every .py file of tests/fixtures and reference/, and the installed packages of this
interpreter (every 20th file; NOLEGACYRUNS_DIFFERENTIAL_ALL=1 takes all of them).

Intended differences, each filtered by `_explained`:
- soft keywords (`match`, `case`, `_`, `type`): tokens cannot tell the keyword from the name, so they are
  identifiers; no rule token is a soft keyword.
- a form feed earlier on the line: libcst's columns are shifted by it (every span after it is off by
  its count); the tokenizer's are exact (see test_python_scanner_planted.py).
- a docstring on its definition's own line (`def f(): "doc"`) is the function's `__doc__` to CPython,
  a plain string to libcst (which then also reads it as SQL).
- a bytes literal first in a body is no docstring to CPython (`__doc__` is None); libcst calls it one.
"""

from __future__ import annotations

import os
import re
import sysconfig
from collections import Counter
from pathlib import Path

import pytest

from libcst_reference import libcst_lexed
from nolegacyruns.rules.roles import Role
from nolegacyruns.scan.decoding import decode
from nolegacyruns.scan.lexed import Lexed, Segment
from nolegacyruns.scan.scanners.python import Rejected, classify

ROOT = Path(__file__).parent.parent
SITE = Path(sysconfig.get_paths()["purelib"])
STRIDE = 1 if os.environ.get("NOLEGACYRUNS_DIFFERENTIAL_ALL") else 20
SOFT_KEYWORDS = frozenset({"match", "case", "_", "type"})
DEFINITION_STARTS = ("def ", "async def ", "class ")


def _inputs() -> list[object]:
    own = sorted(p for folder in ("tests/fixtures", "reference") for p in (ROOT / folder).rglob("*.py"))
    installed = sorted(SITE.rglob("*.py"))[::STRIDE]
    return [pytest.param(p, id=str(p.relative_to(ROOT))) for p in own] + [
        pytest.param(p, id=f"site/{p.relative_to(SITE)}") for p in installed
    ]


def _explained(text: str, segment: Segment, other_side: set[tuple[int, int]]) -> bool:
    """Whether a segment found by one classifier only is one of the intended differences."""
    line_start = max(text.rfind("\n", 0, segment.start), text.rfind("\r", 0, segment.start)) + 1
    before = text[line_start : segment.start]
    if "\x0c" in before:
        return True
    if segment.role is Role.IDENTIFIER and text[segment.start : segment.end] in SOFT_KEYWORDS:
        return True
    if (segment.start, segment.end) in other_side and segment.role in (Role.STRING, Role.DOCSTRING):
        definition_line = before.lstrip().startswith(DEFINITION_STARTS)
        prefix = re.search(r"[A-Za-z]*$", before.rstrip("\"'"))
        bytes_literal = prefix is not None and "b" in prefix.group().lower()
        return definition_line or bytes_literal
    return False


def _sql_key(lexed: Lexed, text: str, excluded: list[Segment]) -> Counter[object]:
    return Counter(
        (f.text, f.pieces)
        for f in lexed.sql_fragments
        if not any(s.start <= piece[1] < s.end for s in excluded for piece in f.pieces)
    )


@pytest.mark.parametrize("path", _inputs())
def test_same_roles_as_libcst(path: Path) -> None:
    text, _ = decode(path.read_bytes(), python=True)
    reference = libcst_lexed(text)
    ours = classify(text)
    if reference is None or isinstance(ours, Rejected):
        # One of the two refuses the file: CPython's verdict stands (libcst cannot parse some valid
        # code, and accepts code CPython rejects); then there is nothing to compare.
        return
    theirs_only = Counter(reference.segments) - Counter(ours.segments)
    ours_only = Counter(ours.segments) - Counter(reference.segments)
    ours_spans = {(s.start, s.end) for s in ours_only}
    theirs_spans = {(s.start, s.end) for s in theirs_only}
    unexplained = [("libcst only", s) for s in theirs_only if not _explained(text, s, ours_spans)] + [
        ("tokens only", s) for s in ours_only if not _explained(text, s, theirs_spans)
    ]
    assert unexplained == [], [(side, s, text[s.start : s.end][:40]) for side, s in unexplained[:10]]
    assert Counter(reference.directive_spans) == Counter(ours.directive_spans)
    excluded = list(theirs_only) + list(ours_only)
    assert _sql_key(reference, text, excluded) == _sql_key(ours, text, excluded)


@pytest.mark.parametrize(
    ("source", "libcst_role", "tokens_role"),
    [
        pytest.param('def f(): "doc"\n', Role.STRING, Role.DOCSTRING, id="one-line-def-docstring"),
        pytest.param('class C: "doc"\n', Role.STRING, Role.DOCSTRING, id="one-line-class-docstring"),
        pytest.param('def f():\n    b"doc"\n', Role.DOCSTRING, Role.STRING, id="bytes-first-in-body"),
    ],
)
def test_intended_docstring_differences(source: str, libcst_role: Role, tokens_role: Role) -> None:
    reference, ours = libcst_lexed(source), classify(source)
    assert reference is not None and not isinstance(ours, Rejected)
    assert [s.role for s in reference.segments if s.role is not Role.IDENTIFIER] == [libcst_role]
    assert [s.role for s in ours.segments if s.role is not Role.IDENTIFIER] == [tokens_role]
