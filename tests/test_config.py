"""Configuration: discovery of the project root, and the error matrix (exit 2, one line per problem)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cli_support import invoke
from helpers import ACME_PACK, CLEAN_MODULE, LEGACY_MODULE, run_cli, write_files
from nolegacyruns.cli import main
from nolegacyruns.config.loading import find_config, load_config


def _check(root: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", str(root)])
    return result.exit_code, result.stderr if hasattr(result, "stderr") else result.output


@pytest.mark.parametrize(
    ("pyproject_body", "expected_lines"),
    [
        pytest.param(
            'paths = "app"',
            ["pyproject.toml: tool.nolegacyruns.paths: expected a list of strings, got 'app'"],
            id="paths-not-a-list",
        ),
        pytest.param(
            "pathz = ['app']",
            ["pyproject.toml: tool.nolegacyruns.pathz: unknown key; did you mean 'paths'?"],
            id="unknown-key-did-you-mean",
        ),
        pytest.param(
            "scan-comments = 'yes'",
            ["pyproject.toml: tool.nolegacyruns.scan-comments: expected true or false, got 'yes'"],
            id="bool-as-string",
        ),
        pytest.param(
            "exclude = ['[z-a]']",
            ["pyproject.toml: tool.nolegacyruns.exclude[0]: invalid glob '[z-a]': bad character range z-a"],
            id="bad-glob",
        ),
        pytest.param(
            "rule-packs = ['packs/missing.toml']",
            ["pyproject.toml: tool.nolegacyruns.rule-packs: 'packs/missing.toml' does not exist"],
            id="missing-pack",
        ),
        pytest.param(
            "[[tool.nolegacyruns.allow]]\npaths = ['app/x.py']\nrules = ['NLR001']",
            ["pyproject.toml: tool.nolegacyruns.allow[0].reason: is required"],
            id="allow-without-reason",
        ),
        pytest.param(
            "[[tool.nolegacyruns.allow]]\npaths = ['app/x.py']\nrules = ['NLR01']\nreason = 'typo'",
            ["pyproject.toml: tool.nolegacyruns.allow[0].rules: unknown rule 'NLR01'"],
            id="allow-unknown-rule",
        ),
        pytest.param(
            "select = ['XYZ1']",
            ["pyproject.toml: tool.nolegacyruns.select: unknown rule 'XYZ1'"],
            id="select-unknown-rule",
        ),
        pytest.param(
            "paths = ['../elsewhere']",
            ["pyproject.toml: tool.nolegacyruns.paths: '../elsewhere' must be a path relative to the project root"],
            id="path-escapes-root",
        ),
        pytest.param(
            "paths = 'app'\nrespect-gitignore = 1\nbogus = true\n[[tool.nolegacyruns.allow]]\nrules = []",
            [
                "tool.nolegacyruns.paths: expected a list of strings",
                "tool.nolegacyruns.respect-gitignore: expected true or false, got int 1",
                "tool.nolegacyruns.bogus: unknown key",
                "tool.nolegacyruns.allow[0].paths: is required",
                "tool.nolegacyruns.allow[0].rules: expected at least one rule ID",
                "tool.nolegacyruns.allow[0].reason: is required",
            ],
            id="every-problem-at-once",
        ),
    ],
)
def test_bad_configuration_exits_2_with_one_line_per_problem(
    tmp_path: Path, pyproject_body: str, expected_lines: list[str]
) -> None:
    write_files(tmp_path, {"pyproject.toml": f"[tool.nolegacyruns]\n{pyproject_body}\n", "app/a.py": LEGACY_MODULE})
    before = (tmp_path / "app/a.py").read_bytes()
    result = run_cli("check", ".", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == len(expected_lines), result.stderr
    assert all(line.startswith("nolegacyruns: error: ") for line in lines)
    for expected in expected_lines:
        assert any(expected in line for line in lines), (expected, lines)
    assert "Traceback" not in result.stderr + result.stdout
    assert (tmp_path / "app/a.py").read_bytes() == before


@pytest.mark.parametrize(
    ("pack_text", "expected"),
    [
        pytest.param("[[rule]\nid = 'X'", "packs/bad.toml: invalid TOML", id="unreadable-toml"),
        pytest.param(
            "[[rule]]\nid = 'ACME001'\nname = 'bad name'\n",
            "packs/bad.toml: rule[ACME001].name: expected a kebab-case name",
            id="rule-missing-fields",
        ),
        pytest.param(
            "[[rule]]\nid = 'NLR001'\nname = 'legacy-run-table'\nmessage = 'm'\ntokens = ['x']\n"
            "docs = { what-it-does = 'a', why-is-this-bad = 'b', example = 'c', use-instead = 'd' }\n"
            "valid = [{ file = 'a.py', code = 'y' }]\ninvalid = [{ file = 'a.py', code = 'x', expect = ['1:1'] }]\n",
            "packs/bad.toml: rule[NLR001].id: already defined by bundled pack legacy-runs.toml",
            id="duplicate-rule-id",
        ),
    ],
)
def test_bad_rule_pack_exits_2_naming_the_file(tmp_path: Path, pack_text: str, expected: str) -> None:
    write_files(
        tmp_path,
        {
            "nolegacyruns.toml": "rule-packs = ['packs/bad.toml']\n",
            "packs/bad.toml": pack_text,
            "app/a.py": CLEAN_MODULE,
        },
    )
    result = run_cli("check", cwd=tmp_path)
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


def test_invalid_config_toml_names_the_file_and_line(tmp_path: Path) -> None:
    write_files(tmp_path, {"nolegacyruns.toml": "paths = ['app']\nexclude = [oops]\n", "app/a.py": CLEAN_MODULE})
    result = run_cli("check", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith(f"nolegacyruns: error: {tmp_path / 'nolegacyruns.toml'}: invalid TOML")
    assert "line 2" in result.stderr


def test_custom_rule_pack_is_loaded_and_applied(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "nolegacyruns.toml": "rule-packs = ['packs']\n",
            "packs/acme.toml": ACME_PACK,
            "app/a.py": "T = 'widget_runs'\n",
        },
    )
    result = run_cli("check", cwd=tmp_path)
    assert result.returncode == 1
    assert "app/a.py:1:6: ACME001 legacy widget table `widget_runs`" in result.stdout


def test_root_is_the_nearest_folder_with_settings(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname = 'x'\n",  # no [tool.nolegacyruns]: not a root
            "svc/nolegacyruns.toml": "paths = ['src']\n",
            "svc/src/deep/a.py": CLEAN_MODULE,
        },
    )
    root, source, table = find_config(tmp_path / "svc" / "src" / "deep")
    assert (root, source, table) == (tmp_path / "svc", tmp_path / "svc" / "nolegacyruns.toml", {"paths": ["src"]})
    assert find_config(tmp_path)[1] is None


def test_pyproject_table_and_allow_entries_load(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "pyproject.toml": (
                "[tool.nolegacyruns]\npaths = ['app']\nscan-comments = true\n"
                "[[tool.nolegacyruns.allow]]\npaths = ['app/migrations/*.py']\nrules = ['NLR001']\nreason = 'cutover'\n"
            ),
        },
    )
    config = load_config(tmp_path)
    assert config.paths == ("app",) and config.scan_comments
    assert config.allowed_by("NLR001", "app/migrations/0001_drop.py") is not None
    assert config.allowed_by("NLR001", "app/models.py") is None
    assert config.allowed_by("NLR101", "app/migrations/0001_drop.py") is None


# A pack that parses, with one problem: the rule it declares is invalid, so it does not load.
BROKEN_PACK = (
    "[[rule]]\nid = 'ACME001'\nname = 'bad name'\nmessage = 'm'\ntokens = ['widget_runs']\n"
    "docs = { what-it-does = 'a', why-is-this-bad = 'b', example = 'c', use-instead = 'd' }\n"
    "valid = [{ file = 'a.py', code = 'y' }]\ninvalid = [{ file = 'a.py', code = 'widget_runs', expect = ['1:1'] }]\n"
)
PACK_PROBLEM = "packs/bad.toml: rule[ACME001].name: expected a kebab-case name"


@pytest.mark.parametrize(
    ("config_text", "pack_text", "expected_lines"),
    [
        pytest.param(
            "exclude = ['[z-a]']\nrule-packs = ['packs/bad.toml']\n",
            "[[rule]\nid = 'X'",
            ["nolegacyruns.toml: exclude[0]: invalid glob '[z-a]'", "packs/bad.toml: invalid TOML"],
            id="bad-glob-and-unparseable-pack",
        ),
        pytest.param(
            "exclude = ['[z-a]']\nselect = ['XYZ1']\n[[allow]]\npaths = ['app/**']\nrules = ['NLR01']\nreason = 'r'\n",
            None,
            [
                "nolegacyruns.toml: exclude[0]: invalid glob '[z-a]'",
                "nolegacyruns.toml: select: unknown rule 'XYZ1'",
                "nolegacyruns.toml: allow[0].rules: unknown rule 'NLR01'",
            ],
            id="bad-glob-and-unknown-ids",
        ),
        pytest.param(
            "rule-packs = ['packs/bad.toml']\nselect = ['XYZ1', 'ACME001']\n"
            "[[allow]]\npaths = ['app/**']\nrules = ['NLR01']\nreason = 'r'\n",
            BROKEN_PACK,
            [
                PACK_PROBLEM,
                "nolegacyruns.toml: select: unknown rule 'XYZ1'",
                "nolegacyruns.toml: allow[0].rules: unknown rule 'NLR01'",
            ],
            id="pack-problem-and-unknown-ids-but-not-the-ids-the-broken-pack-declares",
        ),
        pytest.param(
            "paths = 'app'\nrule-packs = ['packs/bad.toml']\nignore = ['XYZ1']\n",
            BROKEN_PACK,
            [
                "nolegacyruns.toml: paths: expected a list of strings",
                PACK_PROBLEM,
                "nolegacyruns.toml: ignore: unknown rule 'XYZ1'",
            ],
            id="config-pack-and-id-problems",
        ),
        pytest.param(
            "rule-packs = ['packs/bad.toml']\nselect = ['ACME001']\n",
            "[[rule]\nid = 'ACME001'",
            ["packs/bad.toml: invalid TOML"],
            id="an-unparseable-pack-may-define-any-id",
        ),
        pytest.param(
            "rule-packs = ['packs/missing.toml']\nselect = ['ACME001']\n",
            None,
            ["nolegacyruns.toml: rule-packs: 'packs/missing.toml' does not exist"],
            id="a-missing-pack-may-define-any-id",
        ),
    ],
)
def test_config_pack_and_rule_id_problems_are_reported_together(
    tmp_path: Path, config_text: str, pack_text: str | None, expected_lines: list[str]
) -> None:
    files = {"nolegacyruns.toml": config_text, "app/a.py": CLEAN_MODULE}
    if pack_text is not None:
        files["packs/bad.toml"] = pack_text
    write_files(tmp_path, files)
    result = invoke(tmp_path, "check")
    assert result.exit_code == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == len(expected_lines), lines
    for line, expected in zip(lines, expected_lines, strict=True):
        assert line.startswith(f"nolegacyruns: error: {expected}"), (line, expected)


def test_each_bad_glob_is_named_by_its_entry(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "nolegacyruns.toml": (
                "exclude = ['ok', '[z-a]', '!']\n"
                "[[allow]]\npaths = ['app/**', 'x/[9-0].py']\nrules = ['NLR001']\nreason = 'r'\n"
            ),
            "app/a.py": CLEAN_MODULE,
        },
    )
    result = invoke(tmp_path, "check")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "nolegacyruns: error: nolegacyruns.toml: exclude[1]: invalid glob '[z-a]': bad character range z-a",
        "nolegacyruns: error: nolegacyruns.toml: exclude[2]: invalid glob '!': not a valid gitignore-style pattern",
        "nolegacyruns: error: nolegacyruns.toml: allow[0].paths[1]: invalid glob 'x/[9-0].py': bad character range 9-0",
    ]


@pytest.mark.parametrize(
    ("files", "named"),
    [
        pytest.param({"pyproject.toml": "[tool.other]\nx = " + "9" * 5000 + '\n[tool.nolegacyruns]\npaths = ["app"]\n'},
                     "pyproject.toml", id="config"),
        pytest.param({"nolegacyruns.toml": 'rule-packs = ["team.toml"]\n', "team.toml": "x = " + "9" * 5000 + "\n"},
                     "team.toml", id="rule-pack"),
    ],
)  # fmt: skip
def test_an_integer_longer_than_python_reads_is_invalid_toml(tmp_path: Path, files: dict[str, str], named: str) -> None:
    write_files(tmp_path, {**files, "app/m.py": CLEAN_MODULE})
    result = run_cli("check", cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and named in lines[0] and "invalid TOML" in lines[0], result.stderr
    assert "Traceback" not in result.stderr and "set_int_max_str_digits" not in result.stderr
