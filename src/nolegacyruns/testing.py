"""Run a rule's examples: its INVALID and VALID snippets and the code in its docs' Example and Use instead.

- an INVALID example is reported by its rule exactly at the places it expects;
- a VALID example produces no finding of any rule;
- the docs' Example produces its rule, and Use instead produces no error finding;
- an INVALID example's safe fixes apply, and leave no safe fix to make.

`nolegacyruns test-pack PACK.toml` runs this for a team's own pack; the test suite for the bundled ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config.loading import Config
from .findings import Finding, Severity
from .fixing import NotEditable, edit
from .rules.pack import Example, Rule
from .rules.ruleset import RuleSet
from .scan.engine import check_source

# A fenced block's language, as a file name the scanners know it by.
FENCE_FILES = {
    "python": "example.py",
    "py": "example.py",
    "sql": "example.sql",
    "php": "example.php",
    "blade": "example.blade.php",
    "html": "example.html",
    "jinja": "example.html",
    "django": "example.html",
    "twig": "example.html.twig",
    "javascript": "example.js",
    "js": "example.js",
    "typescript": "example.ts",
    "ts": "example.ts",
    "yaml": "example.yaml",
    "json": "example.json",
}
_FENCE = re.compile(r"^```[ \t]*(?P<language>[\w+-]*)[^\n]*\n(?P<code>.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True, slots=True)
class ExampleFailure:
    """One example that does not do what it says: which rule, which example, and what happened."""

    rule: str
    example: str
    problem: str

    def __str__(self) -> str:
        return f"rule[{self.rule}].{self.example}: {self.problem}"


@dataclass(frozen=True, slots=True)
class DocBlock:
    """A fenced code block of a docs section, with the file name its language stands for."""

    file: str
    code: str


def doc_blocks(markdown: str) -> list[DocBlock]:
    """The fenced code blocks of a docs section (an unknown language is read as plain text)."""
    return [
        DocBlock(FENCE_FILES.get(match["language"].lower(), "example.txt"), match["code"])
        for match in _FENCE.finditer(markdown)
    ]


def _run(ruleset: RuleSet, file: str, code: str, config: Mapping[str, Any]) -> list[Finding]:
    settings = Config(root=Path("/nonexistent"), scan_comments=bool(config.get("scan-comments", False)))
    result = check_source(file, code.encode("utf-8"), ruleset, settings)
    return sorted(result.active)


def _shown(findings: Iterable[Finding]) -> str:
    return "; ".join(f"{f.rule} at {f.line}:{f.column}" for f in findings) or "nothing"


def _invalid(rule: Rule, index: int, example: Example, ruleset: RuleSet) -> Iterator[ExampleFailure]:
    found = [f for f in _run(ruleset, example.file, example.code, example.config) if f.rule == rule.id]
    places = sorted((f.line, f.column) for f in found)
    if places != sorted(example.expect):
        expected = ", ".join(f"{line}:{column}" for line, column in sorted(example.expect))
        yield ExampleFailure(
            rule.id, f"invalid[{index}] ({example.file})", f"expected {rule.id} at {expected}, found {_shown(found)}"
        )
    yield from _fixed(rule, f"invalid[{index}] ({example.file})", example, found, ruleset)


def _safely_fixable(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.fix is not None and f.fix.is_safe]


def _fixed(
    rule: Rule, label: str, example: Example, found: list[Finding], ruleset: RuleSet
) -> Iterator[ExampleFailure]:
    """The example's safe fixes apply (in its file kind) and leave none of its rule's safe fixes to make."""
    fixable = _safely_fixable(found)
    if not fixable:
        return
    try:
        edited = edit(example.file, example.code.encode("utf-8"), fixable)
    except NotEditable as problem:
        yield ExampleFailure(rule.id, label, f"its safe fixes cannot be applied: {problem}")
        return
    after = _run(ruleset, example.file, edited.data.decode("utf-8"), example.config)
    left = _safely_fixable(f for f in after if f.rule == rule.id)
    if left:
        yield ExampleFailure(rule.id, label, f"after its safe fixes, still {_shown(left)}")


def _valid(rule: Rule, index: int, example: Example, ruleset: RuleSet) -> Iterator[ExampleFailure]:
    found = _run(ruleset, example.file, example.code, example.config)
    if found:
        yield ExampleFailure(rule.id, f"valid[{index}] ({example.file})", f"expected no finding, found {_shown(found)}")


def _docs(rule: Rule, ruleset: RuleSet) -> Iterator[ExampleFailure]:
    example = doc_blocks(rule.docs["example"])
    if not example:
        yield ExampleFailure(rule.id, "docs.example", "holds no fenced code block to run")
    for index, block in enumerate(example):
        found = _run(ruleset, block.file, block.code, {})
        if not any(f.rule == rule.id for f in found):
            label = "docs.example" if len(example) == 1 else f"docs.example block {index + 1} ({block.file})"
            yield ExampleFailure(rule.id, label, f"does not produce {rule.id}; found {_shown(found)}")
    use_instead = doc_blocks(rule.docs["use-instead"])
    if not use_instead:
        yield ExampleFailure(rule.id, "docs.use-instead", "holds no fenced code block to run")
    for block in use_instead:
        errors = [f for f in _run(ruleset, block.file, block.code, {}) if f.severity is Severity.ERROR]
        if errors:
            yield ExampleFailure(rule.id, "docs.use-instead", f"expected no error finding, found {_shown(errors)}")


def example_count(rule: Rule) -> int:
    """How many examples a rule's check runs: its INVALID and VALID ones and its two docs sections."""
    return len(rule.invalid) + len(rule.valid) + 2


def check_rule_examples(rule: Rule, ruleset: RuleSet) -> list[ExampleFailure]:
    """Every way a rule's examples fail, run against every rule of the rule set."""
    failures = [f for index, example in enumerate(rule.invalid) for f in _invalid(rule, index, example, ruleset)]
    failures += [f for index, example in enumerate(rule.valid) for f in _valid(rule, index, example, ruleset)]
    return failures + list(_docs(rule, ruleset))
