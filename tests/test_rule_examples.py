"""Run every VALID and INVALID example of every rule of every bundled pack."""

from __future__ import annotations

from pathlib import Path

import pytest

from nolegacyruns.config.loading import Config
from nolegacyruns.rules.pack import DOC_SECTIONS, Rule, load_rules
from nolegacyruns.rules.ruleset import RuleSet
from nolegacyruns.scan.engine import check_source

RULES = load_rules()
RULESET = RuleSet(RULES)


def _config(example_config: dict[str, object]) -> Config:
    return Config(root=Path("/nonexistent"), scan_comments=bool(example_config.get("scan-comments", False)))


def _positions(rule: Rule, file: str, code: str, config: dict[str, object]) -> list[tuple[int, int]]:
    result = check_source(file, code.encode("utf-8"), RULESET, _config(config))
    return sorted((f.line, f.column) for f in result.active if f.rule == rule.id)


def _cases(attribute: str) -> list[object]:
    return [
        pytest.param(rule, example, id=f"{rule.id}-{attribute}-{index}-{example.file}")
        for rule in RULES
        for index, example in enumerate(getattr(rule, attribute))
    ]


@pytest.mark.parametrize(("rule", "example"), _cases("invalid"))
def test_invalid_example_is_reported_exactly_where_expected(rule: Rule, example: object) -> None:
    assert _positions(rule, example.file, example.code, dict(example.config)) == sorted(example.expect)


@pytest.mark.parametrize(("rule", "example"), _cases("valid"))
def test_valid_example_is_not_reported(rule: Rule, example: object) -> None:
    assert _positions(rule, example.file, example.code, dict(example.config)) == []


@pytest.mark.parametrize("rule", [pytest.param(r, id=r.id) for r in RULES])
def test_rule_documentation_has_every_section(rule: Rule) -> None:
    text = rule.documentation()
    for key, title in DOC_SECTIONS:
        assert rule.docs[key].strip(), f"{rule.id}: docs.{key} is empty"
        assert f"## {title}" in text


def test_bundled_rules_have_the_permanent_ids() -> None:
    names = {rule.id: rule.name for rule in RULES}
    assert names["NLR001"] == "legacy-run-table"
    assert names["NLR002"] == "legacy-run-model"
    assert names["NLR003"] == "legacy-run-reference-column"
    assert names["NLR004"] == "legacy-run-type"
    assert names["NLR005"] == "legacy-run-route"
    assert {"NLR900", "NLR901", "NLR902", "NLR903"} <= set(names)
