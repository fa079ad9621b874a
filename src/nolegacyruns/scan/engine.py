"""Check one file: its text (pure, `check_source`) or its path (`check_file`)."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import replace
from pathlib import Path

from ..config.loading import Config
from ..filekinds import PYTHON, kind_of
from ..findings import FileResult, Finding, Suppression, SuppressionKind, fingerprint, normalise_line
from ..rules.roles import Role
from ..rules.ruleset import RuleSet
from .analyzers import analyze
from .decoding import decode
from .scanners import Hit, Lexed, scanner_for
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


def _apply_suppressions(
    relpath: str,
    source: SourceText,
    ruleset: RuleSet,
    config: Config,
    findings: list[Finding],
    directives: list[Directive],
) -> list[Finding]:
    by_line: dict[int, list[Directive]] = {}
    for directive in directives:
        by_line.setdefault(directive.line, []).append(directive)
    covered: dict[int, set[str]] = {}
    result = []
    for finding in findings:
        suppression = None
        allow = config.allowed_by(finding.rule, relpath)
        if allow is not None:
            suppression = Suppression(SuppressionKind.ALLOW, allow.reason, config.label)
        for directive in by_line.get(finding.line, ()):
            if directive.reason and finding.rule in directive.rules:
                covered.setdefault(directive.line, set()).add(finding.rule)
                suppression = suppression or Suppression(SuppressionKind.DIRECTIVE, directive.reason)
        result.append(finding if suppression is None else replace(finding, suppressed_by=suppression))
    for directive in directives:
        result += _directive_findings(relpath, source, ruleset, directive, covered.get(directive.line, set()))
    return result


def _with_fingerprints(findings: list[Finding], source: SourceText) -> list[Finding]:
    seen: Counter[tuple[str, str, str]] = Counter()
    result = []
    for finding in sorted(findings):
        line_text = normalise_line(source.line_text(finding.line))
        key = (finding.rule, finding.token, line_text)
        result.append(
            replace(finding, fingerprint=fingerprint(finding.rule, finding.path, finding.token, line_text, seen[key]))
        )
        seen[key] += 1
    return result


def check_source(relpath: str, data: bytes, ruleset: RuleSet, config: Config) -> FileResult:
    """Check one file's bytes: decode, scan with the scanner for its kind, apply rules and directives."""
    file_kind = kind_of(relpath)
    text, notices = decode(data, python=file_kind == PYTHON)
    lexed = Lexed(notices=list(notices))
    source = SourceText(text)
    hits = []
    if ruleset.may_match(text):
        lexed.extend(scanner_for(file_kind)(relpath, text))
        hits += token_hits(text, lexed, ruleset, file_kind, config.scan_comments)
        analysis = analyze(source, lexed, file_kind, ruleset)
        hits += analysis.hits
        lexed.notices += analysis.notices
    findings = []
    # A token read both as a string and as SQL in that string, or a write seen by two readers, counts once.
    for hit in {(h.rule, h.start): h for h in hits}.values():
        if ruleset.enabled(hit.rule):
            rule = ruleset.get(hit.rule)
            findings.append(
                _finding(
                    relpath,
                    source,
                    ruleset,
                    hit,
                    rule.format_message(hit.token, **(hit.details.placeholders() if hit.details else {})),
                )
            )
    if ruleset.enabled(PARSE_RULE):
        rule = ruleset.get(PARSE_RULE)
        for notice in lexed.notices:
            hit = Hit(PARSE_RULE, notice.offset, notice.offset, "")
            findings.append(_finding(relpath, source, ruleset, hit, rule.format_message(detail=notice.detail)))
    directives = parse_directives(source, lexed.directive_spans)
    findings = _apply_suppressions(relpath, source, ruleset, config, findings, directives)
    return FileResult(relpath, tuple(_with_fingerprints(findings, source)))


def check_file(root: Path, relpath: str, ruleset: RuleSet, config: Config) -> FileResult:
    """Read and check one file; a read failure is a result with an error, not an exception."""
    try:
        with open(os.path.join(root, relpath), "rb") as handle:
            data = handle.read()
    except OSError as exc:
        return FileResult(relpath, error=f"cannot read: {exc.strerror or exc}")
    return check_source(relpath, data, ruleset, config)
