"""NLR101 in PHP (Laravel): canonical runs written from a legacy source within one function, method or closure.

Read from the Pygments PHP lexer's tokens, so comments never count. A write of canonical runs is
`Model::create/insert/upsert/…` on a canonical model (also after `::query()` or other builder
calls), `new Model(…)` that is saved (`(new Model(…))->save()`, or `$run = new Model(…)` and later
`$run->save()`), `->table('<canonical table>')->insert/insertOrIgnore/insertUsing/upsert/…`, or
`->relation()->create/createMany/…` on a canonical relation named by the pack. Its data comes from a
legacy source (a legacy model or relation, a string naming a legacy table, or a variable bound to
one of these earlier in the same unit) when:

- its arguments read one (`OperationRun::insert($rows)`, `insertUsing([...], DB::table('<legacy>'))`);
- it sits in the body of a `foreach` over one;
- it sits in a closure passed to a call on one (`InventorySyncRun::chunk(100, function ($rows) {…})`,
  `->each(…)`, `->map(fn …)`), or in a closure nested in such a closure or loop.

`$name = …` binds the variable when the right-hand side reads a legacy source and unbinds it when
assigned anything else. A closure sees the variables it `use`s, an arrow function all of its
parent's; a named function or method starts afresh. The write is reported naming the legacy source
and its line. Only files that name a canonical target and a legacy source get here (the kind's
pre-check), so the lexer runs a second time only there.

Why tokens and not a syntax tree: no maintained pure-Python PHP parser reads the PHP Laravel code is
written in. phply (PLY) has not moved since 2023; its fork lphply rejects `readonly` promoted
constructor parameters (PHP 8.1, common in Laravel jobs) and gives lines but no columns; tree-sitter-php
is a compiled extension. The Pygments lexer is already a dependency, reads any PHP version without
failing, and gives exact offsets; function, closure and loop structure is recovered from its brackets.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...filekinds import PHP
from ...rules.backfill import BackfillDetails, BackfillSpec
from ...rules.pack import RuleKind
from ...rules.ruleset import RuleSet
from ..lexed import Hit, Lexed, Notice
from ..php_atoms import CLOSING, OPENING, Atom, AtomKind, atoms_of, bracket_partners
from ..scanners.php import php_tokens
from ..scanners.pygments_lexed import LexerChoked, Token
from ..source import SourceText
from . import Analysis, analyzer

# Laravel calls that create rows: on Eloquent models and builders, relations and the query builder.
CREATING_METHODS = frozenset(
    {
        "create", "createMany", "createQuietly", "createManyQuietly", "forceCreate", "forceCreateQuietly",
        "firstOrCreate", "updateOrCreate", "updateOrInsert", "insert", "insertOrIgnore", "insertUsing",
        "insertOrIgnoreUsing", "insertGetId", "upsert", "save", "saveMany", "saveQuietly", "saveManyQuietly",
    }
)  # fmt: skip
SAVING_METHODS = frozenset({"save", "saveQuietly", "saveOrFail", "push", "pushQuietly"})
# Calls after which a chain holds rows that exist already (a save then updates them), or the parent model.
EXISTING_ROWS = frozenset(
    {
        "find", "findOrFail", "findMany", "findOr", "first", "firstOrFail", "firstOr", "firstWhere", "sole",
        "get", "all", "associate", "dissociate", "touch", "fresh", "refresh",
    }
)  # fmt: skip
# An expression starts after one of these (at its own bracket depth).
_EXPRESSION_EDGES = frozenset({";", ",", "=", "=>", "return", "??=", ".=", "echo", "yield"})


@dataclass(frozen=True, slots=True)
class _Source:
    """A legacy source: the token read, its offset, and the variable the write reached it through."""

    token: str
    start: int
    via: str | None = None


@dataclass(slots=True)
class _Unit:
    """A function, method or closure body (or the file's top level): atoms [start, end), nested units aside."""

    start: int
    end: int
    env: dict[str, _Source | None] = field(default_factory=dict)
    fed_by: _Source | None = None


@dataclass(frozen=True, slots=True)
class _Nested:
    """A closure, arrow function or named function found in a unit."""

    params: int  # index of its `(`
    body_start: int
    body_end: int
    used: tuple[str, ...]  # a closure's `use (…)` variables
    arrow: bool
    named: bool


_Write = tuple[Atom, list[tuple[int, int]]]  # the atom to report, and the atom spans of the write's data


class _Walk:
    """One file's atoms walked unit by unit for one backfill rule."""

    def __init__(self, text: str, items: list[Atom], spec: BackfillSpec) -> None:
        self.text = text
        self.items = items
        self.spec = spec
        self.partner = bracket_partners(items)
        self.found: dict[int, tuple[Atom, _Source]] = {}
        self.canonical_aliases, self.legacy_aliases = self._aliases()

    def _aliases(self) -> tuple[frozenset[str], dict[str, _Source]]:
        """Names imported `as` another: `use App\\Models\\OperationRun as Run;` and legacy models likewise."""
        canonical: set[str] = set()
        legacy: dict[str, _Source] = {}
        for index, atom in enumerate(self.items):
            if atom.kind is not AtomKind.KEYWORD or atom.text != "as":
                continue
            imported, alias = self.at(index - 1), self.at(index + 1)
            if (
                imported is None
                or alias is None
                or imported.kind is not AtomKind.NAME
                or alias.kind is not AtomKind.NAME
            ):
                continue
            if imported.text.rsplit("\\", 1)[-1] in self.spec.canonical_model_names:
                canonical.add(alias.text)
            for match in self.spec.legacy.finditer(self.text, imported.start, imported.end):
                legacy[alias.text] = _Source(match.token, match.start)
                break
        return frozenset(canonical), legacy

    # Reading the atoms -------------------------------------------------------------------------
    def at(self, index: int) -> Atom | None:
        return self.items[index] if 0 <= index < len(self.items) else None

    def is_text(self, index: int, *texts: str) -> bool:
        atom = self.at(index)
        return atom is not None and atom.kind is not AtomKind.STRING and atom.text in texts

    def close(self, index: int) -> int:
        return self.partner.get(index, len(self.items))

    def nested(self, index: int) -> _Nested | None:
        """The closure, arrow function or named function whose keyword is at index, if any."""
        keyword = self.items[index]
        if keyword.kind is not AtomKind.KEYWORD or keyword.text not in ("function", "fn"):
            return None
        position = index + 1 + self.is_text(index + 1, "&")
        name = self.at(position)
        named = keyword.text == "function" and name is not None and name.kind is AtomKind.NAME
        position += named
        if not self.is_text(position, "("):
            return None  # `use function …;`
        params = position
        position = self.close(params) + 1
        used: tuple[str, ...] = ()
        if self.is_text(position, "use") and self.is_text(position + 1, "("):
            closing = self.close(position + 1)
            used = tuple(a.text for a in self.items[position + 2 : closing] if a.kind is AtomKind.VARIABLE)
            position = closing + 1
        if keyword.text == "fn":
            while position < len(self.items) and not self.is_text(position, "=>"):
                position += 1  # a return type
            return _Nested(params, position + 1, self.expression_end(position + 1, len(self.items)), used, True, False)
        while position < len(self.items) and not self.is_text(position, "{", ";"):
            position += 1  # a return type
        if not self.is_text(position, "{"):
            return None  # an abstract or interface method
        return _Nested(params, position + 1, self.close(position), used, False, named)

    def expression_end(self, index: int, limit: int, ends: tuple[str, ...] = (",", ";")) -> int:
        """Where an expression from index ends: at one of `ends` or a closing bracket, at its own depth."""
        while index < limit:
            atom = self.items[index]
            if atom.kind is AtomKind.BRACKET and atom.text in OPENING:
                index = self.close(index) + 1
                continue
            if (atom.kind is AtomKind.BRACKET and atom.text in CLOSING) or self.is_text(index, *ends):
                return index
            index += 1
        return limit

    def expression_start(self, index: int, floor: int) -> int:
        """Walk back from index to the start of its expression (not past floor)."""
        while index > floor:
            atom = self.items[index - 1]
            if atom.kind is AtomKind.BRACKET and atom.text in (")", "]"):
                index = self.partner.get(index - 1, index - 1)
                continue
            if atom.kind is AtomKind.BRACKET or (atom.kind is not AtomKind.STRING and atom.text in _EXPRESSION_EDGES):
                return index
            index -= 1
        return index

    def enclosing_call(self, index: int, floor: int) -> int | None:
        """The unclosed `(` that directly holds index (an argument list), if any, above floor."""
        position = index - 1
        while position >= floor:
            atom = self.items[position]
            if atom.kind is AtomKind.BRACKET and atom.text in CLOSING:
                position = self.partner.get(position, position) - 1
                continue
            if atom.kind is AtomKind.BRACKET and atom.text in OPENING:
                return position if atom.text == "(" else None
            position -= 1
        return None

    # Sources and writes ------------------------------------------------------------------------
    def source_in(self, start: int, end: int, env: dict[str, _Source | None]) -> _Source | None:
        """The first legacy source atoms [start, end) read: a legacy name or string, or a bound variable."""
        for atom in self.items[start:end]:
            bound = env.get(atom.text) if atom.kind is AtomKind.VARIABLE else None
            if bound is not None:
                return _Source(bound.token, bound.start, via=atom.text)
            aliased = self.legacy_aliases.get(atom.text) if atom.kind is AtomKind.NAME else None
            if aliased is not None:
                return _Source(aliased.token, atom.start, via=atom.text)
            if atom.kind in (AtomKind.NAME, AtomKind.VARIABLE, AtomKind.STRING):
                for match in self.spec.legacy.finditer(self.text, atom.start, atom.end):
                    return _Source(match.token, match.start)
        return None

    def is_model(self, atom: Atom | None) -> bool:
        return (
            atom is not None
            and atom.kind is AtomKind.NAME
            and (
                atom.text.rsplit("\\", 1)[-1] in self.spec.canonical_model_names or atom.text in self.canonical_aliases
            )
        )

    def creating_call(self, index: int) -> tuple[int, int] | None:
        """Follow `->m(…)` and `::m(…)` calls from index; the argument span of the first creating call."""
        position = index
        existing = False
        while self.is_text(position, "->", "::", "?"):
            if self.is_text(position, "?"):  # `?->`
                position += 1
                continue
            method = self.at(position + 1)
            if method is None or method.kind is not AtomKind.NAME or not self.is_text(position + 2, "("):
                return None
            closing = self.close(position + 2)
            existing = existing or method.text in EXISTING_ROWS
            if method.text in CREATING_METHODS and not (existing and method.text in SAVING_METHODS):
                return position + 3, closing
            position = closing + 1
        return None

    def canonical_write(self, index: int, unit: _Unit) -> _Write | None:
        """Is a write of canonical runs at index? Return the atom to report and the spans of its data."""
        atom = self.items[index]
        args: tuple[int, int] | None = None
        if self.is_model(atom) and self.is_text(index + 1, "::") and not self.is_text(index - 1, "new"):
            args = self.creating_call(index + 1)
        elif atom.kind is AtomKind.KEYWORD and atom.text == "new" and self.is_model(self.at(index + 1)):
            return self.saved_new(index, unit)
        elif atom.kind is AtomKind.NAME and atom.text == "table" and self.is_text(index - 1, "->", "::"):
            return self.table_write(index)
        elif self.is_relation_call(index):
            args = self.creating_call(index + 3)
        return (atom, [args]) if args else None

    def is_relation_call(self, index: int) -> bool:
        """`->operationRuns()`: a canonical relation the pack names, called without arguments."""
        atom = self.items[index]
        return (
            atom.kind is AtomKind.NAME
            and atom.text in self.spec.canonical_relation_names
            and self.is_text(index - 1, "->")
            and self.is_text(index + 1, "(")
            and self.is_text(index + 2, ")")
        )

    def table_write(self, index: int) -> _Write | None:
        """`->table('<canonical table>')` (an alias allowed) followed by a creating call."""
        if not self.is_text(index + 1, "("):
            return None
        closing = self.close(index + 1)
        strings = [a for a in self.items[index + 2 : closing] if a.kind is AtomKind.STRING and a.text.strip("'\"")]
        if len(strings) != 1:
            return None
        string = strings[0]
        name = string.text.strip("'\"").split()[0]
        args = self.creating_call(closing + 1) if name in self.spec.canonical_table_names else None
        if args is None:
            return None
        begin = string.start + string.text.index(name)
        return Atom(AtomKind.STRING, begin, begin + len(name), name), [args]

    def saved_new(self, index: int, unit: _Unit) -> _Write | None:
        """`(new Model(…))->save()`, or `$run = new Model(…)` with `$run->save()` later in the unit."""
        model = self.items[index + 1]
        args = (index + 3, self.close(index + 2)) if self.is_text(index + 2, "(") else (index + 2, index + 2)
        after = args[1] + 1
        if self.is_text(index - 1, "(") and self.is_text(after, ")"):
            saved = self.at(after + 2)
            if self.is_text(after + 1, "->") and saved is not None and saved.text in SAVING_METHODS:
                return model, [args]
            return None
        variable = self.at(index - 2)
        if not self.is_text(index - 1, "=") or variable is None or variable.kind is not AtomKind.VARIABLE:
            return None
        data = [args]
        for position in range(after, unit.end):
            atom = self.items[position]
            if atom.kind is not AtomKind.VARIABLE or atom.text != variable.text or not self.is_text(position + 1, "->"):
                continue
            member = self.at(position + 2)
            if member is not None and member.text in SAVING_METHODS and self.is_text(position + 3, "("):
                return model, data
            if self.is_text(position + 3, "="):  # `$run->status = …` is data too
                data.append((position + 4, self.expression_end(position + 4, unit.end, (";",))))
        return None

    # The walk --------------------------------------------------------------------------------
    def walk(self, unit: _Unit) -> None:
        """Walk a unit in order: bindings, loops over legacy sources, nested units, writes."""
        env = unit.env
        loops: list[tuple[int, _Source]] = []  # (end of body, source) of foreach loops over a legacy source
        pending: list[tuple[int, str, _Source | None]] = []  # bindings that take effect where their statement ends
        closures: dict[str, tuple[int, _Nested]] = {}  # `$copy = function (…) {…};`: walked again where fed
        index = unit.start
        while index < unit.end:
            for binding in [b for b in pending if b[0] <= index]:
                pending.remove(binding)
                env[binding[1]] = binding[2]
            loops = [(end, source) for end, source in loops if index < end]
            nested = self.nested(index)
            if nested is not None:
                self.enter(index, nested, unit, loops)
                index = nested.body_end
                continue
            atom = self.items[index]
            if atom.kind is AtomKind.KEYWORD and atom.text == "foreach" and self.is_text(index + 1, "("):
                loops += self.foreach(index, unit)
            elif atom.kind is AtomKind.VARIABLE and self.is_text(index + 1, "="):
                end = self.expression_end(index + 2, unit.end, (";",))
                pending.append((end, atom.text, self.source_in(index + 2, end, env)))
                closure = self.nested(index + 2)
                if closure is not None and not closure.named:
                    closures[atom.text] = (index + 2, closure)
                else:
                    closures.pop(atom.text, None)
            elif atom.kind is AtomKind.VARIABLE and atom.text in closures:
                self.pass_closure(index, closures[atom.text], unit, loops)
            elif atom.kind is AtomKind.VARIABLE and self.is_text(index + 1, "[") and self.is_text(index + 3, "="):
                # `$rows[] = …` (or `$rows[$k] = …`): legacy rows added make the array a legacy source
                end = self.expression_end(index + 4, unit.end, (";",))
                added = self.source_in(index + 4, end, env) or (loops[-1][1] if loops else None)
                if added is not None:
                    pending.append((end, atom.text, added))
            write = self.canonical_write(index, unit)
            if write is not None:
                self.judge(write, unit, loops)
            index += 1

    def foreach(self, index: int, unit: _Unit) -> list[tuple[int, _Source]]:
        """A loop over a legacy source: its body's end and the source; the loop variables are bound to it."""
        closing = self.close(index + 1)
        keyword_as = next((p for p in range(index + 2, closing) if self.is_text(p, "as")), closing)
        source = self.source_in(index + 2, keyword_as, unit.env)
        for atom in self.items[keyword_as:closing]:
            if atom.kind is AtomKind.VARIABLE:
                unit.env[atom.text] = source  # a loop over anything else re-binds them to that
        if source is None:
            return []
        body = closing + 1
        if self.is_text(body, "{"):
            end = self.close(body)
        elif self.is_text(body, ":"):
            end = next((p for p in range(body, unit.end) if self.is_text(p, "endforeach")), unit.end)
        else:
            end = self.expression_end(body, unit.end, (";",))
        return [(end, source)]

    def call_source(self, index: int, after: int, unit: _Unit) -> _Source | None:
        """The legacy source of the call an argument at index sits in: before it (`InventorySyncRun::chunk(100, …)`)
        or after it, from `after` on (`array_map(fn ($r) => …, InventorySyncRun::all())`)."""
        call = self.enclosing_call(index, unit.start)
        if call is None:
            return None
        before = self.source_in(self.expression_start(call, unit.start), index, unit.env)
        return before or self.source_in(after, self.close(call), unit.env)

    def pass_closure(
        self, index: int, closure: tuple[int, _Nested], unit: _Unit, loops: list[tuple[int, _Source]]
    ) -> None:
        """A variable holding a closure, passed to a call on a legacy source or called on one: the closure is
        walked again, fed by it."""
        if self.is_text(index + 1, "("):  # `$copy(InventorySyncRun::all())`
            fed = self.source_in(index + 2, self.close(index + 1), unit.env)
        else:
            fed = self.call_source(index, index + 1, unit)
        if fed is not None:
            self.enter(closure[0], closure[1], unit, loops, fed)

    def enter(
        self, index: int, nested: _Nested, unit: _Unit, loops: list[tuple[int, _Source]], fed: _Source | None = None
    ) -> None:
        """Walk a nested unit with what it sees of its parent, and whether a legacy source feeds it."""
        if nested.named:
            self.walk(_Unit(nested.body_start, nested.body_end))
            return
        env = dict(unit.env) if nested.arrow else {name: unit.env.get(name) for name in nested.used}
        fed = fed or unit.fed_by or (loops[-1][1] if loops else None)
        fed = fed or self.call_source(index, nested.body_end, unit)
        for atom in self.items[nested.params : nested.body_start]:
            if atom.kind is AtomKind.VARIABLE and atom.text not in nested.used:
                env[atom.text] = fed  # a parameter shadows the parent's variable of that name
        self.walk(_Unit(nested.body_start, nested.body_end, env, fed))

    def judge(self, write: _Write, unit: _Unit, loops: list[tuple[int, _Source]]) -> None:
        target, spans = write
        source = unit.fed_by or (loops[-1][1] if loops else None)
        for start, end in spans:
            source = source or self.source_in(start, end, unit.env)
        if source is not None and target.start not in self.found:
            self.found[target.start] = (target, source)


def backfill_hits(source: SourceText, tokens: list[Token], spec: BackfillSpec) -> list[Hit]:
    """NLR101 hits for one PHP file's tokens."""
    walk = _Walk(source.text, atoms_of(tokens, source.text), spec)
    walk.walk(_Unit(0, len(walk.items)))
    hits = []
    for target, found in walk.found.values():
        via = f" through `{found.via}`" if found.via else ""
        details = BackfillDetails(target.text, f"`{found.token}`{via}", source.position(found.start)[0])
        hits.append(Hit(spec.rule.id, target.start, target.end, target.text, details))
    return hits


@analyzer(RuleKind.BACKFILL, PHP)
def analyze_php(source: SourceText, lexed: Lexed, ruleset: RuleSet) -> Analysis:
    """NLR101 in PHP code; a file the lexer chokes on is reported unchecked (NLR900), once."""
    specs = ruleset.backfill.specs
    try:
        tokens, _ = php_tokens(source.text)
    except LexerChoked as choked:
        if lexed.notices:
            return Analysis()  # the scanner already reports that this file was read the coarse way
        rules = ", ".join(spec.rule.id for spec in specs)
        return Analysis(notices=[Notice(choked.offset, f"{rules} not checked: {choked.detail}")])
    hits = []
    for spec in specs:
        hits += backfill_hits(source, tokens, spec)
    return Analysis(hits)
