"""`nolegacyruns test-pack`: a team runs its own pack's examples; messages are checked when a pack loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_support import invoke
from helpers import run_cli, write_files
from nolegacyruns.testing import DocBlock, doc_blocks

PACK = '''
[pack]
name = "team-legacy"
description = "Our own legacy names."

[[rule]]
id = "TEAM001"
name = "legacy-job-table"
message = "{message}"
tokens = ["old_jobs"]

[rule.docs]
what-it-does = "Flags the old jobs table."
why-is-this-bad = "It was dropped."
example = """
```python
TABLE = "{example}"
```
"""
use-instead = """
```python
TABLE = "{use_instead}"
```
"""

[[rule.valid]]
file = "app/jobs.py"
code = 'TABLE = "{valid}"'

[[rule.invalid]]
file = "app/jobs.py"
code = 'TABLE = "old_jobs"'
expect = ["{expect}"]
'''
GOOD = {
    "message": "legacy jobs table `{token}`",
    "example": "old_jobs",
    "use_instead": "jobs",
    "valid": "jobs",
    "expect": "1:10",
}


def _pack(tmp_path: Path, **changes: str) -> Path:
    text = PACK
    for key, value in {**GOOD, **changes}.items():
        text = text.replace("{" + key + "}", value)
    write_files(tmp_path, {"team.toml": text})
    return tmp_path / "team.toml"


def test_a_pack_whose_examples_hold_passes(tmp_path: Path) -> None:
    _pack(tmp_path)
    result = invoke(tmp_path, "test-pack", "team.toml")
    assert (result.exit_code, result.stdout) == (0, "test-pack passed: 4 examples of 1 rule.\n")


def test_each_failing_example_is_named(tmp_path: Path) -> None:
    _pack(tmp_path, example="jobs", use_instead="inventory_sync_runs", valid="old_jobs", expect="1:1")
    result = invoke(tmp_path, "test-pack", "team.toml")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "team.toml: rule[TEAM001].invalid[0] (app/jobs.py): expected TEAM001 at 1:1, found TEAM001 at 1:10",
        "team.toml: rule[TEAM001].valid[0] (app/jobs.py): expected no finding, found TEAM001 at 1:10",
        "team.toml: rule[TEAM001].docs.example: does not produce TEAM001; found nothing",
        "team.toml: rule[TEAM001].docs.use-instead: expected no error finding, found NLR001 at 1:10",
        "test-pack FAILED: 4 failing in 4 examples of 1 rule.",
    ]


def test_every_example_block_must_produce_its_rule_and_use_instead_must_hold_code(tmp_path: Path) -> None:
    text = _pack(tmp_path).read_text()
    text = text.replace('TABLE = "old_jobs"\n```\n"""', 'TABLE = "old_jobs"\n```\n\n```sql\nSELECT 1;\n```\n"""', 1)
    text = text.replace('```python\nTABLE = "jobs"\n```\n', "Name the new table instead.\n", 1)
    (tmp_path / "team.toml").write_text(text)
    result = invoke(tmp_path, "test-pack", "team.toml")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[:2] == [
        "team.toml: rule[TEAM001].docs.example block 2 (example.sql): does not produce TEAM001; found nothing",
        "team.toml: rule[TEAM001].docs.use-instead: holds no fenced code block to run",
    ]


def test_a_valid_example_fails_on_any_rule_not_only_its_own(tmp_path: Path) -> None:
    _pack(tmp_path, valid="inventory_sync_runs")
    result = invoke(tmp_path, "test-pack", "team.toml")
    assert result.exit_code == 1
    assert "rule[TEAM001].valid[0] (app/jobs.py): expected no finding, found NLR001 at 1:10" in result.stdout


def test_the_bundled_packs_pass_their_own_test(tmp_path: Path) -> None:
    rules = Path(__file__).resolve().parents[1] / "rules"
    result = run_cli("test-pack", str(rules), cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.startswith("test-pack passed: ")


@pytest.mark.parametrize(
    ("message", "problem"),
    [
        pytest.param(
            "legacy `{token}` in {where}",
            "team.toml: rule[TEAM001].message: unknown placeholder {where}; a token rule's message may use {token}",
            id="unknown-name",
        ),
        pytest.param(
            "legacy {}",
            "team.toml: rule[TEAM001].message: unknown placeholder {}; a token rule's message may use {token}",
            id="positional",
        ),
        pytest.param(
            "legacy {token.upper}",
            "team.toml: rule[TEAM001].message: unknown placeholder {token.upper}; "
            "a token rule's message may use {token}",
            id="attribute",
        ),
        pytest.param(
            "legacy {token:{tabel}}",
            "team.toml: rule[TEAM001].message: unknown placeholder {tabel}; a token rule's message may use {token}",
            id="nested-in-a-format-spec",
        ),
        pytest.param(
            "legacy {token!z}",
            "team.toml: rule[TEAM001].message: cannot be filled (Unknown conversion specifier z); "
            "a token rule's message may use {token}",
            id="bad-conversion",
        ),
        pytest.param(
            "legacy {token:d}",
            "team.toml: rule[TEAM001].message: cannot be filled (Unknown format code 'd' for object of type 'str'); "
            "a token rule's message may use {token}",
            id="spec-text-cannot-take",
        ),
        pytest.param(
            "legacy {token",
            "team.toml: rule[TEAM001].message: not a valid template (expected '}' before end of string); "
            "write a literal brace as {{ or }}",
            id="unbalanced",
        ),
    ],
)
def test_a_bad_message_template_is_a_load_time_error(tmp_path: Path, message: str, problem: str) -> None:
    _pack(tmp_path, message=message)
    result = invoke(tmp_path, "test-pack", "team.toml")
    assert (result.exit_code, result.stderr) == (2, f"nolegacyruns: error: {problem}\n")
    write_files(tmp_path, {"nolegacyruns.toml": 'rule-packs = ["team.toml"]\n', "app/jobs.py": 'T = "old_jobs"\n'})
    checked = invoke(tmp_path, "check")
    assert (checked.exit_code, checked.stderr) == (2, f"nolegacyruns: error: {problem}\n")


def test_literal_braces_and_known_placeholders_load(tmp_path: Path) -> None:
    _pack(tmp_path, message="legacy {token!r:>12} in {{braces}}")
    assert invoke(tmp_path, "test-pack", "team.toml").exit_code == 0


def test_a_missing_pack_is_a_usage_error(tmp_path: Path) -> None:
    assert invoke(tmp_path, "test-pack", "missing.toml").exit_code == 2


def test_doc_blocks_name_their_file_by_language() -> None:
    markdown = "Text\n\n```sql\nSELECT 1;\n```\n\n```blade\n{{ $x }}\n```\n\n```\nplain\n```\n"
    assert doc_blocks(markdown) == [
        DocBlock("example.sql", "SELECT 1;\n"),
        DocBlock("example.blade.php", "{{ $x }}\n"),
        DocBlock("example.txt", "plain\n"),
    ]


def test_a_backfill_rule_must_read_its_sources_from_token_rules(tmp_path: Path) -> None:
    pack = PACK.split("[[rule]]")[0] + (
        '[[rule]]\nid = "TEAM101"\nname = "legacy-job-backfill"\nkind = "backfill"\n'
        'message = "`{target}` from {source}"\ncanonical-tables = ["jobs"]\ncanonical-models = ["Job"]\n'
        'legacy-sources-from = ["NLR900"]\n[rule.docs]\nwhat-it-does = "x"\nwhy-is-this-bad = "x"\n'
        'example = "x"\nuse-instead = "x"\n[[rule.valid]]\nfile = "a.sql"\ncode = "SELECT 1;"\n'
        '[[rule.invalid]]\nfile = "a.sql"\ncode = "INSERT INTO jobs SELECT * FROM old_jobs;"\nexpect = ["1:13"]\n'
    )
    write_files(tmp_path, {"team.toml": pack})
    result = invoke(tmp_path, "test-pack", "team.toml")
    assert (result.exit_code, result.stderr) == (
        2,
        "nolegacyruns: error: team.toml: rule[TEAM101].legacy-sources-from: 'NLR900' is not a token rule\n",
    )
