"""What a backfill rule looks for: canonical targets and legacy sources, all named by the pack."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ...rules.matching import TokenMatcher

if TYPE_CHECKING:
    from ...rules.pack import Rule
    from ...rules.ruleset import RuleSet

BACKFILL_KIND = "backfill"


@dataclass(frozen=True, slots=True)
class BackfillSpec:
    """Canonical names, and legacy-source matchers: exact for code, case-folded for unquoted SQL."""

    rule: Rule
    canonical_table_names: frozenset[str]
    canonical_model_names: frozenset[str]
    legacy: TokenMatcher
    legacy_folded: TokenMatcher

    @property
    def canonical_names(self) -> frozenset[str]:
        return self.canonical_table_names | self.canonical_model_names

    def may_write_canonical(self, text: str) -> bool:
        """Cheap pre-check: does the text name a canonical table or model at all (any letter case)?"""
        lowered = text.lower()
        return any(name.lower() in lowered for name in self.canonical_names)

    def legacy_in(self, text: str, *, fold_case: bool = False) -> str | None:
        """Return the first legacy source token in text, or None."""
        for match in (self.legacy_folded if fold_case else self.legacy).finditer(text):
            return match.token
        return None


def backfill_specs(ruleset: RuleSet) -> list[BackfillSpec]:
    """Build the specs of the enabled backfill rules; legacy sources are other rules' tokens."""
    specs = []
    for rule in ruleset.of_kind(BACKFILL_KIND):
        legacy = {t: rule.id for rid in rule.options["legacy_sources_from"] for t in ruleset.get(rid).tokens}
        specs.append(
            BackfillSpec(
                rule=rule,
                canonical_table_names=frozenset(rule.options["canonical_tables"]),
                canonical_model_names=frozenset(rule.options["canonical_models"]),
                legacy=TokenMatcher(legacy),
                legacy_folded=TokenMatcher(legacy, fold_case=True),
            )
        )
    return specs
