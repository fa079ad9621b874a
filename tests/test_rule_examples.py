"""Run every example of every rule of every bundled pack: VALID, INVALID, and the docs' Example and Use instead."""

from __future__ import annotations

import pytest

from nolegacyruns.findings import Applicability
from nolegacyruns.rules.pack import DOC_SECTIONS, FIX_DOC, Rule, RuleKind, load_rules
from nolegacyruns.rules.ruleset import RuleSet
from nolegacyruns.testing import check_rule_examples, doc_blocks

RULES = load_rules()
RULESET = RuleSet(RULES)


def _cases(attribute: str) -> list[object]:
    return [
        pytest.param(rule, index, id=f"{rule.id}-{attribute}-{index}-{example.file}")
        for rule in RULES
        for index, example in enumerate(getattr(rule, attribute))
    ]


def _failures(rule: Rule, example: str) -> list[str]:
    return [str(f) for f in check_rule_examples(rule, RULESET) if f.example.startswith(example)]


@pytest.mark.parametrize(("rule", "index"), _cases("invalid"))
def test_invalid_example_is_reported_exactly_where_expected(rule: Rule, index: int) -> None:
    assert _failures(rule, f"invalid[{index}]") == []


@pytest.mark.parametrize(("rule", "index"), _cases("valid"))
def test_valid_example_produces_no_finding_of_any_rule(rule: Rule, index: int) -> None:
    assert _failures(rule, f"valid[{index}]") == []


@pytest.mark.parametrize("rule", [pytest.param(r, id=r.id) for r in RULES])
def test_docs_example_produces_the_rule_and_use_instead_no_error(rule: Rule) -> None:
    assert doc_blocks(rule.docs["example"]), f"{rule.id}: docs.example has no code block"
    assert _failures(rule, "docs.") == []


@pytest.mark.parametrize("rule", [pytest.param(r, id=r.id) for r in RULES])
def test_rule_documentation_has_every_section(rule: Rule) -> None:
    text = rule.documentation()
    for key, title in DOC_SECTIONS:
        assert rule.docs[key].strip(), f"{rule.id}: docs.{key} is empty"
        assert f"## {title}" in text


@pytest.mark.parametrize("rule", [pytest.param(r, id=r.id) for r in RULES])
def test_rule_documentation_says_what_fix_does(rule: Rule) -> None:
    """Every rule says whether `fix` changes it; a bundled legacy-token or backfill rule also says why."""
    key, title = FIX_DOC
    status = {None: "No automatic fix", Applicability.SAFE: "Safe fix", Applicability.UNSAFE: "Unsafe fix"}
    assert f"## {title}\n\n{status[rule.fix]}" in rule.documentation()
    if rule.kind is not RuleKind.SCAN:
        assert rule.docs[key].strip(), f"{rule.id}: docs.{key} is empty"


def test_bundled_rules_have_the_permanent_ids() -> None:
    names = {rule.id: rule.name for rule in RULES}
    assert names["NLR001"] == "legacy-run-table"
    assert names["NLR002"] == "legacy-run-model"
    assert names["NLR003"] == "legacy-run-reference-column"
    assert names["NLR004"] == "legacy-run-type"
    assert names["NLR005"] == "legacy-run-route"
    assert {"NLR900", "NLR901", "NLR902", "NLR903"} <= set(names)
