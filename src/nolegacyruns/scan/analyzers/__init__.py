"""Analyzers: what answers a structural rule kind (backfill) in one language.

A token rule needs only TOML. A structural rule is declared in its pack with its kind
(`kind = "backfill"`); each language that can answer that kind has one analyzer here, a module
named `<kind>_<language>.py` holding a function registered for (rule kind, file kind):

    @analyzer(RuleKind.BACKFILL, PHP)
    def analyze(source: SourceText, lexed: Lexed, ruleset: RuleSet) -> Analysis: ...

The engine calls it for files of that kind whose text passes the kind's cheap pre-check
(`ruleset.structural[kind].may_apply`), with the file's text and the scanner's lexed form;
SQL the scanner found inside another language (`lexed.sql_fragments`) goes to the SQL analyzer.
Adding backfill detection for a new language is one module here and its tests: every module of
this package is imported (once, on first use) and registers itself. Keep heavy imports (libcst)
where they cost nothing: this package loads only when a file passes a pre-check.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from ...filekinds import SQL
from ...rules.pack import RuleKind
from ...rules.ruleset import RuleSet
from ..lexed import Hit, Lexed, Notice
from ..source import SourceText


@dataclass(slots=True)
class Analysis:
    """What an analyzer found: hits for its rules, and notices (NLR900) when it could not look."""

    hits: list[Hit] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)


Analyzer = Callable[[SourceText, Lexed, RuleSet], Analysis]

_REGISTRY: dict[tuple[RuleKind, str], list[Analyzer]] = {}


def analyzer(kind: RuleKind, file_kind: str) -> Callable[[Analyzer], Analyzer]:
    """Register a function as the analyzer of a structural rule kind for one file kind."""

    def register(function: Analyzer) -> Analyzer:
        _REGISTRY.setdefault((kind, file_kind), []).append(function)
        return function

    return register


@cache
def _load_all() -> None:
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


def analyzers_for(kind: RuleKind, file_kind: str) -> list[Analyzer]:
    """The analyzers registered for a rule kind and a file kind."""
    _load_all()
    return _REGISTRY.get((kind, file_kind), [])


def analyze(source: SourceText, lexed: Lexed, file_kind: str, ruleset: RuleSet) -> Analysis:
    """Run every structural kind's analyzers over a file whose text passes that kind's pre-check."""
    result = Analysis()
    # SQL found in another language's strings is that file's SQL: the SQL analyzers read it.
    languages = [file_kind] + ([SQL] if lexed.sql_fragments and file_kind != SQL else [])
    for kind, rules in ruleset.structural.items():
        if not rules.may_apply(source.text):
            continue
        for language in languages:
            for run in analyzers_for(kind, language):
                found = run(source, lexed, ruleset)
                result.hits += found.hits
                result.notices += found.notices
    return result


__all__ = ["Analysis", "Analyzer", "analyze", "analyzer", "analyzers_for"]
