"""NLR101 in Python: within one function (or module-level statement), canonical rows written from a legacy source.

Three shapes: SQLAlchemy `insert(<canonical>).from_select(...)` / `<canonical>.insert().from_select(...)`
whose select reads a legacy source; a loop or comprehension over a legacy source whose body
creates canonical rows; and a canonical write whose data arguments read one (`bulk_insert_mappings`,
`execute(insert(…), rows)`, `executemany`, `op.bulk_insert`, Django `bulk_create`, a model built from
it). A name assigned from a legacy read is that source from the end of its assignment on, in its
function or at module level, until it is assigned something else.

The analyzer parses the file with libcst itself, isolated (a crash or stall costs only this
analysis), and only for files the backfill pre-check passes: they name a canonical target and a
legacy source. SQL in the file's strings is the SQL analyzer's; this one reads SQL only where a
loop over legacy rows runs it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial

import libcst as cst
from libcst.helpers import get_full_name_for_node
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from ...filekinds import PYTHON
from ...rules.backfill import BackfillDetails, BackfillSpec
from ...rules.pack import RuleKind
from ...rules.ruleset import RuleSet
from ..cst_parse import locate_syntax_error, too_hard_to_parse
from ..cst_walk import forget_walked, walk
from ..isolation import Isolated
from ..lexed import Hit, Lexed, Notice
from ..source import SourceText
from . import Analysis, analyzer
from .backfill_sql import canonical_write_spans

# Calls on a canonical model that create rows (Django, Laravel-style and SQLAlchemy idioms).
CREATING_METHODS = frozenset({"create", "bulk_create", "get_or_create", "update_or_create", "insert", "upsert"})

# Calls whose first argument names what is written (a model, table, `insert(…)` or SQL) and the rest the rows.
DATA_WRITING_METHODS = frozenset({"bulk_insert_mappings", "bulk_insert", "execute", "executemany"})

SqlWriteFinder = Callable[[str], list[tuple[int, int, str]]]


@dataclass(frozen=True, slots=True)
class _Source:
    token: str
    node: cst.CSTNode
    via: str | None = None


_DEFINITIONS = frozenset({cst.FunctionDef, cst.ClassDef})
_COMPREHENSIONS = frozenset({cst.ListComp, cst.SetComp, cst.GeneratorExp})


def _string_content(node: cst.CSTNode) -> str | None:
    if type(node) is cst.SimpleString:
        return node.raw_value
    if type(node) is cst.FormattedStringText:
        return node.value
    return None


# A name's bindings in a unit, in order: (where the binding takes effect, the legacy source or None).
_Bindings = dict[str, list[tuple[int, "_Source | None"]]]


class _Unit:
    """One function body or module-level statement, with the names bound to legacy sources.

    A binding takes effect where its assignment ends: a name read before it, or after the name is
    bound to something else, is not that source. Bindings inherited from the module hold throughout.
    """

    def __init__(
        self,
        spec: BackfillSpec,
        sources: _Bindings,
        canonical_names: dict[str, str],
        offset: Callable[[cst.CSTNode, bool], int],
    ) -> None:
        self.spec = spec
        self.sources: _Bindings = {name: [(-1, bindings[-1][1])] for name, bindings in sources.items()}
        # DB-API cursors that ran a legacy read (`cur.execute("SELECT … FROM <legacy table>")`): what they
        # fetch, or yield when iterated, is that source, until they run something else or are rebound.
        self.cursors: _Bindings = {}
        self.canonical_names = dict(canonical_names)
        self.offset = offset

    def bound(self, name: cst.Name, bindings_of: _Bindings | None = None) -> _Source | None:
        """The legacy source a name holds where it is read, if any (in `bindings_of`: the cursors)."""
        bindings = (self.sources if bindings_of is None else bindings_of).get(name.value)
        if not bindings:
            return None
        at = self.offset(name, False)
        held = [source for start, source in bindings if start <= at]
        return held[-1] if held else None

    def legacy_source(self, node: cst.CSTNode) -> _Source | None:
        """The first legacy source a subtree reads: a legacy token, or a name bound to one.

        A comprehension's own variables are not the names of the scope around it: reading them
        reads what the comprehension iterates, which is walked too.
        """
        local = _comprehension_names(node)
        receivers: set[int] = set()  # cursors whose method other than a fetch is called: not their rows
        for sub in walk(node):
            if self.cursors and isinstance(sub, cst.Attribute) and type(sub.value) is cst.Name:
                receivers.update([id(sub.value)] if sub.attr.value not in _FETCHING else [])
            if type(sub) is cst.Name:
                bound = self.bound(sub) if sub.value not in local else None
                if bound is None and self.cursors and id(sub) not in receivers and sub.value not in local:
                    bound = self.bound(sub, self.cursors)  # `cur.fetchall()`, `for row in cur`
                if bound is not None:  # reported where the name was bound
                    return _Source(bound.token, bound.node, via=sub.value)
                token = self.spec.legacy_in(sub.value)
            else:
                content = _string_content(sub)
                token = self.spec.legacy_in(content) if content is not None else None
            if token is not None:
                return _Source(token, sub)
        return None

    def bind(self, statements: Sequence[cst.CSTNode]) -> None:
        """Record, in order, names bound from legacy sources (or from anything else) and canonical tables.

        Bindings are assignments (also annotated, unpacking and `:=`) and loop variables; a name that
        legacy rows are appended to (`rows.append(…)`, `rows.extend(…)`, `rows += …`) holds them too.
        """
        for statement in statements:
            for sub in walk(statement):
                if type(sub) is cst.Assign:
                    for target in sub.targets:
                        self._assign(target.target, sub.value, sub)
                elif (type(sub) is cst.AnnAssign or type(sub) is cst.NamedExpr) and sub.value is not None:
                    self._assign(sub.target, sub.value, sub)
                elif type(sub) is cst.For:
                    self._assign(sub.target, sub.iter, sub.iter)
                elif type(sub) is cst.AugAssign and type(sub.target) is cst.Name:
                    self._accumulate(sub.target.value, sub.value, sub)
                elif type(sub) is cst.Call:
                    func = sub.func
                    if type(func) is cst.Attribute and type(func.value) is cst.Name and func.attr.value in _ADDING:
                        for arg in sub.args:
                            self._accumulate(func.value.value, arg.value, sub)
                    elif type(func) is cst.Attribute and type(func.value) is cst.Name and func.attr.value == "execute":
                        self._ran(func.value.value, sub)

    def _assign(self, target: cst.BaseExpression, value: cst.BaseExpression, where: cst.CSTNode) -> None:
        """Bind the names of an assignment target; `a, b = x, y` pairs them, `a, b = rows` gives both rows."""
        if type(target) in _UNPACKING and type(value) in _UNPACKING:
            assert isinstance(target, (cst.Tuple, cst.List)) and isinstance(value, (cst.Tuple, cst.List))
            starred = any(type(element) is cst.StarredElement for element in (*target.elements, *value.elements))
            if len(target.elements) == len(value.elements) and not starred:
                for left, right in zip(target.elements, value.elements, strict=True):
                    self._assign(left.value, right.value, where)
                return
        names = _target_names(target)
        if not names:
            return
        source = self.legacy_source(value)
        canonical = None if source else self.canonical_target(value)
        for name in names:
            if source is not None or name in self.sources:
                self.sources.setdefault(name, []).append((self.offset(where, True), source))
            if name in self.cursors:  # a new cursor (or anything else) under the old name
                self.cursors[name].append((self.offset(where, True), None))
            if canonical is not None:
                self.canonical_names[name] = canonical[0]

    def _ran(self, cursor: str, call: cst.Call) -> None:
        """`cursor.execute(sql, …)`: a legacy read makes the cursor's rows that source; anything else ends it."""
        source = self.legacy_source(call.args[0].value) if call.args else None
        if source is not None or cursor in self.cursors:
            self.cursors.setdefault(cursor, []).append((self.offset(call, True), source))

    def _accumulate(self, name: str, value: cst.BaseExpression, where: cst.CSTNode) -> None:
        """Legacy rows added to a collection make it a legacy source from there on (adding others changes nothing)."""
        source = self.legacy_source(value)
        if source is not None:
            self.sources.setdefault(name, []).append((self.offset(where, True), source))

    def canonical_target(self, node: cst.CSTNode) -> tuple[str, cst.CSTNode] | None:
        """Is this expression the canonical table or model? Return (token, node to report).

        Accepted: a name bound to one, `operation_runs`, `tables.operation_runs`, `OperationRun`,
        `OperationRun.__table__`, `OperationRun.objects`, and `Table("operation_runs", ...)`.
        """
        if type(node) is cst.Name and node.value in self.canonical_names:
            return self.canonical_names[node.value], node
        if type(node) is cst.Call:
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


# Methods that add their arguments to the collection they are called on.
_ADDING = frozenset({"append", "extend", "add", "update", "insert", "appendleft"})
# DB-API cursor methods that return the rows of the statement it ran.
_FETCHING = frozenset({"fetchall", "fetchmany", "fetchone"})
_UNPACKING = frozenset({cst.Tuple, cst.List})


def _target_names(target: cst.BaseExpression) -> list[str]:
    """The names an assignment or loop target binds: `a`, `a, b`, `[a, *b]`, `(a, (b, c))`."""
    if type(target) is cst.Name:
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [name for element in target.elements for name in _target_names(element.value)]
    if type(target) is cst.StarredElement:
        return _target_names(target.value)
    return []


def _comprehension_names(node: cst.CSTNode) -> frozenset[str]:
    """The names bound by the `for` clauses of comprehensions inside node."""
    names: set[str] = set()
    for sub in walk(node):
        if type(sub) is cst.CompFor:
            names.update(_target_names(sub.target))
    return frozenset(names)


_TABLE_HANDLES = frozenset({"__table__", "table", "objects", "query"})


def _dotted_parts(node: cst.CSTNode) -> list[tuple[str, cst.CSTNode]]:
    """`a.b.c` as [("a", Name a), ("b", Name b), ("c", Name c)]; [] for anything else."""
    if type(node) is cst.Name:
        return [(node.value, node)]
    if type(node) is cst.Attribute:
        head = _dotted_parts(node.value)
        return [*head, (node.attr.value, node.attr)] if head else []
    return []


def _insert_target(call: cst.Call) -> cst.BaseExpression | None:
    """For `insert(X)` or `X.insert()`, return X."""
    func = call.func
    if type(func) is cst.Name and func.value == "insert" and call.args:
        return call.args[0].value
    if type(func) is cst.Attribute and func.attr.value == "insert":
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
    if type(func) is cst.Attribute and func.attr.value in CREATING_METHODS:
        return unit.canonical_target(func.value)
    last = func if type(func) is cst.Name else func.attr if type(func) is cst.Attribute else None
    if last is not None and last.value in unit.spec.canonical_model_names:
        return last.value, last
    return None


class BackfillVisitor:
    """Collect NLR101 hits for one module: its module-level statements, then each class and function body.

    Positions come from libcst's PositionProvider, resolved only when one is needed (a hit, or a
    read of a name bound to a legacy source): most files the pre-check lets through have neither.
    """

    def __init__(
        self, wrapper: MetadataWrapper, source: SourceText, spec: BackfillSpec, sql_writes: SqlWriteFinder | None = None
    ) -> None:
        self.wrapper = wrapper
        self.source = source
        self.spec = spec
        self.sql_writes = sql_writes
        self.hits: list[Hit] = []
        self._reported: set[int] = set()
        self._positions: Mapping[cst.CSTNode, CodeRange] | None = None
        self._module_unit = _Unit(spec, {}, {}, self._offset_of)

    def run(self) -> list[Hit]:
        module = self.wrapper.module
        self._visit_module(module)
        for node in walk(module, skip_scopes=False):
            if type(node) is cst.ClassDef:
                self._visit_class(node)
            elif type(node) is cst.FunctionDef:
                self._visit_function(node)
        return self.hits

    def _position(self, node: cst.CSTNode) -> CodeRange:
        if self._positions is None:
            self._positions = self.wrapper.resolve(PositionProvider)
        return self._positions[node]

    def _offset_of(self, node: cst.CSTNode, end: bool) -> int:
        return self._offset(node, end=end)

    def _offset(self, node: cst.CSTNode, *, end: bool = False) -> int:
        position = self._position(node)
        point = position.end if end else position.start
        return self.source.offset(point.line, point.column)

    def _report(self, target: tuple[str, cst.CSTNode], source: _Source, span: tuple[int, int] | None = None) -> None:
        token, node = target
        start, end = span or (self._offset(node), self._offset(node, end=True))
        if start in self._reported:
            return
        self._reported.add(start)
        line = self._position(source.node).start.line
        via = f" through `{source.via}`" if source.via else ""
        details = BackfillDetails(token, f"`{source.token}`{via}", line)
        self.hits.append(Hit(self.spec.rule.id, start, end, token, details))

    # Units -----------------------------------------------------------------------------
    def _visit_module(self, node: cst.Module) -> None:
        self._module_unit.bind([s for s in node.body if type(s) not in _DEFINITIONS])
        for statement in node.body:
            if type(statement) not in _DEFINITIONS:
                self._analyse(self._module_unit, statement)

    def _visit_class(self, node: cst.ClassDef) -> None:
        for statement in getattr(node.body, "body", ()):
            if type(statement) not in _DEFINITIONS:
                self._analyse(self._module_unit, statement)

    def _visit_function(self, node: cst.FunctionDef) -> None:
        unit = _Unit(self.spec, self._module_unit.sources, self._module_unit.canonical_names, self._offset_of)
        unit.bind([node.body])
        self._analyse(unit, node.body)

    # Shapes ----------------------------------------------------------------------------
    def _analyse(self, unit: _Unit, scope: cst.CSTNode) -> None:
        for node in walk(scope):
            if type(node) is cst.Call:
                self._from_select(unit, node)
            elif type(node) is cst.For:
                self._loop(unit, node.iter, [node.body])
            elif type(node) in _COMPREHENSIONS and isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp)):
                self._comprehension(unit, node.for_in, [node.elt])
            elif type(node) is cst.DictComp:
                self._comprehension(unit, node.for_in, [node.key, node.value])
        # Writes that take legacy rows as data, unless a loop or comprehension inside was reported already.
        for node in walk(scope):
            if type(node) is cst.Call:
                self._data_write(unit, node)

    def _data_write(self, unit: _Unit, call: cst.Call) -> None:
        """A canonical write whose data arguments read a legacy source (a name bound to one, most often).

        `session.bulk_insert_mappings(OperationRun, rows)`, `session.execute(insert(OperationRun), rows)`,
        `conn.executemany("INSERT INTO operation_runs …", rows)`, `op.bulk_insert(operation_runs, rows)`,
        `OperationRun.objects.bulk_create(objs)`, `OperationRun(**row)`.
        """
        created = _created_canonical(unit, call)
        data = list(call.args)
        target: cst.BaseExpression | None = None
        if created is None:
            func = call.func
            if not (type(func) is cst.Attribute and func.attr.value in DATA_WRITING_METHODS and len(call.args) > 1):
                return
            target, data = call.args[0].value, list(call.args[1:])
            inserted = _insert_target(target) if type(target) is cst.Call else None
            created = unit.canonical_target(inserted if inserted is not None else target)
        source = next((s for s in (unit.legacy_source(arg.value) for arg in data) if s is not None), None)
        if source is None:
            return
        start, end = self._offset(call), self._offset(call, end=True)
        if any(start <= reported < end for reported in self._reported):
            return
        if created is not None:
            self._report(created, source)
        elif self.sql_writes is not None and target is not None:
            for node in walk(target):
                if type(node) is cst.SimpleString:
                    self._sql_write(node, source)

    def _from_select(self, unit: _Unit, call: cst.Call) -> None:
        func = call.func
        if not (type(func) is cst.Attribute and func.attr.value == "from_select"):
            return
        if type(func.value) is not cst.Call:
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
            for node in walk(body):
                if type(node) is cst.Call:
                    created = _created_canonical(unit, node)
                    if created is not None:
                        self._report(created, source)
                elif self.sql_writes is not None and type(node) is cst.SimpleString:
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
    try:
        for spec in specs:
            if not spec.may_write_canonical(text):
                continue  # no canonical name of this rule in the file: nothing can be written, skip the walk
            hits += BackfillVisitor(wrapper, source, spec, partial(canonical_write_spans, spec=spec)).run()
    finally:
        forget_walked()  # the walk's cache is keyed by id(): valid only while this module lives
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
