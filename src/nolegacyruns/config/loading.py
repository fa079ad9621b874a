"""Find the project root and load `[tool.nolegacyruns]` (or nolegacyruns.toml), validating every key."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from .. import _toml
from .._fields import FieldReader
from ..errors import UsageError
from ..safe_files import MAX_CONFIG_BYTES, outside_root, read_regular

if TYPE_CHECKING:
    import pathspec

CONFIG_FILES = ("nolegacyruns.toml", ".nolegacyruns.toml", "pyproject.toml")
DEFAULT_PATHS = ("app", "database", "resources", "routes")
_KEYS = (
    "paths",
    "exclude",
    "respect-gitignore",
    "rule-packs",
    "select",
    "ignore",
    "scan-comments",
    "allow",
    "baseline",
    "max-file-size",
)
# Files larger than this are not read (reported as skipped, with NLR900): a 200 MB file costs minutes.
DEFAULT_MAX_FILE_SIZE = 4 << 20


@dataclass(frozen=True, slots=True)
class AllowEntry:
    """Rules permitted in files matching globs, with the reason a reviewer reads."""

    globs: tuple[str, ...]
    rules: frozenset[str]
    reason: str
    spec: pathspec.GitIgnoreSpec | None = field(compare=False, repr=False)  # None: no glob

    def permits(self, rule_id: str, relpath: str) -> bool:
        return rule_id in self.rules and self.spec is not None and self.spec.match_file(relpath)


@dataclass(frozen=True, slots=True)
class Config:
    """The validated settings of one project."""

    root: Path
    source: Path | None = None
    paths: tuple[str, ...] = DEFAULT_PATHS
    exclude: tuple[str, ...] = ()
    respect_gitignore: bool = True
    rule_packs: tuple[str, ...] = ()
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    scan_comments: bool = False
    allow: tuple[AllowEntry, ...] = ()
    baseline: str = ".nolegacyruns-baseline.json"
    max_file_size: int = DEFAULT_MAX_FILE_SIZE

    @property
    def label(self) -> str:
        return self.source.name if self.source else "defaults"

    def allowed_by(self, rule_id: str, relpath: str) -> AllowEntry | None:
        return next((entry for entry in self.allow if entry.permits(rule_id, relpath)), None)


def _read_config_table(path: Path) -> dict[str, Any] | None:
    """Return the nolegacyruns table of a config file, or None when the file holds none."""
    try:
        data = _toml.loads(read_regular(path, MAX_CONFIG_BYTES, "the configuration").decode("utf-8"))
    except UnicodeDecodeError:
        raise UsageError(f"{path}: cannot read: not UTF-8 text") from None
    except _toml.TOMLDecodeError as exc:
        raise UsageError(f"{path}: invalid TOML: {exc}") from None
    if path.name != "pyproject.toml":
        return data
    tool = data.get("tool", {})
    table = tool.get("nolegacyruns") if isinstance(tool, dict) else None
    if table is None:
        return None
    if not isinstance(table, dict):
        raise UsageError(f"{path}: tool.nolegacyruns: expected a table")
    return table


def find_config(start: Path) -> tuple[Path, Path | None, dict[str, Any]]:
    """Walk upward from start to the nearest folder with nolegacyruns settings.

    Returns (root, config file or None, table). With no settings anywhere, the root is start.
    """
    start = start.resolve()
    for folder in (start, *start.parents):
        for name in CONFIG_FILES:
            candidate = folder / name
            if candidate.is_file():
                table = _read_config_table(candidate)
                if table is not None:
                    return folder, candidate, table
    return start, None, {}


def _check_relative(fields: FieldReader, key: str, values: tuple[str, ...]) -> None:
    for value in values:
        pure = PurePosixPath(value.replace("\\", "/"))
        if not value.strip() or pure.is_absolute() or ".." in pure.parts:
            fields.problem(
                key, f"{value!r} must be a path relative to the project root, inside it (outside the project)"
            )


def _confined(fields: FieldReader, root: Path, key: str, values: tuple[str, ...]) -> list[str]:
    """Report and return the values that are absolute, climb out, or resolve (through links) outside the root."""
    _check_relative(fields, key, values)
    refused = []
    for value in values:
        pure = PurePosixPath(value.replace("\\", "/"))
        if not value.strip() or pure.is_absolute() or ".." in pure.parts:
            refused.append(value)
        elif outside_root(root, root / value):
            fields.problem(key, f"{value!r} resolves outside the project (to {os.path.realpath(root / value)})")
            refused.append(value)
    return refused


def _compile_globs(fields: FieldReader, key: str, globs: tuple[str, ...]) -> pathspec.GitIgnoreSpec | None:
    """Compile globs one by one, so a problem names its entry; the spec holds the good ones."""
    if not globs:
        return None
    import pathspec  # loaded only for a configuration that has globs

    good = []
    for index, glob in enumerate(globs):
        try:
            pathspec.GitIgnoreSpec.from_lines([glob])
        except re.error as exc:
            # exc.msg, not str(exc): the position str() adds counts into pathspec's regex, not the glob.
            fields.problem(f"{key}[{index}]", f"invalid glob {glob!r}: {exc.msg}")
        except (ValueError, TypeError):
            fields.problem(f"{key}[{index}]", f"invalid glob {glob!r}: not a valid gitignore-style pattern")
        else:
            good.append(glob)
    return pathspec.GitIgnoreSpec.from_lines(good)


def _read_allow(fields: FieldReader, key: str) -> tuple[AllowEntry, ...]:
    entries = []
    for index, table in enumerate(fields.tables("allow")):
        sub = FieldReader(table, fields.where, f"{key}[{index}]", fields.problems)
        sub.reject_unknown(("paths", "rules", "reason"))
        globs = sub.strings("paths", required=True)
        rules = sub.strings("rules", required=True)
        reason = sub.string("reason", required=True) or ""
        if sub.has("paths") and not globs:
            sub.problem("paths", "expected at least one glob")
        if sub.has("rules") and not rules:
            sub.problem("rules", "expected at least one rule ID")
        spec = _compile_globs(sub, "paths", globs)
        entries.append(AllowEntry(globs, frozenset(rules), reason, spec))
    return tuple(entries)


def load_config(start: Path) -> Config:
    """Find and validate the configuration for start; raise UsageError listing every problem.

    A config with problems also has its rule packs and rule IDs checked, so one run shows all of them.
    """
    root, source, table = find_config(start)
    if source is None:
        return Config(root=root)
    where = source.name if source.parent == root else str(source)
    prefix = "tool.nolegacyruns" if source.name == "pyproject.toml" else ""
    allow_key = f"{prefix}.allow" if prefix else "allow"
    problems: list[str] = []
    fields = FieldReader(table, where, prefix, problems)
    fields.reject_unknown(_KEYS)
    paths = fields.strings("paths", DEFAULT_PATHS)
    if fields.has("paths") and not paths:
        fields.problem("paths", "expected at least one path")
    _confined(fields, root, "paths", paths)
    exclude = fields.strings("exclude")
    _compile_globs(fields, "exclude", exclude)
    rule_packs = fields.strings("rule-packs")
    refused_packs = _confined(fields, root, "rule-packs", rule_packs)
    missing_packs = [pack for pack in rule_packs if pack not in refused_packs and not (root / pack).exists()]
    for pack in missing_packs:
        fields.problem("rule-packs", f"{pack!r} does not exist (looked for {root / pack})")
    missing_packs += refused_packs
    baseline = fields.string("baseline", ".nolegacyruns-baseline.json") or ".nolegacyruns-baseline.json"
    _confined(fields, root, "baseline", (baseline,))
    config = Config(
        root=root,
        source=source,
        paths=paths,
        exclude=exclude,
        respect_gitignore=fields.boolean("respect-gitignore", True),
        rule_packs=rule_packs,
        select=fields.strings("select"),
        ignore=fields.strings("ignore"),
        scan_comments=fields.boolean("scan-comments", False),
        allow=_read_allow(fields, allow_key),
        baseline=baseline,
        max_file_size=fields.integer("max-file-size", DEFAULT_MAX_FILE_SIZE),
    )
    if problems:
        raise UsageError(problems + _rule_problems(config, missing_packs))
    return config


def _rule_problems(config: Config, missing_packs: list[str]) -> list[str]:
    """The rule-pack and rule-ID problems of a config that has problems of its own, to report them all at once.

    A missing pack (already reported) might define any rule ID, so with one the IDs are not checked.
    """
    from .selection import build_ruleset  # selection builds on this module

    if missing_packs:
        kept = tuple(pack for pack in config.rule_packs if pack not in missing_packs)
        config = replace(config, rule_packs=kept, select=(), ignore=(), allow=())
    try:
        build_ruleset(config)
    except UsageError as error:
        return error.problems
    return []
