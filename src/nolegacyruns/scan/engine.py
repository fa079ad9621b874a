"""Check one file: its text (pure, `check_source`) or its path (`check_file`, `examine_file`).

A check is two steps: `analyse_source` (what the content says: what the cache keeps) and `judge`
(allow entries, directives and fingerprints, applied on every run).
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from ..config.loading import Config
from ..filekinds import PYTHON, kind_of
from ..findings import FileResult, Finding, Suppression, SuppressionKind, fingerprint, normalise_line
from ..rules.roles import Role
from ..rules.ruleset import RuleSet
from ..safe_files import read_checked_file
from .analyzers import analyze
from .decoding import BINARY_SNIFF_BYTES, decode, looks_binary, plain_utf8
from .scanners import Hit, Lexed, focused_scanner_for, scanner_for
from .source import SourceText
from .suppressions import Directive, parse_directives

PARSE_RULE = "NLR900"
NO_REASON_RULE = "NLR901"
UNUSED_RULE = "NLR902"
UNKNOWN_RULE = "NLR903"


def token_hits(text: str, lexed: Lexed, ruleset: RuleSet, file_kind: str, scan_comments: bool) -> list[Hit]:
    """Run the token rules over every segment whose role they apply to.

    Segments may overlap (a string also read as SQL); check_source reports a place once.
    """
    hits = []
    for segment in lexed.segments:
        if segment.role.is_prose and not scan_comments:
            continue
        role = Role.CODE if segment.role.is_prose else segment.role
        matcher = ruleset.matcher(file_kind, role, fold_case=segment.fold_case, scan_comments=scan_comments)
        for match in matcher.finditer(text, segment.start, segment.end):
            hits.append(Hit(match.owner, match.start, match.end, match.token))
    return hits


def _finding(relpath: str, source: SourceText, ruleset: RuleSet, hit: Hit, message: str) -> Finding:
    rule = ruleset.get(hit.rule)
    line, column = source.position(hit.start)
    end_line, end_column = source.position(max(hit.end, hit.start))
    # A diff that touches only the legacy source of a backfill still changes what the finding says.
    related = hit.details.related_line() if hit.details is not None else None
    span_lines = None
    if related is not None:
        span_lines = (min(line, related), max(end_line, related))
    return Finding(
        path=relpath,
        line=line,
        column=column,
        rule=rule.id,
        end_line=end_line,
        end_column=end_column,
        message=message,
        token=hit.token,
        name=rule.name,
        severity=rule.severity,
        span_lines=span_lines,
        fix=rule.fix_for(hit.token),
    )


def _directive_findings(
    relpath: str, source: SourceText, ruleset: RuleSet, directive: Directive, covered: set[str]
) -> list[Finding]:
    """Findings about the directive itself: unknown rules, no reason, nothing suppressed."""
    results = []

    def report(rule_id: str, **details: str) -> None:
        if ruleset.enabled(rule_id):
            hit = Hit(rule_id, directive.start, directive.end, "nolegacyruns")
            results.append(_finding(relpath, source, ruleset, hit, ruleset.get(rule_id).format_message(**details)))

    rules_text = ", ".join(directive.rules)
    for rule_id in directive.rules:
        if rule_id not in ruleset.all_rules:
            report(UNKNOWN_RULE, detail=rule_id)
    if not directive.reason:
        report(NO_REASON_RULE, rules=rules_text)
    elif not covered & set(directive.rules):
        report(UNUSED_RULE, rules=rules_text)
    return results


def _covers(directive: Directive, finding: Finding) -> bool:
    return bool(directive.reason) and finding.rule in directive.rules


def _about_directives(
    relpath: str, source: SourceText, ruleset: RuleSet, findings: list[Finding], directives: list[Directive]
) -> list[Finding]:
    """Findings about the directives: what a directive covers depends on the file alone, not on allow entries."""
    covered: dict[int, set[str]] = {}
    for finding in findings:
        for directive in directives:
            if directive.line == finding.line and _covers(directive, finding):
                covered.setdefault(directive.line, set()).add(finding.rule)
    result = []
    for directive in directives:
        result += _directive_findings(relpath, source, ruleset, directive, covered.get(directive.line, set()))
    return result


@dataclass(frozen=True, slots=True)
class Analysis:
    """What a file's content says, before allow entries and directives judge it: what the cache keeps.

    `findings` are neither suppressed nor fingerprinted; `directive_findings` (NLR901-903) are about the
    directives themselves and never suppressed; `lines` holds the normalised text of every line a
    finding sits on, for fingerprints.
    """

    path: str
    findings: tuple[Finding, ...] = ()
    directive_findings: tuple[Finding, ...] = ()
    directives: tuple[Directive, ...] = ()
    lines: tuple[tuple[int, str], ...] = ()

    @property
    def says_nothing(self) -> bool:
        """No finding and no directive: most files; the cache and the workers keep such an analysis as a flag."""
        return not (self.findings or self.directive_findings or self.directives)


def judge(analysis: Analysis, config: Config) -> FileResult:
    """Apply allow entries and inline directives, then fingerprint: the step after the cache, never cached."""
    if not analysis.findings and not analysis.directive_findings:
        return FileResult(analysis.path)  # most files
    by_line: dict[int, list[Directive]] = {}
    for directive in analysis.directives:
        by_line.setdefault(directive.line, []).append(directive)
    judged = []
    for finding in analysis.findings:
        suppression = None
        allow = config.allowed_by(finding.rule, analysis.path)
        if allow is not None:
            suppression = Suppression(SuppressionKind.ALLOW, allow.reason, config.label)
        for directive in by_line.get(finding.line, ()):
            if _covers(directive, finding):
                suppression = suppression or Suppression(SuppressionKind.DIRECTIVE, directive.reason)
        judged.append(finding if suppression is None else replace(finding, suppressed_by=suppression))
    judged += analysis.directive_findings
    return FileResult(analysis.path, tuple(_with_fingerprints(judged, dict(analysis.lines))))


def _with_fingerprints(findings: list[Finding], lines: dict[int, str]) -> list[Finding]:
    seen: Counter[tuple[str, str, str]] = Counter()
    result = []
    for finding in sorted(findings):
        line_text = lines[finding.line]
        key = (finding.rule, finding.token, line_text)
        result.append(
            replace(finding, fingerprint=fingerprint(finding.rule, finding.path, finding.token, line_text, seen[key]))
        )
        seen[key] += 1
    return result


def _scan(relpath: str, text: str, file_kind: str, ruleset: RuleSet) -> Lexed:
    """The scanner's view of a file; only around the places a token could match when no structural rule
    needs the whole of it (a token rule reads a span only where it matches, a directive only its comment)."""
    focused = focused_scanner_for(file_kind)
    if focused is not None and not any(rules.may_apply(text) for rules in ruleset.structural.values()):
        return focused(relpath, text, ruleset.anchor_offsets(text))
    return scanner_for(file_kind)(relpath, text)


def analyse_source(relpath: str, data: bytes, ruleset: RuleSet, config: Config) -> Analysis:
    """Read one file's bytes: decode, scan with the scanner for its kind, run the rules; no suppression yet."""
    file_kind = kind_of(relpath)
    python = file_kind == PYTHON
    if not ruleset.may_match_bytes(data) and plain_utf8(data, python=python):
        return Analysis(relpath)  # no token, no directive, no decoding problem: nothing to say
    text, notices = decode(data, python=python)
    lexed = Lexed(notices=list(notices))
    source = SourceText(text)
    hits = []
    if ruleset.may_match(text):
        lexed.extend(_scan(relpath, text, file_kind, ruleset))
        hits += token_hits(text, lexed, ruleset, file_kind, config.scan_comments)
        analysis = analyze(source, lexed, file_kind, ruleset)
        hits += analysis.hits
        lexed.notices += analysis.notices
    findings = []
    # A token read both as a string and as SQL in that string, or a write seen by two readers, counts once.
    for hit in {(h.rule, h.start): h for h in hits}.values():
        if ruleset.enabled(hit.rule):
            rule = ruleset.get(hit.rule)
            placeholders = hit.details.placeholders() if hit.details else {}
            findings.append(_finding(relpath, source, ruleset, hit, rule.format_message(hit.token, **placeholders)))
    if ruleset.enabled(PARSE_RULE):
        rule = ruleset.get(PARSE_RULE)
        for notice in lexed.notices:
            hit = Hit(PARSE_RULE, notice.offset, notice.offset, "")
            findings.append(_finding(relpath, source, ruleset, hit, rule.format_message(detail=notice.detail)))
    directives = parse_directives(source, lexed.directive_spans)
    about = _about_directives(relpath, source, ruleset, findings, directives)
    lines = {f.line: normalise_line(source.line_text(f.line)) for f in (*findings, *about)}
    return Analysis(relpath, tuple(findings), tuple(about), tuple(directives), tuple(sorted(lines.items())))


def check_source(relpath: str, data: bytes, ruleset: RuleSet, config: Config) -> FileResult:
    """Check one file's bytes: decode, scan with the scanner for its kind, apply rules and directives."""
    return judge(analyse_source(relpath, data, ruleset, config), config)


def check_file(root: Path, relpath: str, ruleset: RuleSet, config: Config) -> FileResult:
    """Read and check one file; a read failure is a result with an error, not an exception."""
    try:
        _, data = read_checked_file(os.path.join(root, relpath))
    except OSError as exc:
        return FileResult(relpath, error=f"cannot read: {exc.strerror or exc}")
    return check_source(relpath, data, ruleset, config)


@dataclass(frozen=True, slots=True)
class Examined:
    """One file read once: its content digest and stat, and what it holds (or why it could not be read).

    `analysis` is None for a binary file, for an error, and when the digest equals the one the caller
    already knows (the cached analysis still holds).
    """

    path: str
    digest: str = ""
    stat: FileStat | None = None
    analysis: Analysis | None = None
    binary: bool = False
    error: str | None = None
    lost: bool = False  # its worker process died on it: an internal error, never cached


@dataclass(frozen=True, slots=True)
class FileStat:
    """What the cache's fast path compares: a file whose size, mtime, inode and ctime are unchanged is not
    read. The ctime, as git's index keeps it: an edit that keeps the size and puts the mtime back
    (`cp -p`, `touch -r`, `rsync -t`), or a new file given the old one's inode and mtime, still changes it."""

    size: int
    mtime_ns: int
    inode: int
    ctime_ns: int

    @classmethod
    def of(cls, result: os.stat_result) -> FileStat:
        return cls(result.st_size, result.st_mtime_ns, result.st_ino, result.st_ctime_ns)


def content_digest(data: bytes) -> str:
    # Collision-resistant: a cache shared between CI jobs must not be fooled by a crafted file.
    return hashlib.sha256(data).hexdigest()


def examine_file(
    root: Path, relpath: str, ruleset: RuleSet, config: Config, *, digest: bool = False, known_digest: str | None = None
) -> Examined:
    """Read a file once: sniff binary content, digest it (for the cache) and, unless the digest is known, analyse it."""
    try:
        info, data = read_checked_file(os.path.join(root, relpath))
    except OSError as exc:
        return Examined(relpath, error=f"cannot read: {exc.strerror or exc}")
    stat = FileStat.of(info)
    hexdigest = content_digest(data) if digest or known_digest is not None else ""
    if looks_binary(data[:BINARY_SNIFF_BYTES]):
        return Examined(relpath, hexdigest, stat, binary=True)
    if known_digest is not None and hexdigest == known_digest:
        return Examined(relpath, hexdigest, stat)
    return Examined(relpath, hexdigest, stat, analyse_source(relpath, data, ruleset, config))
