"""Structural rules run through analyzers registered by (rule kind, file kind); the engine knows no kind."""

from __future__ import annotations

import os
import signal

import pytest

from nolegacyruns.filekinds import PHP, PYTHON, SQL
from nolegacyruns.rules.backfill import BackfillDetails
from nolegacyruns.rules.pack import BackfillOptions, RuleKind
from nolegacyruns.rules.ruleset import RuleSet
from nolegacyruns.scan import analyzers
from nolegacyruns.scan.analyzers import Analysis, analyzers_for, backfill_python
from nolegacyruns.scan.lexed import Hit, Lexed
from nolegacyruns.scan.source import SourceText
from scanner_support import RULESET, check, found

BACKFILL_LOOP = (
    "def backfill(session):\n"
    "    for legacy in session.query(InventorySyncRun):\n"
    "        session.add(OperationRun(type='inventory_sync'))\n"
)


def test_backfill_is_answered_for_python_and_sql() -> None:
    assert [a.__name__ for a in analyzers_for(RuleKind.BACKFILL, PYTHON)] == ["analyze_python"]
    assert [a.__name__ for a in analyzers_for(RuleKind.BACKFILL, SQL)] == ["analyze_sql"]
    assert RULESET.structural.keys() == {RuleKind.BACKFILL}


def test_the_backfill_pre_check_needs_a_canonical_target_and_a_legacy_source() -> None:
    rules = RULESET.backfill
    assert rules.may_apply("OPERATION_RUNS ... inventory_sync_runs")
    assert not rules.may_apply("x = 'inventory_sync_runs'")
    assert not rules.may_apply("OperationRun.objects.create()")
    assert not RuleSet(RULESET.all_rules.values(), ["NLR001"]).structural


@pytest.mark.parametrize(
    ("code", "parses"),
    [
        pytest.param(BACKFILL_LOOP, 1, id="both-named"),
        pytest.param("rows = session.query(InventorySyncRun)\n", 0, id="legacy-only"),
        pytest.param("OperationRun.objects.create()\n", 0, id="canonical-only"),
    ],
)
def test_the_python_analyzer_parses_only_files_that_pass_the_pre_check(
    monkeypatch: pytest.MonkeyPatch, code: str, parses: int
) -> None:
    calls = []
    real = backfill_python._isolated_for

    def counting(specs):  # type: ignore[no-untyped-def]
        calls.append(specs)
        return real(specs)

    monkeypatch.setattr(backfill_python, "_isolated_for", counting)
    check("app/a.py", code)
    assert len(calls) == parses


def _crash(*args: object) -> None:
    os.kill(os.getpid(), signal.SIGSEGV)


def test_an_analyzer_crash_costs_only_its_rule_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backfill_python, "_backfill_hits", _crash)
    result = check("app/a.py", BACKFILL_LOOP)
    assert [(f.rule, f.line, f.message) for f in result.active] == [
        ("NLR900", 1, "NLR101 not checked: the parser crashed (SIGSEGV)"),
        ("NLR002", 2, "legacy run model `InventorySyncRun`; use `OperationRun` instead"),
    ]


def test_a_file_the_scanner_already_read_coarsely_gets_one_notice(monkeypatch: pytest.MonkeyPatch) -> None:
    import libcst

    monkeypatch.setattr(libcst, "parse_module", _crash)
    result = check("app/a.py", BACKFILL_LOOP)
    assert [f.rule for f in result.active].count("NLR900") == 1


def test_a_syntax_error_is_reported_once() -> None:
    code = BACKFILL_LOOP + "def broken(:\n"
    assert [rule for _, _, rule in found("app/a.py", code)].count("NLR900") == 1


def test_a_new_language_is_one_registered_analyzer(monkeypatch: pytest.MonkeyPatch) -> None:
    """What laravel's PHP backfill adds: a function registered for (backfill, php), called with text and lexed form."""
    seen: list[tuple[str, Lexed]] = []

    def analyze_php(source: SourceText, lexed: Lexed, ruleset: RuleSet) -> Analysis:
        seen.append((source.text, lexed))
        start = source.text.index("OperationRun")
        details = BackfillDetails("OperationRun", "`InventorySyncRun`", 2)
        return Analysis([Hit("NLR101", start, start + len("OperationRun"), "OperationRun", details)])

    analyzers_for(RuleKind.BACKFILL, PHP)  # loads the package's own analyzers first
    monkeypatch.setitem(analyzers._REGISTRY, (RuleKind.BACKFILL, PHP), [])
    analyzers.analyzer(RuleKind.BACKFILL, PHP)(analyze_php)
    code = "<?php\nforeach (InventorySyncRun::all() as $run) {\n    OperationRun::create([]);\n}\n"
    assert (3, 5, "NLR101") in found("app/Backfill.php", code)
    [(text, lexed)] = seen
    assert text == code and lexed.segments


def test_a_backfill_finding_rests_on_its_target_and_its_source_line() -> None:
    [finding] = [f for f in check("app/a.py", BACKFILL_LOOP).active if f.rule == "NLR101"]
    assert (finding.line, finding.span_lines) == (3, (2, 3))
    assert finding.message.startswith("`OperationRun` is written from legacy source `InventorySyncRun` (line 2)")


def test_backfill_details_fill_the_packs_placeholders() -> None:
    details = BackfillDetails("operation_runs", "`inventory_sync_runs`", 4)
    message = RULESET.get("NLR101").format_message("operation_runs", **details.placeholders())
    assert message.startswith("`operation_runs` is written from legacy source `inventory_sync_runs` (line 4)")
    assert details.related_line() == 4


def test_a_backfill_rule_declares_typed_options() -> None:
    assert RULESET.get("NLR101").options == BackfillOptions(
        ("operation_runs",), ("OperationRun",), ("NLR001", "NLR002"), ("operationRuns", "operationRun")
    )
    assert RULESET.get("NLR001").options is None
