"""Property-based tests of `fix`: in random Python and SQL (and the other kinds) with planted legacy tokens,
the safe fixes leave no safe-fixable token, change nothing else (lines, line breaks, BOM), keep a
compiling Python file compiling, and a second fix changes nothing; `fix` never makes two names one.

Derandomized with a fixed budget, as tests/test_fuzz.py is; NOLEGACYRUNS_FUZZ_SCALE=20 searches longer.
"""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from nolegacyruns.api import FIX_ROUNDS
from nolegacyruns.config.loading import Config
from nolegacyruns.config.selection import build_ruleset
from nolegacyruns.findings import Finding
from nolegacyruns.fixing import NotEditable, edit
from nolegacyruns.scan.decoding import decode
from nolegacyruns.scan.engine import check_source

pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")  # hypothesmith compiles its programs
SCALE = int(os.environ.get("NOLEGACYRUNS_FUZZ_SCALE", "1"))
CONFIG = Config(root=Path("/nonexistent"))
RULESET = build_ruleset(CONFIG)
_LINE_BREAKS = re.compile(r"\r\n|\r|\n")
SAFE_TOKENS = ["baseline_run_id", "current_run_id", "inventory_sync_run_id", "inventory.sync", "backup_schedule.purge"]
OTHER_TOKENS = ["inventory_sync_runs", "InventorySyncRun", "inventory-sync-runs", "operation_runs", "Last_Seen_Run_Id"]


def budget(count: int) -> settings:
    return settings(
        max_examples=count * SCALE,
        derandomize=SCALE == 1,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


def _safe(data: bytes, name: str) -> list[Finding]:
    return [f for f in check_source(name, data, RULESET, CONFIG).active if f.fix is not None and f.fix.is_safe]


def _compiles(data: bytes) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(data, "x.py", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _assert_fixed_once_and_for_all(name: str, data: bytes) -> bytes:
    """Fix data; check the properties; return the fixed bytes (data itself when the file cannot be fixed)."""
    findings = _safe(data, name)
    try:
        edited = edit(name, data, findings)
    except NotEditable as problem:
        # Only undecodable text, or Python that did not compile before, is left alone.
        assert "not fixed: it would not compile after the fix" not in str(problem), problem
        assert "changed since it was checked" not in str(problem), problem  # every finding is at its place
        return data
    assert len(edited.applied) + len(edited.skipped) == len(findings)
    for _ in range(FIX_ROUNDS - 1):  # as `fix` does: a fix may bring a token to light in garbage text
        more = _safe(edited.data, name)
        if not more:
            break
        edited = edit(name, edited.data, more)
    text, _ = decode(data, python=name.endswith(".py"))
    fixed_text, _ = decode(edited.data, python=name.endswith(".py"))
    assert _LINE_BREAKS.findall(fixed_text) == _LINE_BREAKS.findall(text)  # every line break kept, in order
    assert edited.data[:3] == data[:3] or not data.startswith(b"\xef\xbb\xbf")
    if name.endswith(".py") and _compiles(data):
        assert _compiles(edited.data)
    assert _safe(edited.data, name) == [], fixed_text
    return edited.data


_SQL = st.lists(
    st.sampled_from(
        [
            "SELECT ",
            " FROM t",
            " WHERE type = '",
            "'",
            '"',
            ";\n",
            "\r\n",
            "\r",
            "-- ",
            "/* ",
            " */",
            "$$",
            "$body$",
            "E'",
            "CREATE FUNCTION f() RETURNS void AS ",
            ", ",
            " ",
            "é",
            *SAFE_TOKENS,
            *OTHER_TOKENS,
            "BASELINE_RUN_ID",
            "Current_Run_Id",
        ]
    )
    | st.text(max_size=3),
    max_size=40,
).map("".join)


@budget(300)
@given(_SQL, st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
def test_random_sql_is_fixed_once_and_for_all(text: str, encoding: str) -> None:
    _assert_fixed_once_and_for_all("app/x.sql", text.encode(encoding, errors="replace"))


_FRAGMENTS = {
    "app/x.php": ["<?php ", "$x = '", "'; ", '"', "<<<EOT\n", "\nEOT;\n", "<<<'EOT'\n", "// ", "->", "\n"],
    "app/x.html": ["{{ ", " }}", "{% if x == '", "' %}", "{# ", " #}", '<a href="', '">', "<!--", "-->", "\n"],
    "app/x.js": ["const x = '", "';", "`${", "}`", "// ", "/*", "*/", "\n", "."],
    "app/x.yaml": ["key: ", "- ", "# ", "\n  ", "|\n  ", "'", '"'],
    "app/x.json": ['{"', '": "', '"}', ", ", "[", "]"],
    "app/x.txt": ["\n", " ", "."],
}


@budget(300)
@given(
    st.sampled_from(sorted(_FRAGMENTS)).flatmap(
        lambda name: st.tuples(
            st.just(name),
            st.lists(st.sampled_from(_FRAGMENTS[name] + SAFE_TOKENS + OTHER_TOKENS) | st.text(max_size=3), max_size=30),
        )
    )
)
def test_random_text_of_other_kinds_is_fixed_once_and_for_all(named: tuple[str, list[str]]) -> None:
    name, pieces = named
    _assert_fixed_once_and_for_all(name, "".join(pieces).encode())


_PLANTS = [
    'PLANTED = "{token}"\n',
    "item.{column} = 1\n",
    'PLANTED = f"{{x!r}}-{token}-{{item.{column}}}"\n',
    'PLANTED = """\n    SELECT {column} FROM t WHERE type = \'{token}\'\n"""\n',
    "def planted({column}=None):\n    return {column}\n",
]


@budget(200)
@given(hypothesmith.from_grammar(), st.data())
def test_generated_python_with_planted_tokens_still_compiles_after_the_fix(program: str, data: st.DataObject) -> None:
    if not program.endswith("\n"):
        program += "\n"
    lines = re.split(r"(?<=\n)", program)
    at = data.draw(st.integers(0, len(lines) - 1), label="line")
    plant = data.draw(st.sampled_from(_PLANTS), label="plant").format(
        token=data.draw(st.sampled_from(SAFE_TOKENS[3:]), label="token"),
        column=data.draw(st.sampled_from(SAFE_TOKENS[:3]), label="column"),
    )
    planted = "".join([*lines[:at], plant, *lines[at:]]).encode()
    assume(_compiles(planted))  # inside a bracket or a string: no statement can stand there
    assert _safe(planted, "app/generated.py")  # the planted tokens are found
    fixed = _assert_fixed_once_and_for_all("app/generated.py", planted)
    assert fixed != planted and _compiles(fixed)
    assert not any(token.encode() in fixed for token in SAFE_TOKENS)


_NAMES = [
    *SAFE_TOKENS,
    "BASELINE_RUN_ID",
    "entra_group_sync_run_id",
    "baseline_operation_run_id",
    "BASELINE_OPERATION_RUN_ID",
    "current_operation_run_id",
    "operation_run_id",
    "inventory_sync",
    "backup_schedule_purge",
    "other_name",
]


@budget(300)
@given(
    st.sampled_from(["app/x.txt", "app/x.sql"]),
    st.lists(st.tuples(st.sampled_from(_NAMES), st.sampled_from([" ", "\n", ", "])), min_size=1, max_size=12),
)
def test_fix_never_makes_two_names_one(name: str, words: list[tuple[str, str]]) -> None:
    """However legacy and canonical names mix in a file, `fix` keeps as many distinct names as there were."""
    data = "".join(word + separator for word, separator in words).encode()
    fold = str.casefold if name.endswith(".sql") else str

    def names(data: bytes) -> int:
        return len({fold(word) for word in re.split(r"[ \n,]+", data.decode()) if word})

    fixed = data
    for _ in range(FIX_ROUNDS):
        edited = edit(name, fixed, _safe(fixed, name), hold_merges=True)
        assert names(edited.data) == names(fixed), (fixed, edited.data)
        if edited.data == fixed:
            break
        fixed = edited.data
    # What is left is left for a reason a second run sees too: it changes nothing.
    assert edit(name, fixed, _safe(fixed, name), hold_merges=True).data == fixed
