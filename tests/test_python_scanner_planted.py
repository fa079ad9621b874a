"""A legacy token planted in generated Python, after whitespace, form feeds, BOMs and CRLF, is found where it is.

Derandomized with a fixed budget so CI is repeatable; set NOLEGACYRUNS_HYPOTHESIS_EXAMPLES for
a longer local run (e.g. 5000).
"""

from __future__ import annotations

import ast
import codecs
import os
import re

import hypothesmith
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from nolegacyruns.findings import Finding
from nolegacyruns.rules.roles import Role
from nolegacyruns.scan.scanners.python import Rejected, classify
from nolegacyruns.scan.source import SourceText
from scanner_support import check

pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")  # hypothesmith compiles its programs
TOKEN = "InventorySyncRun"
EXAMPLES = int(os.environ.get("NOLEGACYRUNS_HYPOTHESIS_EXAMPLES", "300"))
BUDGET = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
_NEWLINE = re.compile(r"\r\n|\r|\n")

# Whitespace a top-level statement may start with: spaces and tabs count as indentation unless a
# form feed follows them (a form feed resets the indentation count, as CPython's tokenizer does).
indent_free = st.lists(st.sampled_from(["", " ", "\t", "  "]).map(lambda ws: ws + "\x0c"), max_size=3).map("".join)
# Whitespace inside brackets: anything, line breaks of every kind included.
inside_brackets = st.text(alphabet=" \t\x0c\n", max_size=6)
line_break = st.sampled_from(["\n", "\r\n", "\r"])
PROGRAMS = hypothesmith.from_grammar()  # built once: each build compiles the grammar again

# (template, role of the planted token); {ws} is free whitespace, {nl} a line break.
PLANTS = [
    ("{lead}{token} = 1", Role.IDENTIFIER),
    ("{lead}x = ({ws}{token}{ws})", Role.IDENTIFIER),
    ("{lead}x = [1,{ws}{nl}{ws}{token}.a]", Role.IDENTIFIER),
    ("{lead}x = 1 + \\{nl}  {ws}{token}", Role.IDENTIFIER),
    ('{lead}x = "{token}"', Role.STRING),
    ('{lead}x = ("a"{ws}{nl}{ws}"b {token}")', Role.STRING),
    ('{lead}x = f"{{a}} {token} {{b!r:>{{w}}}}"', Role.STRING),
    ('{lead}x = f"{{ {token} }}"', Role.IDENTIFIER),
    ("{lead}x = 1{ws}# {token}", Role.COMMENT),
    ('{lead}def f():{nl}    """{token}"""', Role.DOCSTRING),
]


def _statement_ends(source: str) -> list[int]:
    """Offsets just after the lines where a top-level statement ends and the next may begin ([] if none)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []  # the grammar is wider than CPython's parser
    text = SourceText(source)
    ends = [0]
    for statement in tree.body:
        line = statement.end_lineno or 1
        if line < text.line_count:
            ends.append(text.offset(line + 1, 0))
    return ends


@st.composite
def planted_programs(draw: st.DrawFn) -> tuple[str, int, Role]:
    """A generated program with a statement holding TOKEN inserted at a statement boundary."""
    program = draw(PROGRAMS)
    ends = _statement_ends(program)
    assume(ends)
    at = draw(st.sampled_from(ends))
    template, role = draw(st.sampled_from(PLANTS))
    newline = draw(line_break)
    statement = template.format(lead=draw(indent_free), ws=draw(inside_brackets), nl=newline, token=TOKEN).replace(
        "\n", newline
    )
    before = program[:at]
    if before and not before.endswith(("\n", "\r")):
        before += newline
    source = before + statement + newline + program[at:]
    if draw(st.booleans()):
        source = _NEWLINE.sub("\r\n", source)
    try:
        ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        assume(False)
    return source, source.index(TOKEN, len(before)), role


@BUDGET
@given(planted_programs())
def test_a_planted_token_has_its_role_at_its_offset(planted: tuple[str, int, Role]) -> None:
    source, offset, role = planted
    lexed = classify(source)
    assert not isinstance(lexed, Rejected), lexed
    roles = {s.role for s in lexed.segments if s.start <= offset and offset + len(TOKEN) <= s.end}
    assert role in roles, (roles, source)


@BUDGET
@given(planted_programs(), st.sampled_from([b"", codecs.BOM_UTF8]))
def test_a_planted_token_is_reported_at_its_line_and_column(planted: tuple[str, int, Role], bom: bytes) -> None:
    source, offset, role = planted
    assume(role is not Role.COMMENT and role is not Role.DOCSTRING)  # prose is not checked by default
    result = check_bytes(bom + source.encode("utf-8"))
    line, column = SourceText(source).position(offset)
    assert (line, column, TOKEN) in {(f.line, f.column, f.token) for f in result}, source


@BUDGET
@given(planted_programs())
def test_a_double_bom_is_refused_like_cpython_and_scanned_plainly(planted: tuple[str, int, Role]) -> None:
    source, offset, _ = planted
    findings = check_bytes(codecs.BOM_UTF8 * 2 + source.encode("utf-8"))
    line, column = SourceText("\ufeff" + source).position(offset + 1)
    assert [f.rule for f in findings if f.rule == "NLR900"] == ["NLR900"]
    assert (line, column, TOKEN) in {(f.line, f.column, f.token) for f in findings}


def check_bytes(data: bytes) -> list[Finding]:
    """The active findings for a Python file's bytes, comments and docstrings checked too."""
    return list(check("app/planted.py", data, scan_comments=True).active)


@pytest.mark.parametrize(
    ("source", "position"),
    [
        pytest.param("\x0cfrom app.models import InventorySyncRun\n", (1, 25), id="form-feed-line-start"),
        pytest.param("    \x0cfrom app.models import InventorySyncRun\n", (1, 29), id="spaces-then-form-feed"),
        pytest.param("if x:\n  \x0c  y = InventorySyncRun\n", (2, 10), id="form-feed-in-indentation"),
        pytest.param("x = 1\ry = InventorySyncRun\r", (2, 5), id="lone-cr"),
        pytest.param("x = 1\r\n\ty = (\r\n\x0c InventorySyncRun)\r\n", (3, 3), id="crlf-tab-form-feed"),
        pytest.param('x = f"""\n{a\n + InventorySyncRun}"""\n', (3, 4), id="multi-line-f-string-field"),
        pytest.param('x = f"{a!r:>{InventorySyncRun}}"\n', (1, 14), id="field-in-format-spec"),
        pytest.param('x = f"\\N{EM DASH}{InventorySyncRun}"\n', (1, 19), id="named-escape-then-field"),
    ],
)
def test_positions_stay_exact(source: str, position: tuple[int, int]) -> None:
    assert (*position, TOKEN) in {(f.line, f.column, f.token) for f in check_bytes(source.encode())}
