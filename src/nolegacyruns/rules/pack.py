"""Rule packs: TOML files under rules/ turned into Rule objects.

Engine code never names a legacy token; every token, message, replacement and
document comes from a pack. The bundled packs ship inside the wheel.
"""

from __future__ import annotations

import enum
import re
import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

from .. import _toml
from .._fields import FieldReader
from ..errors import UsageError
from ..filekinds import FILE_KINDS
from ..findings import Applicability, Fix, Severity
from ..safe_files import MAX_CONFIG_BYTES, read_regular
from .matching import Boundary, TokenMatcher
from .replacing import folded_replacement, replacement_for

RULE_ID = re.compile(r"^[A-Z]{2,8}[0-9]{3}$")
RULE_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")
IDENTIFIERS = "identifiers"
STRINGS = "strings"
APPLIES_TO = frozenset({IDENTIFIERS, STRINGS})
DOC_SECTIONS = (
    ("what-it-does", "What it does"),
    ("why-is-this-bad", "Why is this bad?"),
    ("example", "Example"),
    ("use-instead", "Use instead"),
)
# Optional: how the fix of a rule with replacements behaves, for people (ruff's "Fix safety").
FIX_DOC = ("fix", "Fix")
_FIX_STATUS = {
    None: "No automatic fix: `nolegacyruns fix` reports it and changes nothing.",
    Applicability.SAFE: "Safe fix: `nolegacyruns fix` replaces the token with its canonical spelling.",
    Applicability.UNSAFE: (
        "Unsafe fix: the canonical spelling is suggested (in the message and as a SARIF fix); "
        "`nolegacyruns fix --unsafe-fixes` applies it."
    ),
}
_POSITION = re.compile(r"^([1-9][0-9]*):([1-9][0-9]*)$")
_PACK_KEYS = ("pack", "rule")
_COMMON_RULE_KEYS = ("id", "name", "kind", "severity", "message", "docs", "valid", "invalid", "file-kinds")


class RuleKind(str, enum.Enum):
    """What a rule looks at: tokens (TOML only), a structure an analyzer finds, or the scan itself."""

    TOKEN = "token"
    BACKFILL = "backfill"
    SCAN = "scan"


@dataclass(frozen=True, slots=True)
class Example:
    """A snippet a rule must flag (at `expect` line:column places) or must leave alone."""

    file: str
    code: str
    expect: tuple[tuple[int, int], ...] = ()
    config: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BackfillOptions:
    """What a backfill rule declares: canonical tables and models, and the token rules naming legacy sources."""

    canonical_tables: tuple[str, ...]
    canonical_models: tuple[str, ...]
    legacy_sources_from: tuple[str, ...]
    # Relations that reach the canonical model (Eloquent's `$tenant->operationRuns()->create(…)`).
    canonical_relations: tuple[str, ...] = ()


# What only one structural kind reads; a new kind adds its record to this union.
KindOptions = BackfillOptions


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule of a pack; `options` hold what only its kind reads (token rules use `tokens` and the like)."""

    id: str
    name: str
    kind: RuleKind
    severity: Severity
    message: str
    docs: Mapping[str, str]
    valid: tuple[Example, ...]
    invalid: tuple[Example, ...]
    source: str
    file_kinds: frozenset[str] = FILE_KINDS
    applies_to: frozenset[str] = APPLIES_TO
    tokens: tuple[str, ...] = ()
    replacements: Mapping[str, str] = field(default_factory=dict)
    boundary: Boundary = Boundary.WORD
    options: KindOptions | None = None
    # Whether `fix` applies the replacements on its own (safe) or only with --unsafe-fixes; None: no fix.
    fix: Applicability | None = None

    def format_message(self, token: str = "", **details: str) -> str:
        """Fill the message template; add the canonical replacement when the pack names one."""
        text = self.message.format(token=token, **details)
        replacement = replacement_for(token, self.replacements) or folded_replacement(token, self.replacements)
        if replacement:
            text += f"; use `{replacement}` instead"
        return text

    def fix_for(self, token: str) -> Fix | None:
        """The fix of a matched token: its replacement in the token's own letter case, or None."""
        if self.fix is None:
            return None
        replacement = replacement_for(token, self.replacements)
        return None if replacement is None else Fix(replacement, self.fix)

    def documentation(self) -> str:
        """Return the rule's documentation, as `nolegacyruns explain` prints it."""
        lines = [f"# {self.name} ({self.id})", "", f"Severity: {self.severity.value}", ""]
        for key, title in DOC_SECTIONS:
            lines += [f"## {title}", "", self.docs[key].strip(), ""]
        key, title = FIX_DOC
        lines += [f"## {title}", "", _FIX_STATUS[self.fix]]
        if self.docs.get(key):
            lines += ["", self.docs[key].strip()]
        return "\n".join(lines).rstrip() + "\n"


class _KindFields(NamedTuple):
    """The fields of a Rule that its kind's reader fills."""

    tokens: tuple[str, ...] = ()
    applies_to: frozenset[str] = APPLIES_TO
    replacements: Mapping[str, str] = MappingProxyType({})
    boundary: Boundary = Boundary.WORD
    options: KindOptions | None = None
    fix: Applicability | None = None


KindReader = Callable[[FieldReader], _KindFields]


def _read_token_kind(fields: FieldReader) -> _KindFields:
    tokens = fields.strings("tokens", required=True)
    if fields.has("tokens") and not tokens:
        fields.problem("tokens", "expected at least one token")
    for token in tokens:
        if not token or token != token.strip():
            fields.problem("tokens", f"token {token!r} is empty or has surrounding space")
    applies_to = fields.strings("applies-to", sorted(APPLIES_TO))
    unknown = sorted(set(applies_to) - APPLIES_TO)
    if unknown or not applies_to:
        fields.problem("applies-to", f"expected a non-empty list of {sorted(APPLIES_TO)}, got {list(applies_to)}")
    replacements = fields.string_table("replacements")
    for token in sorted(set(replacements) - set(tokens)):
        fields.problem("replacements", f"{token!r} is not one of this rule's tokens")
    boundary_text = fields.string("boundary", Boundary.WORD.value) or Boundary.WORD.value
    try:
        boundary = Boundary(boundary_text)
    except ValueError:
        fields.problem("boundary", f"expected one of {[b.value for b in Boundary]}, got {boundary_text!r}")
        boundary = Boundary.WORD
    fix = _read_fix(fields, tokens, replacements, boundary)
    if fields.boolean("lower-camel", False):
        if not any(token[:1].isupper() for token in tokens):
            fields.problem("lower-camel", "no token starts with an upper-case letter")
        tokens, replacements = _with_lower_camel(tokens, replacements)
    return _KindFields(tokens, frozenset(applies_to) & APPLIES_TO, replacements, boundary, fix=fix)


def _read_fix(
    fields: FieldReader, tokens: tuple[str, ...], replacements: Mapping[str, str], boundary: Boundary
) -> Applicability | None:
    """`fix = "safe" | "unsafe"` (default unsafe: suggested, never applied unasked); replacements must not re-match."""
    text = fields.string("fix", Applicability.UNSAFE.value) or Applicability.UNSAFE.value
    try:
        fix = Applicability(text)
    except ValueError:
        fields.problem("fix", f"expected one of {[a.value for a in Applicability]}, got {text!r}")
        return None
    if fields.has("fix") and not replacements:
        fields.problem("fix", "the rule has no replacements to apply")
    # A replacement its own rule flags again would grow on every run of `fix`.
    own = TokenMatcher(dict.fromkeys(tokens, ""), fold_case=True, values=tokens if boundary is Boundary.VALUE else ())
    for token, replacement in replacements.items():
        if not replacement or replacement != replacement.strip() or "\n" in replacement or "\r" in replacement:
            fields.problem("replacements", f"{token!r}: the replacement is empty, on several lines or padded")
        elif next(own.finditer(replacement), None) is not None:
            fields.problem("replacements", f"{token!r}: the replacement {replacement!r} holds a token of this rule")
    return fix if replacements else None


def lower_camel(name: str) -> str:
    """`InventorySyncRuns` -> `inventorySyncRuns`."""
    return name[:1].lower() + name[1:]


def _with_lower_camel(tokens: tuple[str, ...], replacements: dict[str, str]) -> tuple[tuple[str, ...], dict[str, str]]:
    """Add each StudlyCase token's lower-camel spelling, replaced by its replacement's lower-camel spelling."""
    derived = {lower_camel(t): t for t in tokens if t[:1].isupper() and lower_camel(t) not in tokens}
    more = {camel: lower_camel(replacements[t]) for camel, t in derived.items() if t in replacements}
    return tokens + tuple(derived), {**replacements, **more}


def _read_scan_kind(fields: FieldReader) -> _KindFields:
    """Rules about the scan itself (9xx): the engine raises them, the pack documents them."""
    return _KindFields()


def _read_backfill_kind(fields: FieldReader) -> _KindFields:
    """Backfill rules (1xx): canonical targets, and the token rules whose tokens are legacy sources."""
    options = BackfillOptions(
        canonical_tables=fields.strings("canonical-tables", required=True),
        canonical_models=fields.strings("canonical-models", required=True),
        legacy_sources_from=fields.strings("legacy-sources-from", required=True),
        canonical_relations=fields.strings("canonical-relations"),
    )
    if fields.has("legacy-sources-from") and not options.legacy_sources_from:
        fields.problem("legacy-sources-from", "expected at least one rule ID")
    return _KindFields(options=options)


class _KindSpec(NamedTuple):
    """How a pack declares a rule of one kind: its reader, its own keys, the placeholders its message may use."""

    reader: KindReader
    keys: tuple[str, ...]
    placeholders: frozenset[str]


RULE_KINDS: dict[RuleKind, _KindSpec] = {
    RuleKind.TOKEN: _KindSpec(
        _read_token_kind,
        ("tokens", "applies-to", "replacements", "fix", "boundary", "lower-camel"),
        frozenset({"token"}),
    ),
    RuleKind.BACKFILL: _KindSpec(
        _read_backfill_kind,
        ("canonical-tables", "canonical-models", "canonical-relations", "legacy-sources-from"),
        frozenset({"token", "target", "source", "source_line"}),
    ),
    RuleKind.SCAN: _KindSpec(_read_scan_kind, (), frozenset({"token", "detail", "rules"})),
}


def _field_names(template: str) -> list[str]:
    """The replacement fields of a format template, those nested in format specs included."""
    names = []
    for _, name, spec, _ in string.Formatter().parse(template):
        if name is not None:
            names.append(name)
        if spec and "{" in spec:
            names += _field_names(spec)
    return names


def _check_message(fields: FieldReader, message: str, placeholders: frozenset[str], kind: RuleKind) -> None:
    """A message may name only its kind's placeholders, so it can never fail to fill at check time."""
    try:
        names = _field_names(message)
    except ValueError as error:
        fields.problem("message", f"not a valid template ({error}); write a literal brace as {{{{ or }}}}")
        return
    known = ", ".join(f"{{{name}}}" for name in sorted(placeholders))
    unknown = [name for name in dict.fromkeys(names) if name not in placeholders]
    for name in unknown:
        shown = f"{{{name}}}" if name else "{}"
        fields.problem("message", f"unknown placeholder {shown}; a {kind.value} rule's message may use {known}")
    if unknown:
        return
    # Fill it once as check time will (every value is text): nested fields in a format spec, conversions
    # and specs a string cannot take fail here, at load time, not on the first finding.
    try:
        message.format(**dict.fromkeys(placeholders, "text"))
    except (KeyError, IndexError, ValueError, AttributeError, TypeError) as error:
        fields.problem("message", f"cannot be filled ({error}); a {kind.value} rule's message may use {known}")


def _check_references(rules: list[Rule], problems: list[str]) -> None:
    """A backfill rule's legacy sources must be token rules that some pack defines."""
    token_rules = {rule.id for rule in rules if rule.kind is RuleKind.TOKEN}
    for rule in rules:
        sources = rule.options.legacy_sources_from if isinstance(rule.options, BackfillOptions) else ()
        for rule_id in sources:
            if rule_id not in token_rules:
                problems.append(f"{rule.source}: rule[{rule.id}].legacy-sources-from: {rule_id!r} is not a token rule")


def _read_examples(fields: FieldReader, key: str, *, invalid: bool) -> tuple[Example, ...]:
    examples = []
    for index, table in enumerate(fields.tables(key)):
        sub = FieldReader(table, fields.where, f"{fields.key(key)}[{index}]", fields.problems)
        sub.reject_unknown(("file", "code", "expect", "config"))
        file = sub.string("file", required=True) or ""
        code = sub.string("code", required=True) or ""
        config = sub.subtable("config")
        positions: list[tuple[int, int]] = []
        for text in sub.strings("expect", required=invalid):
            match = _POSITION.match(text)
            if match is None:
                sub.problem("expect", f"expected 'line:column' strings, got {text!r}")
            else:
                positions.append((int(match[1]), int(match[2])))
        if invalid and not positions and sub.has("expect"):
            sub.problem("expect", "an invalid example must expect at least one finding")
        if not invalid and sub.has("expect"):
            sub.problem("expect", "a valid example expects no finding; remove 'expect'")
        examples.append(Example(file, code, tuple(positions), config))
    return tuple(examples)


def _read_rule(table: dict[str, Any], where: str, index: int, problems: list[str]) -> Rule | None:
    label = f"rule[{index}]"
    if isinstance(table.get("id"), str):
        label = f"rule[{table['id']}]"
    fields = FieldReader(table, where, label, problems)
    before = len(problems)
    rule_id = fields.string("id", required=True) or ""
    if rule_id and not RULE_ID.match(rule_id):
        fields.problem("id", f"expected an ID such as 'NLR001', got {rule_id!r}")
    name = fields.string("name", required=True) or ""
    if name and not RULE_NAME.match(name):
        fields.problem("name", f"expected a kebab-case name such as 'legacy-run-table', got {name!r}")
    kind_text = fields.string("kind", RuleKind.TOKEN.value) or RuleKind.TOKEN.value
    try:
        kind = RuleKind(kind_text)
    except ValueError:
        fields.problem("kind", f"expected one of {sorted(k.value for k in RULE_KINDS)}, got {kind_text!r}")
        return None
    spec = RULE_KINDS[kind]
    fields.reject_unknown(_COMMON_RULE_KEYS + spec.keys)
    severity_text = fields.string("severity", "error") or "error"
    try:
        severity = Severity(severity_text)
    except ValueError:
        fields.problem("severity", f"expected one of error, warning, info, got {severity_text!r}")
        severity = Severity.ERROR
    message = fields.string("message", required=True) or ""
    _check_message(fields, message, spec.placeholders, kind)
    docs_table = fields.subtable("docs")
    docs_fields = FieldReader(docs_table, where, fields.key("docs"), problems)
    docs_fields.reject_unknown([key for key, _ in DOC_SECTIONS] + [FIX_DOC[0]])
    docs = {key: docs_fields.string(key, required=True) or "" for key, _ in DOC_SECTIONS}
    docs[FIX_DOC[0]] = docs_fields.string(FIX_DOC[0], "") or ""
    file_kinds = fields.strings("file-kinds", sorted(FILE_KINDS))
    unknown_kinds = sorted(set(file_kinds) - FILE_KINDS)
    if unknown_kinds:
        fields.problem("file-kinds", f"unknown file kinds {unknown_kinds}; known: {sorted(FILE_KINDS)}")
    kind_fields = spec.reader(fields)
    valid = _read_examples(fields, "valid", invalid=False)
    invalid = _read_examples(fields, "invalid", invalid=True)
    if not valid:
        fields.problem("valid", "each rule needs at least one [[rule.valid]] example")
    if not invalid:
        fields.problem("invalid", "each rule needs at least one [[rule.invalid]] example")
    if len(problems) > before:
        return None
    return Rule(
        id=rule_id,
        name=name,
        kind=kind,
        severity=severity,
        message=message,
        docs=docs,
        valid=valid,
        invalid=invalid,
        source=where,
        file_kinds=frozenset(file_kinds),
        applies_to=kind_fields.applies_to,
        tokens=kind_fields.tokens,
        replacements=kind_fields.replacements,
        boundary=kind_fields.boundary,
        options=kind_fields.options,
        fix=kind_fields.fix,
    )


def _pack_text(path: Path) -> str:
    """A pack's text: a regular file of at most MAX_CONFIG_BYTES (UsageError), in UTF-8 (UnicodeDecodeError)."""
    return read_regular(path, MAX_CONFIG_BYTES, "rule pack").decode("utf-8")


def _read_pack(path: Path, label: str, problems: list[str]) -> list[Rule]:
    try:
        data = _toml.loads(_pack_text(path))
    except UsageError as error:
        problems.append(f"rule-packs: {error.problems[0]}")
        return []
    except UnicodeDecodeError:
        problems.append(f"{label}: cannot read rule pack: not UTF-8 text")
        return []
    except _toml.TOMLDecodeError as exc:
        problems.append(f"{label}: invalid TOML: {exc}")
        return []
    top = FieldReader(data, label, "", problems)
    top.reject_unknown(_PACK_KEYS)
    top.subtable("pack")
    rules = []
    for index, table in enumerate(top.tables("rule")):
        rule = _read_rule(table, label, index, problems)
        if rule is not None:
            rules.append(rule)
    if not top.has("rule"):
        problems.append(f"{label}: rule: a pack needs at least one [[rule]]")
    return rules


def bundled_pack_files() -> list[Path]:
    """Return the packs that ship with nolegacyruns (inside the wheel, or rules/ in a checkout)."""
    # The package is installed as files (a wheel), never zipped: its folder, without importlib.resources.
    folder = Path(__file__).resolve().parents[1] / "_bundled_rules"
    if not folder.is_dir():
        folder = Path(__file__).resolve().parents[3] / "rules"
    return sorted(folder.glob("*.toml"))


def pack_files(location: Path) -> list[Path]:
    """Expand a pack location: a .toml file, or every .toml file in a folder."""
    if location.is_dir():
        return sorted(location.glob("*.toml"))
    return [location]


def load_rules(extra: Iterable[tuple[Path, str]] = ()) -> list[Rule]:
    """Load the bundled packs and extra (path, label) packs; raise UsageError listing every problem."""
    problems: list[str] = []
    sources = [(path, f"bundled pack {path.name}") for path in bundled_pack_files()]
    if not sources:
        problems.append("nolegacyruns installation: the bundled rule packs are missing; reinstall the package")
    sources += list(extra)
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for path, label in sources:
        for rule in _read_pack(path, label, problems):
            if rule.id in seen:
                problems.append(f"{label}: rule[{rule.id}].id: already defined by {seen[rule.id]}")
                continue
            seen[rule.id] = label
            rules.append(rule)
    _check_references(rules, problems)
    if problems:
        raise UsageError(problems)
    return sorted(rules, key=lambda r: r.id)


def declared_rule_ids(extra: Iterable[Path] = ()) -> list[str] | None:
    """Every `[[rule]] id` the bundled and extra packs declare, valid rule or not, for packs with problems.

    None when a pack cannot be read or parsed: it might declare any ID.
    """
    declared: set[str] = set()
    for path in [*bundled_pack_files(), *extra]:
        try:
            tables = _toml.loads(_pack_text(path)).get("rule")
        except (UsageError, UnicodeDecodeError, _toml.TOMLDecodeError):
            return None
        if isinstance(tables, list):
            declared.update(t["id"] for t in tables if isinstance(t, dict) and isinstance(t.get("id"), str))
    return sorted(declared)
