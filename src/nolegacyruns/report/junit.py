"""JUnit XML: one testcase per file checked, a failure per finding that fails the check.

Warnings and notes, which do not fail a check, go to the testcase's system-out. The suite's
`failures` counts failing testcases, so tests - failures - errors is the number that passed.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from typing import TYPE_CHECKING

from ..findings import Finding, Severity

if TYPE_CHECKING:
    from .model import Report

SUITE_NAME = "nolegacyruns"
# Characters XML 1.0 cannot hold, even escaped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _testcase(path: str, findings: list[Finding], error: str | None) -> tuple[ET.Element, bool]:
    case = ET.Element("testcase", {"classname": SUITE_NAME, "name": _xml_text(path), "file": _xml_text(path)})
    failing = [f for f in findings if f.severity is Severity.ERROR]
    for finding in failing:
        failure = ET.SubElement(
            case, "failure", {"message": _xml_text(f"{finding.rule} {finding.message}"), "type": finding.rule}
        )
        failure.text = _xml_text(str(finding))
    if error is not None:
        ET.SubElement(case, "error", {"message": _xml_text(error), "type": "unreadable"}).text = _xml_text(
            f"{path}: {error}"
        )
    notes = [str(f) for f in findings if f.severity is not Severity.ERROR]
    if notes:
        ET.SubElement(case, "system-out").text = _xml_text("\n".join(notes))
    return case, bool(failing)


def format_junit(report: Report, color: bool = False) -> str:
    by_path: dict[str, list[Finding]] = defaultdict(list)
    for finding in report.findings:
        by_path[finding.path].append(finding)
    suite = ET.Element("testsuite", {"name": SUITE_NAME})
    failures = errors = 0
    for result in sorted(report.results, key=lambda r: r.path):
        case, failed = _testcase(result.path, by_path[result.path], result.error)
        suite.append(case)
        if result.error is not None:
            errors += 1
        elif failed:
            failures += 1
    counts = {"tests": str(len(report.results)), "failures": str(failures), "errors": str(errors), "skipped": "0"}
    suite.attrib.update(counts)
    suites = ET.Element("testsuites", {"name": SUITE_NAME, **counts})
    suites.append(suite)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
