"""Which rules a configuration runs: its rule packs loaded with the bundled ones, narrowed by select/ignore.

Every rule ID the configuration names (select, ignore, allow) is checked against the packs here.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..errors import UsageError
from ..rules.pack import declared_rule_ids, load_rules, pack_files
from ..rules.ruleset import RuleSet
from ..safe_files import outside_root
from .loading import Config


def _pattern_matches(pattern: str, rule_id: str) -> bool:
    """A select/ignore entry names a rule ID or an ID prefix (`NLR0` selects NLR001…NLR099)."""
    return rule_id.startswith(pattern)


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
    extra, escaping = [], []
    for location in config.rule_packs:
        for path in pack_files(config.root / location):
            if outside_root(config.root, path):  # a link in a pack folder that leaves the project
                escaping.append(f"rule-packs: {_label(config.root, path)}: resolves outside the project; not read")
            else:
                extra.append((path, _label(config.root, path)))
    problems: list[str] = []
    try:
        rules = load_rules(extra)
        known: list[str] | None = [rule.id for rule in rules]
        if escaping:
            raise UsageError(escaping)
    except UsageError as error:
        rules, problems = [], error.problems
        known = declared_rule_ids([path for path, _ in extra])
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
