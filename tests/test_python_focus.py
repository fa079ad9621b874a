"""A focused Python scan (only the statements around given offsets) finds exactly what a whole-file scan
finds there: every span, comment and SQL fragment that holds a focus offset, identical, and nothing else
that the whole-file scan does not find; and check results are the same with or without focus."""

from __future__ import annotations

import ast
import re
import sysconfig
import tokenize
import warnings
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nolegacyruns.config.loading import Config
from nolegacyruns.config.selection import build_ruleset
from nolegacyruns.scan import engine
from nolegacyruns.scan.decoding import decode
from nolegacyruns.scan.lexed import Lexed
from nolegacyruns.scan.scanners.python import Rejected, _tokens, classify
from nolegacyruns.scan.scanners.python_outline import Window, outline
from nolegacyruns.scan.source import SourceText

ROOT = Path(__file__).parent.parent
SITE = Path(sysconfig.get_paths()["purelib"])
CONFIG = Config(root=Path("/nonexistent"))
RULESET = build_ruleset(CONFIG)

# Layouts where a window must rebuild the tokenizer's state: dedents to clauses and decorators,
# continuation lines, tabs and form feeds in indentation, strings and brackets over many lines.
LAYOUTS = {
    "else-after-deeper-block": "def f(x):\n    if x:\n        y = 1\n    else:\n        y = 2\n    return y\n",
    "decorator-after-deeper-body": (
        "class A:\n    def f(self):\n        return 1\n\n    @property\n    def g(self):\n        return 2\n"
    ),
    "except-finally": (
        "try:\n    a = 1\n        # deep comment\nexcept ValueError as e:\n    b = 2\nfinally:\n    c = 3\n"
    ),
    "backslash-continuation": "x = 1; \\\ny = 2\nif x and \\\n        y:\n    z = 3\n",
    "tabs-and-form-feeds": "if True:\n\tif True:\n\t\ta = 1\n\x0c\tb = 2\nc = 3\n",
    "multi-line-strings": (
        'x = """\ninventory_sync_runs\n"""\ny = (\n    "SELECT * FROM "\n    "inventory_sync_runs"\n)\n'
    ),
    "one-line-suites": "if a: b = 1; c = 2\nfor i in x: pass\nwhile 0: break\nclass C: d = 3\n",
    "comments-at-column-zero": "def f():\n    a = 1\n# nolegacyruns: ignore[NLR001] reason\n    return a\n",
    "docstrings": 'def f():\n    """inventory_sync_runs\n    more"""\n    return "inventory_sync_runs"\n',
    "f-strings": 'x = f"{a!r:>{w}} inventory_sync_runs {b + f\'{c}\'}"\ny = f"""\n{d}\n"""\n',
    "match": "match x:\n    case [1, 2]:\n        y = 1\n    case _:\n        y = 2\n",
    "crlf-and-cr": "a = 1\r\nif a:\r\n    b = 2\r\nc = 3\rd = 4\n",
    "nested-brackets-over-lines": "x = [\n    1,\n  2,\n        3,\n]\ny = {\n'a': (\n1)}\n",
}


def _whole_and_focused(text: str, focus: list[int]) -> tuple[Lexed, Lexed]:
    whole, focused = classify(text), classify(text, focus)
    assert not isinstance(whole, Rejected) and not isinstance(focused, Rejected)
    return whole, focused


def _assert_focus_agrees(text: str, focus: list[int]) -> None:
    whole, focused = _whole_and_focused(text, focus)
    assert set(focused.segments) <= set(whole.segments)
    assert set(focused.directive_spans) <= set(whole.directive_spans)
    assert [f for f in focused.sql_fragments if f not in whole.sql_fragments] == []

    def held(start: int, end: int) -> bool:
        return any(start <= offset < end for offset in focus)

    assert {s for s in whole.segments if held(s.start, s.end)} <= set(focused.segments)
    assert {s for s in whole.directive_spans if held(*s)} <= set(focused.directive_spans)
    for fragment in whole.sql_fragments:
        if any(held(start, start + length) for _, start, length in fragment.pieces):
            assert fragment in focused.sql_fragments


@pytest.mark.parametrize("text", [pytest.param(text, id=name) for name, text in LAYOUTS.items()])
def test_a_focus_on_any_line_finds_what_the_whole_file_scan_finds_there(text: str) -> None:
    compile(text, "<layout>", "exec")  # each layout is Python
    for start in SourceText(text).line_starts:
        line_end = re.compile(r"[^\r\n]*").match(text, start)
        assert line_end is not None
        for offset in range(start, max(line_end.end(), start + 1)):
            if offset < len(text):
                _assert_focus_agrees(text, [offset])


_LAYOUT_ONLY = frozenset({tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER})


def _assert_windows_tokenize_alike(text: str) -> None:
    """Each window between restart lines, tokenized alone after its preamble, gives the whole file's tokens."""
    starts = SourceText(text).line_starts
    layout = outline(ast.parse(text), text, starts)
    whole = [t for t in _tokens(text, 0, len(text), starts, wrap=False) if t[0] not in _LAYOUT_ONLY]
    windows = layout.windows(layout.restarts, starts, len(text))
    assert [w.begin for w in windows] == [starts[line - 1] for line in layout.restarts]
    for window in windows:

        def inside(token: tuple[int, str, int, int], window: Window = window) -> bool:
            # At the end of the file, the end of the last line (NEWLINE, NL) sits at its very end.
            return window.begin <= token[2] < window.end or token[2] == window.end == len(text)

        alone = _tokens(text, window.begin, window.end, starts, wrap=False, preamble=window.preamble)
        expected = [t for t in whole if inside(t)]
        assert [t for t in alone if t[0] not in _LAYOUT_ONLY] == expected, window


@pytest.mark.parametrize("text", [pytest.param(text, id=name) for name, text in LAYOUTS.items()])
def test_every_window_of_a_layout_tokenizes_as_the_whole_file_does(text: str) -> None:
    _assert_windows_tokenize_alike(text)


def _real_files() -> list[object]:
    own = sorted(p for folder in ("tests/fixtures", "reference", "src") for p in (ROOT / folder).rglob("*.py"))
    installed = sorted(SITE.rglob("*.py"))[::40]
    return [pytest.param(p, id=str(p.relative_to(ROOT))) for p in own] + [
        pytest.param(p, id=f"site/{p.relative_to(SITE)}") for p in installed
    ]


@pytest.mark.parametrize("path", _real_files())
def test_a_focus_on_real_code_finds_what_the_whole_file_scan_finds(path: Path) -> None:
    text = decode(path.read_bytes(), python=True)[0]
    if isinstance(classify(text), Rejected):
        assert classify(text, [0]) == classify(text)  # refused alike, with or without focus
        return
    _assert_windows_tokenize_alike(text)
    starts = SourceText(text).line_starts
    # A spread of places: on every 7th line, at a column that moves along the line.
    focus = [min(start + line % 13, len(text) - 1) for line, start in enumerate(starts[::7]) if text]
    _assert_focus_agrees(text, focus)


@settings(max_examples=150, derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_grammar(), st.data())
def test_a_focus_on_generated_python_finds_what_the_whole_file_scan_finds(program: str, data: st.DataObject) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(program, "<generated>", "exec")
    except (SyntaxError, ValueError):
        return
    if not program:
        return
    focus = data.draw(st.lists(st.integers(0, len(program) - 1), min_size=1, max_size=4), label="focus")
    _assert_focus_agrees(program, focus)
    _assert_windows_tokenize_alike(program)


@pytest.mark.parametrize("text", [pytest.param(text, id=name) for name, text in LAYOUTS.items()])
def test_check_results_are_the_same_with_and_without_focus(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    data = text.replace("y = 2", 'y = "inventory_sync_runs"  # nolegacyruns: ignore[NLR001] kept').encode()
    focused = engine.check_source("app/a.py", data, RULESET, CONFIG)
    monkeypatch.setattr(engine, "focused_scanner_for", lambda _kind: None)
    assert engine.check_source("app/a.py", data, RULESET, CONFIG) == focused
