"""SARIF 2.1.0: valid against the official schema, with rule docs, locations, fingerprints and suppressions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from cli_support import FIXTURE, invoke
from helpers import LEGACY_MODULE, run_cli, write_files
from nolegacyruns import check
from nolegacyruns.report.sarif import FINGERPRINT_KEY, ROOT_ID

# A copy of the OASIS schema (errata01), kept in the repository so the test needs no network.
SCHEMA = json.loads((Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


def _validate(document: dict[str, Any]) -> None:
    validator_class = jsonschema.validators.validator_for(SCHEMA)
    validator_class.check_schema(SCHEMA)
    errors = sorted(
        validator_class(SCHEMA, format_checker=validator_class.FORMAT_CHECKER).iter_errors(document), key=str
    )
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def _sarif(project: Path, *args: str) -> dict[str, Any]:
    result = invoke(project, "check", "--format", "sarif", *args)
    assert result.exit_code in (0, 1), result.output
    document: dict[str, Any] = json.loads(result.stdout)
    _validate(document)
    return document


@pytest.fixture(scope="module")
def fixture_run() -> dict[str, Any]:
    [run] = _sarif(FIXTURE)["runs"]
    return run


def test_the_schema_rejects_a_broken_log() -> None:
    with pytest.raises(AssertionError):
        _validate({"version": "2.1.0", "runs": [{"tool": {"driver": {}}}]})


def test_fixture_project_results_match_the_findings(fixture_run: dict[str, Any]) -> None:
    report = check(FIXTURE)
    active = [r for r in fixture_run["results"] if "suppressions" not in r]
    got = [
        (
            r["ruleId"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            r["locations"][0]["physicalLocation"]["region"]["startColumn"],
            r["locations"][0]["physicalLocation"]["region"]["endColumn"],
            r["message"]["text"],
            r["partialFingerprints"][FINGERPRINT_KEY],
        )
        for r in active
    ]
    assert got == [(f.rule, f.path, f.line, f.column, f.end_column, f.message, f.fingerprint) for f in report.findings]


def test_locations_are_relative_to_the_project_root(fixture_run: dict[str, Any]) -> None:
    base = fixture_run["originalUriBaseIds"][ROOT_ID]["uri"]
    assert base == FIXTURE.resolve().as_uri() + "/"
    for result in fixture_run["results"]:
        artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert artifact["uriBaseId"] == ROOT_ID
        assert (FIXTURE / artifact["uri"]).is_file()


def test_rules_carry_their_documentation(fixture_run: dict[str, Any]) -> None:
    report = check(FIXTURE)
    rules = fixture_run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == sorted(report.ruleset.rules)
    nlr001 = next(rule for rule in rules if rule["id"] == "NLR001")
    assert nlr001["name"] == "legacy-run-table"
    assert nlr001["shortDescription"]["text"].startswith("Flags the names of the three dropped legacy run tables")
    assert "The cutover dropped these tables" in nlr001["fullDescription"]["text"]
    assert nlr001["help"]["text"] == report.ruleset.get("NLR001").documentation()
    assert nlr001["defaultConfiguration"]["level"] == "error"
    for result in fixture_run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_suppressed_findings_carry_the_directive_reason(fixture_run: dict[str, Any]) -> None:
    suppressed = {
        r["locations"][0]["physicalLocation"]["region"]["startLine"]: r["suppressions"]
        for r in fixture_run["results"]
        if "suppressions" in r
        and r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app/suppressed.py"
    }
    assert suppressed[2] == [
        {"kind": "inSource", "status": "accepted", "justification": "named by the cutover migration"}
    ]


def test_config_allow_is_an_external_suppression(tmp_path: Path) -> None:
    config = '[[allow]]\npaths = ["app/legacy.py"]\nrules = ["NLR001"]\nreason = "kept until the cutover"\n'
    write_files(tmp_path, {"nolegacyruns.toml": config, "app/legacy.py": LEGACY_MODULE})
    [result] = _sarif(tmp_path)["runs"][0]["results"]
    assert result["suppressions"] == [
        {
            "kind": "external",
            "status": "accepted",
            "justification": "allowed by nolegacyruns.toml: kept until the cutover",
        }
    ]


def test_columns_count_code_points(tmp_path: Path) -> None:
    write_files(tmp_path, {"nolegacyruns.toml": "", "app/café.py": 'name = "📦 café"; t = "inventory_sync_runs"\n'})
    run = _sarif(tmp_path)["runs"][0]
    assert run["columnKind"] == "unicodeCodePoints"
    [result] = run["results"]
    region = result["locations"][0]["physicalLocation"]["region"]
    assert (region["startColumn"], region["endColumn"]) == (23, 23 + len("inventory_sync_runs"))
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app/caf%C3%A9.py"


def test_baselined_findings_are_unchanged_and_new_ones_new(tmp_path: Path) -> None:
    write_files(tmp_path, {"nolegacyruns.toml": "", "app/legacy.py": LEGACY_MODULE})
    assert invoke(tmp_path, "baseline").exit_code == 0
    write_files(tmp_path, {"app/new.py": 'T = "backup_schedule_runs"\n'})
    results = _sarif(tmp_path)["runs"][0]["results"]
    states = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r for r in results}
    assert states["app/legacy.py"]["baselineState"] == "unchanged"
    assert states["app/legacy.py"]["suppressions"][0]["kind"] == "external"
    assert states["app/new.py"]["baselineState"] == "new"
    assert "suppressions" not in states["app/new.py"]


def test_sarif_in_a_real_subprocess() -> None:
    result = run_cli("check", "--format", "sarif", cwd=FIXTURE)
    assert result.returncode == 1
    _validate(json.loads(result.stdout))


def test_the_suppression_kind_comes_from_its_source_not_its_wording(tmp_path: Path) -> None:
    """A directive whose reason reads like an allow entry is still written in the source."""
    code = 'T = "inventory_sync_runs"  # nolegacyruns: ignore[NLR001] allowed by the cutover plan\n'
    write_files(tmp_path, {"nolegacyruns.toml": "", "app/legacy.py": code})
    [result] = _sarif(tmp_path)["runs"][0]["results"]
    assert result["suppressions"] == [
        {"kind": "inSource", "status": "accepted", "justification": "allowed by the cutover plan"}
    ]


def test_fixes_replace_exactly_the_token_and_say_whether_they_are_safe(tmp_path: Path) -> None:
    code = (
        "a = item.baseline_run_id\n"
        't = "inventory_sync_runs"\n'
        'k = "inventory.sync"  # nolegacyruns: ignore[NLR004] a label, kept\n'
        "r = InventorySyncRun\n"
    )
    project = write_files(tmp_path, {"nolegacyruns.toml": 'paths = ["app"]\n', "app/x.py": code})
    [run] = _sarif(project)["runs"]
    fixes = {}
    for result in run["results"]:
        [fix] = result.get("fixes", [None])
        if fix is not None:
            [change] = fix["artifactChanges"]
            [replacement] = change["replacements"]
            region = replacement["deletedRegion"]
            assert change["artifactLocation"] == {"uri": "app/x.py", "uriBaseId": ROOT_ID}
            assert region == result["locations"][0]["physicalLocation"]["region"]
            place = (region["startLine"], region["startColumn"], region["endColumn"])
            fixes[place] = (replacement["insertedContent"]["text"], fix["properties"]["applicability"])
    assert fixes == {
        (1, 10, 25): ("baseline_operation_run_id", "safe"),
        (2, 6, 25): ("operation_runs", "unsafe"),
        (4, 5, 21): ("OperationRun", "unsafe"),
    }  # the suppressed NLR004 finding carries no fix: `fix` never touches it
