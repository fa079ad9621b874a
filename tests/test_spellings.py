"""Laravel's spellings, derived from the pack: lower-camel model names, derived foreign keys, run types as values."""

from __future__ import annotations

from pathlib import Path

import pytest

from nolegacyruns.config.loading import Config
from nolegacyruns.errors import UsageError
from nolegacyruns.findings import Applicability, Fix
from nolegacyruns.rules.pack import load_rules
from nolegacyruns.rules.ruleset import RuleSet
from nolegacyruns.scan.engine import check_source

RULES = load_rules()
RULESET = RuleSet(RULES)
RULES_BY_ID = {rule.id: rule for rule in RULES}
CONFIG = Config(root=Path("/nonexistent"))


def findings(path: str, code: str) -> list[tuple[int, int, str, str]]:
    result = check_source(path, code.encode(), RULESET, CONFIG)
    return [(f.line, f.column, f.rule, f.message) for f in result.active]


def test_lower_camel_spellings_come_from_the_pack() -> None:
    rule = RULESET.get("NLR002")
    assert {"inventorySyncRun", "inventorySyncRuns", "entraGroupSyncRuns", "backupScheduleRun"} <= set(rule.tokens)
    assert rule.replacements["inventorySyncRuns"] == "operationRuns"
    assert rule.replacements["backupScheduleRun"] == "operationRun"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        pytest.param("public function inventorySyncRuns(): HasMany {}", [(2, 17, "operationRuns")], id="relation"),
        pytest.param("$tenant->entraGroupSyncRuns()->latest();", [(2, 10, "operationRuns")], id="relation-call"),
        pytest.param("$q->with('backupScheduleRuns');", [(2, 11, "operationRuns")], id="relation-name-string"),
        pytest.param("$inventorySyncRun->id;", [(2, 2, "operationRun")], id="variable"),
        pytest.param("$myInventorySyncRun = 1;", [(2, 4, "OperationRun")], id="studly-hump-keeps-studly"),
        pytest.param("$x->inventorySyncRunner();", [], id="longer-word-after"),
        pytest.param("$x->reinventorySyncRuns;", [], id="longer-word-before"),
        pytest.param("$x->operationRuns()->create([]);", [], id="canonical"),
    ],
)
def test_lower_camel_model_names_are_nlr002_with_the_lower_camel_replacement(
    code: str, expected: list[tuple[int, int, str]]
) -> None:
    found = findings("app/Models/Tenant.php", f"<?php\n{code}\n")
    assert [(line, column) for line, column, _, _ in found] == [(line, column) for line, column, _ in expected]
    for (_, _, rule, message), (_, _, replacement) in zip(found, expected, strict=True):
        assert rule == "NLR002" and message.endswith(f"use `{replacement}` instead")


@pytest.mark.parametrize("column", ["inventory_sync_run_id", "entra_group_sync_run_id", "backup_schedule_run_id"])
def test_derived_foreign_keys_are_legacy_reference_columns(column: str) -> None:
    [(line, col, rule, message)] = findings("app/Models/Finding.php", f"<?php\n$f->{column} = 1;\n")
    assert (line, col, rule) == (2, 5, "NLR003")
    assert message.endswith("use `operation_run_id` instead")


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("$f->operation_run_id = 1;", id="canonical-foreign-key"),
        pytest.param("$t = 'backup_schedule_run';", id="canonical-run-type"),
        pytest.param("$t = config('inventory.sync_interval');", id="setting-key"),
        pytest.param("$t = 'entra_group.sync_enabled';", id="setting-key-underscore"),
    ],
)
def test_canonical_names_and_longer_keys_stay_silent(code: str) -> None:
    assert findings("app/x.php", f"<?php\n{code}\n") == []


@pytest.mark.parametrize(
    ("name", "replacement"),
    [
        pytest.param("inventorysyncrun", "operationrun", id="lower-case-stays-lower"),
        pytest.param("INVENTORYSYNCRUN", "OPERATIONRUN", id="all-caps-stay-all-caps"),
        pytest.param("InventorySyncRun", "OperationRun", id="the-pack-spelling"),
        pytest.param("INVENTORY_SYNC_RUNS", "OPERATION_RUNS", id="all-caps-table"),
        pytest.param("Inventory_Sync_Runs", "Operation_Runs", id="capitalised-words"),
        pytest.param("Last_Seen_Run_Id", "Last_Seen_Operation_Run_Id", id="capitalised-column"),
    ],
)
def test_folded_sql_gets_the_replacement_in_its_own_letter_case(name: str, replacement: str) -> None:
    [(_, _, rule, message)] = findings("database/x.sql", f"SELECT * FROM {name};")
    assert message.endswith(f"use `{replacement}` instead")
    fix = RULES_BY_ID[rule].fix_for(name)
    assert fix is not None and fix.replacement == replacement


def test_a_folded_spelling_in_no_case_style_is_suggested_but_has_no_fix() -> None:
    [(_, _, rule, message)] = findings("database/x.sql", "SELECT iNVENTORY_sync_RUNS FROM t;")
    assert rule == "NLR001" and message.endswith("use `operation_runs` instead")
    assert RULES_BY_ID[rule].fix_for("iNVENTORY_sync_RUNS") is None


PACK = """
[[rule]]
id = "ACME001"
name = "legacy-widget-model"
message = "m `{{token}}`"
tokens = ["widget_run"]
{extra}
[rule.docs]
what-it-does = "a"
why-is-this-bad = "b"
example = "c"
use-instead = "d"
[[rule.valid]]
file = "a.py"
code = "x = 1"
[[rule.invalid]]
file = "a.py"
code = "widget_run = 1"
expect = ["1:1"]
"""


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        pytest.param(
            "lower-camel = true",
            "rule[ACME001].lower-camel: no token starts with an upper-case letter",
            id="lower-camel-without-studly-tokens",
        ),
        pytest.param(
            "lower-camel = 'yes'",
            "rule[ACME001].lower-camel: expected true or false, got 'yes'",
            id="lower-camel-not-a-boolean",
        ),
        pytest.param(
            "boundary = 'words'",
            "rule[ACME001].boundary: expected one of ['word', 'value'], got 'words'",
            id="unknown-boundary",
        ),
        pytest.param(
            "replacements = { widget_run = 'widget_op' }\nfix = 'maybe'",
            "rule[ACME001].fix: expected one of ['safe', 'unsafe'], got 'maybe'",
            id="unknown-fix-safety",
        ),
        pytest.param(
            "fix = 'safe'", "rule[ACME001].fix: the rule has no replacements to apply", id="fix-without-replacements"
        ),
        pytest.param(
            "replacements = { widget_run = 'widget_run_v2' }\nfix = 'safe'",
            "rule[ACME001].replacements: 'widget_run': the replacement 'widget_run_v2' holds a token of this rule",
            id="replacement-flagged-again",
        ),
        pytest.param(
            'replacements = { widget_run = "a\\nb" }',
            "rule[ACME001].replacements: 'widget_run': the replacement is empty, on several lines or padded",
            id="replacement-on-two-lines",
        ),
    ],
)
def test_bad_spelling_options_are_pack_problems(tmp_path: Path, extra: str, problem: str) -> None:
    pack = tmp_path / "acme.toml"
    pack.write_text(PACK.format(extra=extra))
    with pytest.raises(UsageError) as raised:
        load_rules([(pack, "acme.toml")])
    assert f"acme.toml: {problem}" in raised.value.problems


def test_a_value_boundary_applies_to_a_teams_own_pack(tmp_path: Path) -> None:
    pack = tmp_path / "acme.toml"
    pack.write_text(PACK.format(extra="boundary = 'value'").replace("widget_run", "widget.run"))
    rule = next(r for r in load_rules([(pack, "acme.toml")]) if r.id == "ACME001")
    ruleset = RuleSet([rule])
    result = check_source("a.py", b"a = 'widget.run'\nb = 'widget.run_at'\n", ruleset, CONFIG)
    assert [(f.line, f.column) for f in result.active] == [(1, 6)]


@pytest.mark.parametrize(
    ("extra", "applicability"),
    [
        pytest.param("fix = 'safe'", Applicability.SAFE, id="safe"),
        pytest.param("fix = 'unsafe'", Applicability.UNSAFE, id="unsafe"),
        pytest.param("", Applicability.UNSAFE, id="unsafe-unless-said-safe"),
    ],
)
def test_a_packs_replacements_carry_their_fix_safety(tmp_path: Path, extra: str, applicability: Applicability) -> None:
    pack = tmp_path / "acme.toml"
    pack.write_text(PACK.format(extra=f"replacements = {{ widget_run = 'widget_op' }}\n{extra}"))
    rule = next(r for r in load_rules([(pack, "acme.toml")]) if r.id == "ACME001")
    [finding] = check_source("a.py", b"widget_run = 1\n", RuleSet([rule]), CONFIG).active
    assert finding.fix == Fix("widget_op", applicability)
    assert finding.message == "m `widget_run`; use `widget_op` instead"


def test_the_bundled_fix_safety() -> None:
    fixes = {rule.id: rule.fix for rule in RULES}
    assert fixes["NLR001"] is fixes["NLR002"] is Applicability.UNSAFE
    assert fixes["NLR003"] is fixes["NLR004"] is Applicability.SAFE
    assert fixes["NLR005"] is fixes["NLR101"] is None
