"""Property-based tests of every scanner: random and grammar-generated input never raises, every finding
sits inside its file and on its token, a planted token is found, and any number of workers agrees.

CI runs a fixed, derandomized budget. For a longer random search run, for example:
    NOLEGACYRUNS_FUZZ_SCALE=20 pytest tests/test_fuzz.py
"""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path

import hypothesmith
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from nolegacyruns.config.loading import Config
from nolegacyruns.config.selection import build_ruleset
from nolegacyruns.findings import FileResult
from nolegacyruns.scan.decoding import decode
from nolegacyruns.scan.engine import check_source
from nolegacyruns.scan.source import SourceText
from nolegacyruns.scan.workers import check_files

SCALE = int(os.environ.get("NOLEGACYRUNS_FUZZ_SCALE", "1"))
settings.register_profile(
    "nolegacyruns",
    derandomize=SCALE == 1,  # CI: the same examples on every run; a longer local run searches anew
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
settings.load_profile("nolegacyruns")

CONFIG = Config(root=Path("/nonexistent"))
RULESET = build_ruleset(CONFIG)
TOKEN_RULES = frozenset({"NLR001", "NLR002", "NLR003", "NLR004", "NLR005"})
PLANTED = "inventory_sync_runs"


def examples(count: int) -> settings:
    return settings(max_examples=count * SCALE)


# Pieces of each language, legacy tokens among them, joined at random: most input is plausible, some is not.
_COMMON = [
    " ",
    "\n",
    "\t",
    "\r\n",
    "\x0c",
    "\ufeff",
    "é",
    "'",
    '"',
    "`",
    "\\",
    "inventory_sync_runs",
    "InventorySyncRun",
    "inventory.sync",
    "inventory-sync-runs",
    "backup_schedule_runs",
    "operation_runs",
    "OperationRun",
]
_FRAGMENTS = {
    "app/x.sql": [
        "SELECT * FROM ",
        "INSERT INTO operation_runs SELECT * FROM ",
        ";",
        "--",
        "/*",
        "*/",
        "$$",
        "$body$",
        "E'",
        "CREATE FUNCTION f() AS ",
        "(",
        ")",
        ",",
        "WHERE ",
        "MERGE INTO ",
        " USING ",
    ],
    "app/x.html": [
        "{{ ",
        " }}",
        "{% ",
        " %}",
        "{# ",
        " #}",
        '<a href="',
        '">',
        "</a>",
        "<script>",
        "</script>",
        "<!--",
        "-->",
        "{% url '",
        "' %}",
    ],
    "app/x.php": [
        "<?php ",
        "?>",
        "$x = ",
        "<<<EOT\n",
        "\nEOT;\n",
        "<<<'EOT'\n",
        "// ",
        "/* ",
        " */",
        "DB::table(",
        ");",
        "new ",
    ],
    "app/x.js": ["const x = ", "`${", "}`", "// ", "/*", "*/", "fetch('/", "')", ";"],
    "app/x.yaml": ["key: ", "- ", "# ", "\n  ", "|\n  ", "url: /"],
    "app/x.blade.php": ["@if(", ")", "@endif", "{{ ", " }}", "{!! ", " !!}", "@php ", "@endphp", "<?php ", "?>"],
}


def _text(name: str) -> st.SearchStrategy[str]:
    piece = st.sampled_from(_FRAGMENTS[name] + _COMMON) | st.text(max_size=4)
    return st.lists(piece, max_size=40).map("".join)


_NAMED_TEXT = st.sampled_from(sorted(_FRAGMENTS)).flatmap(lambda name: st.tuples(st.just(name), _text(name)))
_ENCODED = st.sampled_from(["utf-8", "utf-16", "latin-1"])


def _assert_sound(name: str, data: bytes, result: FileResult) -> None:
    """Every finding inside the file; a token rule's finding exactly on its token."""
    text, _ = decode(data, python=name.endswith(".py"))
    source = SourceText(text)
    for finding in result.findings:
        assert 1 <= finding.line <= max(source.line_count, 1), finding
        assert (finding.end_line, finding.end_column) >= (finding.line, finding.column), finding
        if finding.rule in TOKEN_RULES:
            start = source.offset(finding.line, finding.column - 1)
            assert text[start : start + len(finding.token)].lower() == finding.token.lower(), (finding, text)


@examples(300)
@given(_NAMED_TEXT, _ENCODED)
def test_any_text_of_any_kind_is_checked_without_raising(named: tuple[str, str], encoding: str) -> None:
    name, text = named
    data = text.encode(encoding, errors="replace")
    _assert_sound(name, data, check_source(name, data, RULESET, CONFIG))


@examples(300)
@given(st.binary(max_size=300), st.sampled_from([*_FRAGMENTS, "app/x.py"]))
def test_any_bytes_are_checked_without_raising(data: bytes, name: str) -> None:
    _assert_sound(name, data, check_source(name, data, RULESET, CONFIG))


@examples(200)
@given(hypothesmith.from_grammar(), st.data())
def test_generated_python_is_sound_and_a_planted_token_is_found(program: str, data: st.DataObject) -> None:
    name = "app/generated.py"
    _assert_sound(name, program.encode(), check_source(name, program.encode(), RULESET, CONFIG))
    if not program.endswith("\n"):
        program += "\n"
    lines = re.split(r"(?<=\n)", program)
    at = data.draw(st.integers(0, len(lines) - 1), label="line")
    planted = "".join([*lines[:at], f'PLANTED = "{PLANTED}"\n', *lines[at:]])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # generated code is odd by design
            compile(planted, name, "exec")
    except (SyntaxError, ValueError):
        assume(False)  # inside a bracket or a string: no statement can stand there
    result = check_source(name, planted.encode(), RULESET, CONFIG)
    _assert_sound(name, planted.encode(), result)
    assert any(f.rule == "NLR001" and f.token == PLANTED and f.column == 12 for f in result.findings), result


_PLANT = {
    "app/x.sql": ("\nSELECT * FROM {token};\n", "app/x.sql"),
    "app/x.html": ("\n{{% url '{token}' %}}\n", "app/x.html"),
    "app/x.js": ("\nconst planted = '{token}';\n", "app/x.js"),
}


@examples(300)
@given(
    st.sampled_from(sorted(_PLANT)),
    st.lists(st.sampled_from(["\n", " ", "SELECT 1;", "<p>x</p>", "let a = 1;"]), max_size=20),
    st.data(),
)
def test_a_token_planted_between_complete_statements_is_found(
    name: str, pieces: list[str], data: st.DataObject
) -> None:
    at = data.draw(st.integers(0, len(pieces)), label="at")
    planted = _PLANT[name][0].format(token=PLANTED)
    text = "".join([*pieces[:at], planted, *pieces[at:]])
    result = check_source(name, text.encode(), RULESET, CONFIG)
    _assert_sound(name, text.encode(), result)
    assert any(f.rule == "NLR001" and f.token == PLANTED for f in result.findings), (text, result)


@examples(20)
@given(st.lists(_NAMED_TEXT, min_size=2, max_size=6))
def test_any_number_of_workers_gives_the_same_results(files: list[tuple[str, str]]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        relpaths = []
        for index, (name, text) in enumerate(files):
            relpath = name.replace("app/x", f"app/f{index}")
            (root / relpath).parent.mkdir(parents=True, exist_ok=True)
            (root / relpath).write_bytes(text.encode("utf-8", errors="replace"))
            relpaths.append(relpath)
        config = Config(root=root)
        one = check_files(root, relpaths, RULESET, config, jobs=1)
        assert check_files(root, relpaths, RULESET, config, jobs=2) == one
        assert check_files(root, relpaths, RULESET, config, jobs=3) == one
