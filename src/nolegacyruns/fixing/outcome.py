"""Which findings a fix run applies, the files it fixes, and what it says and exits with afterwards."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..findings import Finding
from ..report.model import Report
from ..report.printable import printable
from .files import FileFix, fix_file


@dataclass(frozen=True, slots=True)
class FixOptions:
    """What a fix run applies: the safe fixes (unsafe ones too with `unsafe`) of the selected rules."""

    unsafe: bool = False
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    write: bool = True

    def wants(self, finding: Finding) -> bool:
        """Does this run apply the finding's fix? (Suppressed and baselined findings never reach here.)"""
        if finding.fix is None or not (finding.fix.is_safe or self.unsafe):
            return False
        if self.select and not any(finding.rule.startswith(pattern) for pattern in self.select):
            return False
        return not any(finding.rule.startswith(pattern) for pattern in self.ignore)


def fix_findings(
    root: Path, findings: Iterable[Finding], options: FixOptions, *, keep: Iterable[Path] = ()
) -> list[FileFix]:
    """Fix each file that holds findings the options want, file by file: one file's failure stops no other.

    `keep`: files never written whatever path reaches them (the baseline), compared once resolved.
    """
    kept = frozenset(Path(os.path.realpath(path)) for path in keep)
    by_path: dict[str, list[Finding]] = {}
    for finding in findings:
        if options.wants(finding):
            by_path.setdefault(finding.path, []).append(finding)
    return [fix_file(root, path, by_path[path], write=options.write, keep=kept) for path in sorted(by_path)]


def held_back(root: Path, findings: Iterable[Finding]) -> frozenset[Finding]:
    """The findings with a safe fix that `fix` would not apply now (it would merge two names, overlap
    another fix, or the file cannot be edited): a dry run that writes nothing, for the hint after a check."""
    safe = [finding for finding in findings if finding.fix is not None and finding.fix.is_safe]
    if not safe:
        return frozenset()
    applied = {finding for file in fix_findings(root, safe, FixOptions(write=False)) for finding in file.applied}
    return frozenset(finding for finding in safe if finding not in applied)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' * (number != 1)}"


def _rules(findings: Iterable[Finding]) -> str:
    counts = Counter(f.rule for f in findings)
    return ", ".join(rule if n == 1 else f"{rule} ×{n}" for rule, n in sorted(counts.items()))


@dataclass(slots=True)
class Fixed:
    """A fix run of one project: what each file got, and the check of what is left (before it, with --diff)."""

    files: list[FileFix]
    report: Report
    options: FixOptions = field(default_factory=FixOptions)

    @property
    def applied(self) -> list[Finding]:
        return [finding for file in self.files if file.changed for finding in file.applied]

    @property
    def failed(self) -> list[FileFix]:
        return [file for file in self.files if file.error is not None]

    @property
    def exit_code(self) -> int:
        """As `check` on what is left; a file that could not be fixed, or a --diff that shows a change, fails."""
        would_change = not self.options.write and bool(self.applied)
        return max(self.report.exit_code, 1 if self.failed or would_change else 0)

    def lines(self) -> list[str]:
        """One line a file: what was fixed (or would be, with --diff); one more for each reason some fixes were not."""
        verb = "fixed" if self.options.write else "would fix"
        lines = []
        for file in self.files:
            if file.error is not None:
                lines.append(f"{printable(file.path)}: {file.error}")
            elif file.changed:
                lines.append(f"{printable(file.path)}: {verb} {len(file.applied)} ({_rules(file.applied)})")
            held: dict[str, list[Finding]] = {}
            for skipped in file.skipped:
                held.setdefault(skipped.reason, []).append(skipped.finding)
            lines += [
                f"{printable(file.path)}: not fixed {len(found)} ({_rules(found)}): {why}"
                for why, found in held.items()
            ]
        return lines

    def summary(self) -> str:
        """`Fixed 3 findings in 2 files; 4 left.` (the report before it says how many have an unsafe fix)."""
        applied = self.applied
        verb = "Fixed" if self.options.write else "Would fix"
        text = f"{verb} {_count(len(applied), 'finding')} in {_count(len({f.path for f in applied}), 'file')}"
        if not self.options.write:
            text += " (nothing written)"
        if self.failed:
            text += f"; {_count(len(self.failed), 'file')} not fixed"
        left = self.report.findings if self.options.write else [f for f in self.report.findings if f not in applied]
        return f"{text}; {len(left)} left."
