"""The rules one check runs: loaded packs narrowed by select/ignore, with each kind's compiled data built once."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cached_property
from typing import Protocol

from .backfill import BackfillRules, compile_backfill
from .matching import Boundary, TokenMatcher, tokens_by_owner
from .pack import IDENTIFIERS, STRINGS, Rule, RuleKind
from .prefilter import GramIndex, covering_grams
from .roles import Role

DIRECTIVE_MARKER = "nolegacyruns"
# A line of text, as CPython and SourceText break lines (an anchor holds no line break).
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)?")
_ASCII_LOWERING = "\u212a".encode()  # KELVIN SIGN: lower() gives "k"
_ASCII_LOWERING_2 = "\u0130".encode()  # LATIN CAPITAL LETTER I WITH DOT ABOVE: lower() gives "i̇"


class StructuralRules(Protocol):
    """A structural kind's compiled rules: analyzers read them; the engine asks only the pre-check."""

    def may_apply(self, text: str) -> bool: ...


class RuleSet:
    """Enabled rules, every known rule ID, and token matchers cached per file kind and role."""

    def __init__(self, rules: Iterable[Rule], enabled: Iterable[str] | None = None) -> None:
        self.all_rules = {rule.id: rule for rule in rules}
        wanted = set(self.all_rules) if enabled is None else set(enabled)
        self.rules = {rid: rule for rid, rule in self.all_rules.items() if rid in wanted}
        self._matchers: dict[tuple[str, Role, bool, bool], TokenMatcher] = {}

    def get(self, rule_id: str) -> Rule:
        return self.all_rules[rule_id]

    def enabled(self, rule_id: str) -> bool:
        return rule_id in self.rules

    def of_kind(self, kind: RuleKind) -> list[Rule]:
        return [rule for rule in self.rules.values() if rule.kind is kind]

    @cached_property
    def backfill(self) -> BackfillRules:
        """The enabled backfill rules, compiled; their legacy sources are token rules, enabled or not."""
        tokens_of = {rule.id: rule.tokens for rule in self.all_rules.values()}
        return compile_backfill(self.of_kind(RuleKind.BACKFILL), tokens_of)

    @cached_property
    def structural(self) -> Mapping[RuleKind, StructuralRules]:
        """Each structural kind with enabled rules, and its compiled rules: what the engine runs analyzers for."""
        kinds: dict[RuleKind, StructuralRules] = {}
        if self.of_kind(RuleKind.BACKFILL):
            kinds[RuleKind.BACKFILL] = self.backfill
        return kinds

    def matcher(self, file_kind: str, role: Role, *, fold_case: bool, scan_comments: bool) -> TokenMatcher:
        """Return the matcher for the token rules that apply to this kind of span."""
        key = (file_kind, role, fold_case, scan_comments)
        cached = self._matchers.get(key)
        if cached is None:
            rules = [
                r
                for r in self.of_kind(RuleKind.TOKEN)
                if file_kind in r.file_kinds and _applies(r, role, scan_comments)
            ]
            values = [token for r in rules if r.boundary is Boundary.VALUE for token in r.tokens]
            cached = TokenMatcher(tokens_by_owner((r.id, r.tokens) for r in rules), fold_case=fold_case, values=values)
            self._matchers[key] = cached
        return cached

    @cached_property
    def _anchors(self) -> tuple[str, ...]:
        # Every known rule's tokens: enabled backfill rules read the tokens of rules that may be off.
        tokens = {t.lower() for rule in self.all_rules.values() for t in rule.tokens}
        return (*anchors_for(tokens), DIRECTIVE_MARKER)

    @cached_property
    def _text_index(self) -> GramIndex[str]:
        return GramIndex(self._anchors, covering_grams(self._anchors))

    @cached_property
    def _byte_index(self) -> GramIndex[bytes] | None:
        if not all(anchor.isascii() for anchor in self._anchors):
            return None  # bytes.lower() folds ASCII only
        index = self._text_index
        return GramIndex([anchor.encode() for anchor in self._anchors], [gram.encode() for gram, _ in index.placements])

    def may_match_bytes(self, data: bytes) -> bool:
        """`may_match` on the UTF-8 bytes of a text, before decoding it; as sound, and True when unsure.

        Two characters lower-case to ASCII letters (KELVIN SIGN to `k`, `İ` to `i` and a dot): their
        UTF-8 bytes send the text to the exact check.
        """
        index = self._byte_index
        if index is None or (not data.isascii() and (_ASCII_LOWERING in data or _ASCII_LOWERING_2 in data)):
            return True
        return index.found_in(data.lower())

    def anchor_offsets(self, text: str) -> list[int]:
        """Offsets on the lines where an anchor starts (any letter case): every place a token or a directive
        could match lies on the line of one of them."""
        lowered = text.lower()
        if len(lowered) != len(text):
            # A character whose lower case is longer (`İ`) shifts the offsets after it: go line by line.
            return [m.start() for m in _LINE.finditer(text) if any(a in m.group().lower() for a in self._anchors)]
        offsets = []
        for anchor in self._anchors:
            found = lowered.find(anchor)
            while found != -1:
                offsets.append(found)
                found = lowered.find(anchor, found + 1)
        return offsets

    def may_match(self, text: str) -> bool:
        """Cheap pre-check: could any rule report anything in this text (in any letter case)?"""
        return self._text_index.found_in(text.lower())


def anchors_for(tokens: Iterable[str]) -> tuple[str, ...]:
    """The tokens no other token contains: a text holding none of them holds no token at all."""
    unique = set(tokens)
    return tuple(sorted(t for t in unique if not any(other != t and other in t for other in unique)))


def _applies(rule: Rule, role: Role, scan_comments: bool) -> bool:
    if role is Role.CODE:
        return True
    if role.is_prose:
        return scan_comments
    wanted = IDENTIFIERS if role is Role.IDENTIFIER else STRINGS
    return wanted in rule.applies_to
