"""Findings and per-file results."""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field


class Severity(str, enum.Enum):
    """How much a finding matters; only errors fail a check."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class SuppressionKind(enum.Enum):
    """What keeps a finding from counting: a comment in the code, a configured allow entry, or the baseline."""

    DIRECTIVE = "directive"
    ALLOW = "allow"
    BASELINE = "baseline"

    @property
    def in_source(self) -> bool:
        """Written next to the code (SARIF's `inSource`); the others live outside it (`external`)."""
        return self is SuppressionKind.DIRECTIVE


@dataclass(frozen=True, slots=True)
class Suppression:
    """Why a finding is suppressed: its kind, the reason people wrote, and where they wrote it (allow, baseline)."""

    kind: SuppressionKind
    reason: str
    where: str = ""

    @property
    def justification(self) -> str:
        """The reason as a reader sees it: `allowed by pyproject.toml: …`, `recorded in the baseline …`."""
        if self.kind is SuppressionKind.ALLOW:
            return f"allowed by {self.where}: {self.reason}"
        if self.kind is SuppressionKind.BASELINE:
            return f"recorded in the baseline {self.where}"
        return self.reason

    def __str__(self) -> str:
        return self.justification


class Applicability(str, enum.Enum):
    """Whether `nolegacyruns fix` applies a replacement on its own, or only with `--unsafe-fixes`."""

    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True, slots=True)
class Fix:
    """The canonical text that replaces a finding's token (exactly its span), and whether that is safe."""

    replacement: str
    applicability: Applicability

    @property
    def is_safe(self) -> bool:
        return self.applicability is Applicability.SAFE


@dataclass(frozen=True, slots=True, order=True)
class Finding:
    """One reported place: `path:line:col: ID message` when printed."""

    path: str
    line: int
    column: int
    rule: str
    end_line: int
    end_column: int
    message: str
    token: str
    name: str = field(default="", compare=False)
    severity: Severity = field(default=Severity.ERROR, compare=False)
    fingerprint: str = field(default="", compare=False)
    suppressed_by: Suppression | None = field(default=None, compare=False)
    # The lines the finding rests on when they reach past its own (NLR101: target and legacy source).
    span_lines: tuple[int, int] | None = field(default=None, compare=False)
    # The replacement of `token` at this span, when the rule's pack names one.
    fix: Fix | None = field(default=None, compare=False)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.rule} {self.message}"

    @property
    def is_suppressed(self) -> bool:
        return self.suppressed_by is not None


def normalise_line(line_text: str) -> str:
    """A line's text as fingerprints and baselines compare it: whitespace runs folded to one space."""
    return " ".join(line_text.split())


def fingerprint(rule: str, path: str, token: str, line_text: str, occurrence: int) -> str:
    """Return a fingerprint that survives lines moving: no line numbers, only content."""
    normalised = normalise_line(line_text)
    key = "\x1f".join((rule, path, token, normalised, str(occurrence)))
    # A path that is not valid UTF-8 holds surrogates (os.fsdecode); they hash as the original bytes.
    return hashlib.sha256(key.encode("utf-8", errors="surrogateescape")).hexdigest()[:20]


@dataclass(frozen=True, slots=True)
class FileResult:
    """What checking one file produced: findings (suppressed ones included) or an error."""

    path: str
    findings: tuple[Finding, ...] = ()
    error: str | None = None
    # The check of this file was lost (its worker process died): an internal error, never a pass.
    lost: bool = False

    @property
    def active(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.is_suppressed)

    @property
    def suppressed(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.is_suppressed)
