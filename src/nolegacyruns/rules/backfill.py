"""The backfill kind's compiled data: canonical targets and legacy sources, all named by the pack."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .matching import TokenMatcher
from .pack import BackfillOptions, Rule


@dataclass(frozen=True, slots=True)
class BackfillDetails:
    """One backfill: the canonical target written, the legacy source read (as the message shows it), its line."""

    target: str
    source: str
    source_line: int

    def placeholders(self) -> dict[str, str]:
        """The backfill message's `{target}`, `{source}` and `{source_line}`."""
        return {"target": self.target, "source": self.source, "source_line": str(self.source_line)}

    def related_line(self) -> int:
        return self.source_line


@dataclass(frozen=True, slots=True)
class BackfillSpec:
    """Canonical names, and legacy-source matchers: exact for code, case-folded for unquoted SQL."""

    rule: Rule
    canonical_table_names: frozenset[str]
    canonical_model_names: frozenset[str]
    legacy: TokenMatcher
    legacy_folded: TokenMatcher
    # Relations that reach the canonical model (Eloquent's `$tenant->operationRuns()->create(…)`).
    canonical_relation_names: frozenset[str] = frozenset()

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


@dataclass(frozen=True, slots=True)
class BackfillRules:
    """The enabled backfill rules, compiled once per rule set, with a cheap text pre-check."""

    specs: tuple[BackfillSpec, ...]
    _canonical: frozenset[str]
    _legacy: frozenset[str]

    def may_apply(self, text: str) -> bool:
        """Could a backfill be in this text? Only if it names a canonical target and a legacy source (any case)."""
        if not self.specs:
            return False
        lowered = text.lower()
        return any(name in lowered for name in self._canonical) and any(token in lowered for token in self._legacy)


def _options(rule: Rule) -> BackfillOptions:
    assert isinstance(rule.options, BackfillOptions), f"{rule.id} is a {rule.kind.value} rule"
    return rule.options


def compile_backfill(rules: Sequence[Rule], tokens_of: Mapping[str, tuple[str, ...]]) -> BackfillRules:
    """Build the specs of the enabled backfill rules; legacy sources are other rules' tokens (enabled or not)."""
    specs = []
    legacy_tokens: set[str] = set()
    for rule in rules:
        options = _options(rule)
        legacy = {t: rule.id for rid in options.legacy_sources_from for t in tokens_of[rid]}
        legacy_tokens.update(token.lower() for token in legacy)
        specs.append(
            BackfillSpec(
                rule=rule,
                canonical_table_names=frozenset(options.canonical_tables),
                canonical_model_names=frozenset(options.canonical_models),
                legacy=TokenMatcher(legacy),
                legacy_folded=TokenMatcher(legacy, fold_case=True),
                canonical_relation_names=frozenset(options.canonical_relations),
            )
        )
    canonical = frozenset(name.lower() for spec in specs for name in spec.canonical_names)
    return BackfillRules(tuple(specs), canonical, frozenset(legacy_tokens))
