"""NLR101 in Python: within one function (or module-level statement), canonical rows written from a legacy source.

Two shapes: SQLAlchemy `insert(<canonical>).from_select(...)` / `<canonical>.insert().from_select(...)`
whose select reads a legacy source, and a loop or comprehension over a legacy source whose body
creates canonical rows. A module-level name bound to a legacy source counts as that source.

The analyzer parses the file with libcst itself, isolated (a crash or stall costs only this
analysis), and only for files the backfill pre-check passes: they name a canonical target and a
legacy source. SQL in the file's strings is the SQL analyzer's; this one reads SQL only where a
loop over legacy rows runs it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial

import libcst as cst
from libcst.helpers import get_full_name_for_node
from libcst.metadata import MetadataWrapper, PositionProvider

from ...filekinds import PYTHON
from ...rules.backfill import BackfillDetails, BackfillSpec
from ...rules.pack import RuleKind
from ...rules.ruleset import RuleSet
from ..cst_parse import locate_syntax_error, too_hard_to_parse
from ..isolation import Isolated
from ..lexed import Hit, Lexed, Notice
from ..source import SourceText
from . import Analysis, analyzer
from .backfill_sql import canonical_write_spans

# Calls on a canonical model that create rows (Django, Laravel-style and SQLAlchemy idioms).
CREATING_METHODS = frozenset({"create", "bulk_create", "get_or_create", "update_or_create", "insert", "upsert"})

SqlWriteFinder = Callable[[str], list[tuple[int, int, str]]]


@dataclass(frozen=True, slots=True)
class _Source:
    token: str
    node: cst.CSTNode
    via: str | None = None


def _walk(node: cst.CSTNode, *, skip_scopes: bool = True) -> Iterator[cst.CSTNode]:
    """Yield node and its descendants, not entering nested functions and classes."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        for child in reversed(current.children):
            if skip_scopes and isinstance(child, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                continue
            stack.append(child)


def _string_content(node: cst.CSTNode) -> str | None:
    if isinstance(node, cst.SimpleString):
        return node.raw_value
    if isinstance(node, cst.FormattedStringText):
        return node.value
    return None


class _Unit:
    """One function body or module-level statement, with the names bound to legacy sources."""

    def __init__(self, spec: BackfillSpec, sources: dict[str, _Source], canonical_names: dict[str, str]) -> None:
        self.spec = spec
        self.sources = dict(sources)
        self.canonical_names = dict(canonical_names)

    def legacy_source(self, node: cst.CSTNode) -> _Source | None:
        """The first legacy source a subtree reads: a legacy token, or a name bound to one."""
        for sub in _walk(node):
            if isinstance(sub, cst.Name):
                if sub.value in self.sources:
                    bound = self.sources[sub.value]  # reported where the name was bound
                    return _Source(bound.token, bound.node, via=sub.value)
                token = self.spec.legacy_in(sub.value)
            else:
                content = _string_content(sub)
                token = self.spec.legacy_in(content) if content is not None else None
            if token is not None:
                return _Source(token, sub)
        return None

    def bind(self, statements: Sequence[cst.CSTNode]) -> None:
        """Record names assigned from legacy sources (and from canonical tables) in these statements."""
        for statement in statements:
            for sub in _walk(statement):
                if isinstance(sub, cst.Assign):
                    targets = [t.target for t in sub.targets]
                    value = sub.value
                elif isinstance(sub, cst.AnnAssign) and sub.value is not None:
                    targets, value = [sub.target], sub.value
                else:
                    continue
                names = [t.value for t in targets if isinstance(t, cst.Name)]
                source = self.legacy_source(value)
                canonical = None if source else self.canonical_target(value)
                for name in names:
                    if source is not None:
                        self.sources[name] = source
                    elif canonical is not None:
                        self.canonical_names[name] = canonical[0]

    def canonical_target(self, node: cst.CSTNode) -> tuple[str, cst.CSTNode] | None:
        """Is this expression the canonical table or model? Return (token, node to report).

        Accepted: a name bound to one, `operation_runs`, `tables.operation_runs`, `OperationRun`,
        `OperationRun.__table__`, `OperationRun.objects`, and `Table("operation_runs", ...)`.
        """
        if isinstance(node, cst.Name) and node.value in self.canonical_names:
            return self.canonical_names[node.value], node
        if isinstance(node, cst.Call):
            for arg in node.args:
                content = _string_content(arg.value)
                if content is not None and content.split(".")[-1] in self.spec.canonical_names:
                    return content.split(".")[-1], arg.value
            return None
        parts = _dotted_parts(node)
        while parts and parts[-1][0] in _TABLE_HANDLES:
            parts.pop()
        if parts and parts[-1][0] in self.spec.canonical_names:
            return parts[-1]
        return None


_TABLE_HANDLES = frozenset({"__table__", "table", "objects", "query"})


def _dotted_parts(node: cst.CSTNode) -> list[tuple[str, cst.CSTNode]]:
    """`a.b.c` as [("a", Name a), ("b", Name b), ("c", Name c)]; [] for anything else."""
    if isinstance(node, cst.Name):
        return [(node.value, node)]
    if isinstance(node, cst.Attribute):
        head = _dotted_parts(node.value)
        return [*head, (node.attr.value, node.attr)] if head else []
    return []


def _insert_target(call: cst.Call) -> cst.BaseExpression | None:
    """For `insert(X)` or `X.insert()`, return X."""
    func = call.func
    if isinstance(func, cst.Name) and func.value == "insert" and call.args:
        return call.args[0].value
    if isinstance(func, cst.Attribute) and func.attr.value == "insert":
        if call.args and get_full_name_for_node(func.value) in ("sa", "sqlalchemy"):
            return call.args[0].value
        return func.value
    return None


def _created_canonical(unit: _Unit, call: cst.Call) -> tuple[str, cst.CSTNode] | None:
    """Does this call create canonical rows? Return (token, node to report)."""
    func = call.func
    target = _insert_target(call)
    if target is not None:
        return unit.canonical_target(target)
    if isinstance(func, cst.Attribute) and func.attr.value in CREATING_METHODS:
        return unit.canonical_target(func.value)
    last = func if isinstance(func, cst.Name) else func.attr if isinstance(func, cst.Attribute) else None
    if last is not None and last.value in unit.spec.canonical_model_names:
        return last.value, last
    return None


class BackfillVisitor(cst.CSTVisitor):
    """Collect NLR101 hits for one module; run through the scanner's MetadataWrapper."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, source: SourceText, spec: BackfillSpec, sql_writes: SqlWriteFinder | None = None) -> None:
        super().__init__()
        self.source = source
        self.spec = spec
        self.sql_writes = sql_writes
        self.hits: list[Hit] = []
        self._reported: set[int] = set()
        self._module_unit = _Unit(spec, {}, {})

    def _offset(self, node: cst.CSTNode, *, end: bool = False) -> int:
        position = self.get_metadata(PositionProvider, node)
        point = position.end if end else position.start
        return self.source.offset(point.line, point.column)

    def _report(self, target: tuple[str, cst.CSTNode], source: _Source, span: tuple[int, int] | None = None) -> None:
        token, node = target
        start, end = span or (self._offset(node), self._offset(node, end=True))
        if start in self._reported:
            return
        self._reported.add(start)
        line = self.get_metadata(PositionProvider, source.node).start.line
        via = f" through `{source.via}`" if source.via else ""
        details = BackfillDetails(token, f"`{source.token}`{via}", line)
        self.hits.append(Hit(self.spec.rule.id, start, end, token, details))

    # Units -----------------------------------------------------------------------------
    def visit_Module(self, node: cst.Module) -> None:
        self._module_unit.bind([s for s in node.body if not isinstance(s, (cst.FunctionDef, cst.ClassDef))])
        for statement in node.body:
            if not isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
                self._analyse(self._module_unit, statement)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        for statement in getattr(node.body, "body", ()):
            if not isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
                self._analyse(self._module_unit, statement)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        unit = _Unit(self.spec, self._module_unit.sources, self._module_unit.canonical_names)
        unit.bind([node.body])
        self._analyse(unit, node.body)

    # Shapes ----------------------------------------------------------------------------
    def _analyse(self, unit: _Unit, scope: cst.CSTNode) -> None:
        for node in _walk(scope):
            if isinstance(node, cst.Call):
                self._from_select(unit, node)
            elif isinstance(node, cst.For):
                self._loop(unit, node.iter, [node.body])
            elif isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp)):
                self._comprehension(unit, node.for_in, [node.elt])
            elif isinstance(node, cst.DictComp):
                self._comprehension(unit, node.for_in, [node.key, node.value])

    def _from_select(self, unit: _Unit, call: cst.Call) -> None:
        func = call.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "from_select"):
            return
        if not isinstance(func.value, cst.Call):
            return
        target_expr = _insert_target(func.value)
        target = unit.canonical_target(target_expr) if target_expr is not None else None
        if target is None:
            return
        for arg in call.args:
            source = unit.legacy_source(arg.value)
            if source is not None:
                self._report(target, source)
                return

    def _comprehension(self, unit: _Unit, for_in: cst.CompFor, bodies: list[cst.CSTNode]) -> None:
        clause: cst.CompFor | None = for_in
        while clause is not None:
            self._loop(unit, clause.iter, bodies)
            clause = clause.inner_for_in

    def _loop(self, unit: _Unit, iterable: cst.CSTNode, bodies: list[cst.CSTNode]) -> None:
        source = unit.legacy_source(iterable)
        if source is None:
            return
        for body in bodies:
            for node in _walk(body):
                if isinstance(node, cst.Call):
                    created = _created_canonical(unit, node)
                    if created is not None:
                        self._report(created, source)
                elif self.sql_writes is not None and isinstance(node, cst.SimpleString):
                    self._sql_write(node, source)

    def _sql_write(self, node: cst.SimpleString, source: _Source) -> None:
        assert self.sql_writes is not None
        opening = self._offset(node) + len(node.prefix) + len(node.quote)
        for start, end, token in self.sql_writes(node.raw_value):
            self._report((token, node), source, (opening + start, opening + end))


def _backfill_hits(text: str, specs: Sequence[BackfillSpec]) -> list[Hit] | str:
    """Parse and walk once per rule; return the hits, or why the text could not be parsed."""
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        line, message = locate_syntax_error(text, error)
        return f"syntax error at line {line}: {message}"
    source = SourceText(text)
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    hits = []
    for spec in specs:
        if not spec.may_write_canonical(text):
            continue  # no canonical name of this rule in the file: nothing can be written, skip the walk
        visitor = BackfillVisitor(source, spec, partial(canonical_write_spans, spec=spec))
        wrapper.visit(visitor)
        hits += visitor.hits
    return hits


# The parse helper of the last rule set's specs (forked with them loaded, so a job is only the text).
_helper: tuple[Sequence[BackfillSpec], Isolated[str, list[Hit] | str]] | None = None


def _isolated_for(specs: Sequence[BackfillSpec]) -> Isolated[str, list[Hit] | str]:
    global _helper  # noqa: PLW0603 - one slot: a check runs one rule set at a time
    if _helper is None or _helper[0] is not specs:
        if _helper is not None:
            _helper[1].close()
        _helper = (specs, Isolated(lambda text: _backfill_hits(text, specs)))
    return _helper[1]


@analyzer(RuleKind.BACKFILL, PYTHON)
def analyze_python(source: SourceText, lexed: Lexed, ruleset: RuleSet) -> Analysis:
    """NLR101 in Python code; a file libcst cannot take is reported unchecked (NLR900), once."""
    specs = ruleset.backfill.specs
    reason = too_hard_to_parse(source.text)
    if reason is None:
        outcome = _isolated_for(specs).run(source.text)
        if isinstance(outcome.value, list):
            return Analysis(outcome.value)
        reason = outcome.value or outcome.failure
    if lexed.notices:
        return Analysis()  # the scanner already reports that this file was read the coarse way
    rules = ", ".join(spec.rule.id for spec in specs)
    return Analysis(notices=[Notice(0, f"{rules} not checked: {reason}")])
