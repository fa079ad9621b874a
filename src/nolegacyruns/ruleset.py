"""The rules one check runs: loaded packs narrowed by select/ignore, with matchers built once."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from . import _toml
from .config import Config
from .errors import UsageError
from .matching import TokenMatcher, tokens_by_owner
from .rulepack import IDENTIFIERS, STRINGS, Rule, bundled_pack_files, load_rules, pack_files
from .segments import Role

DIRECTIVE_MARKER = "nolegacyruns"
T = TypeVar("T")


def _pattern_matches(pattern: str, rule_id: str) -> bool:
    """A select/ignore entry names a rule ID or an ID prefix (`NLR0` selects NLR001…NLR099)."""
    return rule_id.startswith(pattern)


class RuleSet:
    """Enabled rules, every known rule ID, and token matchers cached per file kind and role."""

    def __init__(self, rules: Iterable[Rule], enabled: Iterable[str] | None = None) -> None:
        self.all_rules = {rule.id: rule for rule in rules}
        wanted = set(self.all_rules) if enabled is None else set(enabled)
        self.rules = {rid: rule for rid, rule in self.all_rules.items() if rid in wanted}
        self._matchers: dict[tuple[str, Role, bool, bool], TokenMatcher] = {}
        self._derived: dict[str, Any] = {}

    def derived(self, key: str, build: Callable[[RuleSet], T]) -> T:
        """Return what build(self) makes, built once per rule set (compiled matchers and the like)."""
        if key not in self._derived:
            self._derived[key] = build(self)
        return self._derived[key]  # type: ignore[no-any-return]

    def get(self, rule_id: str) -> Rule:
        return self.all_rules[rule_id]

    def enabled(self, rule_id: str) -> bool:
        return rule_id in self.rules

    def of_kind(self, kind: str) -> list[Rule]:
        return [rule for rule in self.rules.values() if rule.kind == kind]

    def matcher(self, file_kind: str, role: Role, *, fold_case: bool, scan_comments: bool) -> TokenMatcher:
        """Return the matcher for the token rules that apply to this kind of span."""
        key = (file_kind, role, fold_case, scan_comments)
        cached = self._matchers.get(key)
        if cached is None:
            rules = [r for r in self.of_kind("token") if file_kind in r.file_kinds and _applies(r, role, scan_comments)]
            cached = TokenMatcher(tokens_by_owner((r.id, r.tokens) for r in rules), fold_case=fold_case)
            self._matchers[key] = cached
        return cached

    @cached_property
    def _anchors(self) -> tuple[str, ...]:
        # Every known rule's tokens: enabled backfill rules read the tokens of rules that may be off.
        tokens = {t.lower() for rule in self.all_rules.values() for t in rule.tokens}
        return anchors_for(tokens) + (DIRECTIVE_MARKER,)

    @cached_property
    def _coarse_anchors(self) -> tuple[str, ...]:
        return covering_grams(self._anchors)

    def may_match(self, text: str) -> bool:
        """Cheap pre-check: could any rule report anything in this text (in any letter case)?

        Two sound steps: a few short substrings every token contains one of, then the tokens.
        """
        lowered = text.lower()
        if not any(gram in lowered for gram in self._coarse_anchors):
            return False
        return any(anchor in lowered for anchor in self._anchors)


def covering_grams(tokens: Iterable[str], width: int = 4) -> tuple[str, ...]:
    """A few substrings of `width` characters such that every token contains one (greedy set cover)."""
    grams = {token: {token[i:i + width] for i in range(max(len(token) - width + 1, 1))} for token in tokens}
    uncovered = set(grams)
    chosen: list[str] = []
    while uncovered:
        counts: dict[str, int] = {}
        for token in uncovered:
            for gram in grams[token]:
                counts[gram] = counts.get(gram, 0) + 1
        best = max(sorted(counts), key=lambda gram: counts[gram])
        chosen.append(best)
        uncovered = {token for token in uncovered if best not in grams[token]}
    return tuple(chosen)


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


def _check_ids(
    config: Config, key: str, patterns: Iterable[str], known: list[str], problems: list[str], *, exact: bool = False
) -> None:
    prefix = "tool.nolegacyruns." if config.source and config.source.name == "pyproject.toml" else ""
    for pattern in patterns:
        found = pattern in known if exact else any(_pattern_matches(pattern, rid) for rid in known)
        if not found:
            problems.append(f"{config.label}: {prefix}{key}: unknown rule {pattern!r}; known rules: {', '.join(known)}")


def build_ruleset(config: Config) -> RuleSet:
    """Load bundled and configured packs, check every rule ID the config names, apply select/ignore.

    Pack problems and unknown rule IDs are raised together. When a pack has problems, the IDs are
    checked against every `[[rule]] id` the packs declare, valid rule or not; a pack that cannot be
    read or parsed might declare any ID, so then no ID is called unknown.
    """
    extra = []
    for location in config.rule_packs:
        for path in pack_files(config.root / location):
            extra.append((path, _label(config.root, path)))
    problems: list[str] = []
    try:
        rules = load_rules(extra)
        known: list[str] | None = [rule.id for rule in rules]
    except UsageError as error:
        rules, problems = [], error.problems
        declared: set[str] = set()
        for path in [*bundled_pack_files(), *(path for path, _ in extra)]:
            try:
                tables = _toml.loads(path.read_text(encoding="utf-8")).get("rule")
            except (OSError, UnicodeDecodeError, _toml.TOMLDecodeError):
                known = None
                break
            if isinstance(tables, list):
                declared.update(t["id"] for t in tables if isinstance(t, dict) and isinstance(t.get("id"), str))
        else:
            known = sorted(declared)
    if known is not None:
        _check_ids(config, "select", config.select, known, problems)
        _check_ids(config, "ignore", config.ignore, known, problems)
        for index, entry in enumerate(config.allow):
            _check_ids(config, f"allow[{index}].rules", sorted(entry.rules), known, problems, exact=True)
    if problems:
        raise UsageError(problems)
    enabled = [
        rule.id
        for rule in rules
        if (not config.select or any(_pattern_matches(p, rule.id) for p in config.select))
        and not any(_pattern_matches(p, rule.id) for p in config.ignore)
    ]
    return RuleSet(rules, enabled)


def _label(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
