"""The baseline: findings a team accepted when adopting the guard, matched by content, not line."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..findings import Finding, normalise_line
from ..safe_files import MAX_DATA_BYTES, atomic_write, read_regular
from ..scan.source import line_of

BASELINE_VERSION = 1
_ENTRY_KEYS = frozenset({"fingerprint", "line", "path", "rule", "token"})


@dataclass(frozen=True, slots=True, order=True)
class BaselineEntry:
    """One accepted finding: its fingerprint, and the line's text for the human reading a diff."""

    path: str
    rule: str
    fingerprint: str
    token: str
    line: str

    @property
    def key(self) -> tuple[str, str, str]:
        return self.path, self.rule, self.fingerprint

    def as_dict(self) -> dict[str, str]:
        return {
            "path": self.path,
            "rule": self.rule,
            "fingerprint": self.fingerprint,
            "token": self.token,
            "line": self.line,
        }


def entry_for(finding: Finding, root: Path) -> BaselineEntry:
    """Record a finding; the line text is normalised as the fingerprint normalises it."""
    text = normalise_line(line_of(root / finding.path, finding.line))
    return BaselineEntry(finding.path, finding.rule, finding.fingerprint, finding.token, text)


def _key(finding: Finding) -> tuple[str, str, str]:
    return finding.path, finding.rule, finding.fingerprint


@dataclass(frozen=True, slots=True)
class Match:
    """Findings split by a baseline, and the entries no finding matched any more."""

    new: list[Finding]
    baselined: list[Finding]
    unmatched: list[BaselineEntry]


@dataclass(frozen=True, slots=True)
class Baseline:
    """The entries of one baseline file."""

    path: Path
    entries: tuple[BaselineEntry, ...] = ()

    def match(self, findings: Iterable[Finding]) -> Match:
        """Each entry absorbs at most one finding with its key; the rest are new."""
        remaining = Counter(entry.key for entry in self.entries)
        new, baselined = [], []
        for finding in sorted(findings):
            if remaining[_key(finding)] > 0:
                remaining[_key(finding)] -= 1
                baselined.append(finding)
            else:
                new.append(finding)
        unmatched = []
        for entry in sorted(self.entries):
            if remaining[entry.key] > 0:
                remaining[entry.key] -= 1
                unmatched.append(entry)
        return Match(new, baselined, unmatched)

    def without(self, gone: Iterable[BaselineEntry]) -> list[BaselineEntry]:
        """The entries left after dropping each gone entry once."""
        drop = Counter(gone)
        kept = []
        for entry in self.entries:
            if drop[entry] > 0:
                drop[entry] -= 1
            else:
                kept.append(entry)
        return kept


def dumps(entries: Iterable[BaselineEntry]) -> str:
    """Render a baseline file: sorted keys and entries, no line numbers, so diffs stay small."""
    document = {
        "tool": "nolegacyruns",
        "version": BASELINE_VERSION,
        "findings": [entry.as_dict() for entry in sorted(entries)],
    }
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _refuse_to_replace(path: Path) -> None:
    """A baseline is written only where no other file is: never into git's folder, never over a file
    that is not a nolegacyruns baseline (a hook, the configuration, source), whatever `baseline` says."""
    if ".git" in path.parts:
        raise UsageError(f"{path}: a baseline is never written inside .git; choose another `baseline` path")
    if not os.path.lexists(path):
        return
    try:
        document = json.loads(read_regular(path, MAX_DATA_BYTES, "the file the baseline would replace"))
    except (UsageError, ValueError, RecursionError):
        document = None
    if not (isinstance(document, dict) and document.get("tool") == "nolegacyruns"):
        raise UsageError(
            f"{path}: exists and is not a nolegacyruns baseline; not overwritten "
            "(remove it, or choose another `baseline` path)"
        )


def write_baseline(path: Path, entries: Iterable[BaselineEntry]) -> None:
    """Write the baseline in one step: a failed write leaves the previous baseline whole."""
    _refuse_to_replace(path)
    try:
        atomic_write(path, dumps(entries).encode("utf-8"))
    except OSError as exc:
        raise UsageError(f"{path}: cannot write the baseline: {exc.strerror or exc}") from None


def _entry(item: Any, index: int) -> BaselineEntry | str:
    if not isinstance(item, dict):
        return f"findings[{index}]: expected an object"
    missing = sorted(_ENTRY_KEYS - set(item))
    if missing:
        return f"findings[{index}]: missing {', '.join(missing)}"
    if not all(isinstance(item[key], str) for key in _ENTRY_KEYS):
        return f"findings[{index}]: {', '.join(sorted(_ENTRY_KEYS))} must be strings"
    return BaselineEntry(item["path"], item["rule"], item["fingerprint"], item["token"], item["line"])


def parse_baseline(path: Path, text: str) -> Baseline:
    """Validate a baseline document; raise UsageError naming the file and every problem."""
    hint = "; fix it or rewrite it with `nolegacyruns baseline`"
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}: not a valid baseline: invalid JSON ({exc}){hint}") from None
    except RecursionError:
        raise UsageError(f"{path}: not a valid baseline: invalid JSON (nested too deeply){hint}") from None
    except ValueError as exc:  # an integer of thousands of digits
        raise UsageError(f"{path}: not a valid baseline: invalid JSON ({exc}){hint}") from None
    if not isinstance(document, dict) or not isinstance(document.get("findings"), list):
        raise UsageError(f"{path}: not a valid baseline: expected an object with a 'findings' list{hint}")
    if document.get("version") != BASELINE_VERSION:
        raise UsageError(f"{path}: not a valid baseline: unsupported version {document.get('version')!r}{hint}")
    entries = [_entry(item, index) for index, item in enumerate(document["findings"])]
    problems = [f"{path}: not a valid baseline: {entry}{hint}" for entry in entries if isinstance(entry, str)]
    if problems:
        raise UsageError(problems)
    return Baseline(path, tuple(e for e in entries if isinstance(e, BaselineEntry)))


def load_baseline(path: Path) -> Baseline:
    """Read and validate a baseline: a regular file of at most MAX_DATA_BYTES."""
    try:
        text = read_regular(path, MAX_DATA_BYTES, "the baseline").decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not a valid baseline: not UTF-8 text") from None
    return parse_baseline(path, text)
