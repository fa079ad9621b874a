"""`nolegacyruns init`: a commented starter section that loads, names the folders found, never overwrites."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_support import invoke
from helpers import run_cli, write_files
from nolegacyruns import load_config
from nolegacyruns.config.starter import starter_text

PYPROJECT = '[project]\nname = "demo"\nversion = "1.0"\n'


@pytest.mark.parametrize(
    ("folders", "paths"),
    [
        pytest.param(["app", "routes"], ("app", "routes"), id="some-defaults"),
        pytest.param(["app", "database", "resources", "routes"], ("app", "database", "resources", "routes"), id="all"),
        pytest.param(["src"], (".",), id="none"),
    ],
)
def test_init_appends_a_section_naming_the_folders_found(
    tmp_path: Path, folders: list[str], paths: tuple[str, ...]
) -> None:
    write_files(tmp_path, {"pyproject.toml": PYPROJECT, **{f"{folder}/x.py": "" for folder in folders}})
    result = invoke(tmp_path, "init")
    assert result.exit_code == 0, result.output
    text = (tmp_path / "pyproject.toml").read_text(encoding="utf-8")
    assert text.startswith(PYPROJECT + "\n[tool.nolegacyruns]\n")
    config = load_config(tmp_path)
    assert (config.source, config.paths) == (tmp_path / "pyproject.toml", paths)


def test_init_creates_pyproject_when_missing(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    assert invoke(tmp_path, "init").exit_code == 0
    assert (tmp_path / "pyproject.toml").read_text(encoding="utf-8").startswith("[tool.nolegacyruns]\n")
    assert load_config(tmp_path).paths == ("app",)


def test_init_writes_a_standalone_file(tmp_path: Path) -> None:
    (tmp_path / "database").mkdir()
    assert invoke(tmp_path, "init", "--file", "nolegacyruns.toml").exit_code == 0
    config = load_config(tmp_path)
    assert (config.source, config.paths) == (tmp_path / "nolegacyruns.toml", ("database",))


@pytest.mark.parametrize(
    ("files", "args", "problem"),
    [
        pytest.param(
            {"pyproject.toml": "[tool.nolegacyruns]\npaths = ['x']\n"},
            [],
            "its [tool.nolegacyruns] section",
            id="section",
        ),
        pytest.param(
            {"pyproject.toml": "[tool.nolegacyruns.allow]\n"}, [], "its [tool.nolegacyruns] section", id="subtable"
        ),
        pytest.param({"nolegacyruns.toml": ""}, [], "(nolegacyruns.toml)", id="standalone-file"),
        pytest.param(
            {"pyproject.toml": "[tool.nolegacyruns]\n"},
            ["--file", "nolegacyruns.toml"],
            "its [tool.nolegacyruns]",
            id="other-target",
        ),
    ],
)
def test_init_never_overwrites_settings(tmp_path: Path, files: dict[str, str], args: list[str], problem: str) -> None:
    write_files(tmp_path, files)
    before = {name: (tmp_path / name).read_text(encoding="utf-8") for name in files}
    result = invoke(tmp_path, "init", *args)
    assert result.exit_code == 2
    assert "nolegacyruns is already configured here" in result.stderr and problem in result.stderr
    assert {name: (tmp_path / name).read_text(encoding="utf-8") for name in files} == before
    assert not (tmp_path / "nolegacyruns.toml").exists() or "nolegacyruns.toml" in files


def test_init_refuses_an_invalid_pyproject(tmp_path: Path) -> None:
    write_files(tmp_path, {"pyproject.toml": "[project\n"})
    result = invoke(tmp_path, "init")
    assert result.exit_code == 2
    assert (tmp_path / "pyproject.toml").read_text(encoding="utf-8") == "[project\n"


@pytest.mark.parametrize("standalone", [pytest.param(False, id="pyproject"), pytest.param(True, id="standalone")])
def test_every_commented_example_is_a_valid_setting(tmp_path: Path, standalone: bool) -> None:
    # Uncomment each example (rule-packs needs its file), so the starter's docs never go stale.
    write_files(tmp_path, {"app/a.py": "", "tools/legacy-rules.toml": ""})
    text = starter_text(tmp_path, standalone=standalone)
    lines = []
    for line in text.splitlines():
        example = line.removeprefix("# ")
        is_setting = line.startswith("# ") and ("=" in example or example.startswith("[["))
        lines.append(example if is_setting else line)
    name = "nolegacyruns.toml" if standalone else "pyproject.toml"
    write_files(tmp_path, {name: "\n".join(lines) + "\n"})
    pack = '[[rule]]\nid = "ABC001"\nname = "a-rule"\nmessage = "m"\ntokens = ["zzz"]\n'
    docs = '[rule.docs]\nwhat-it-does = "a"\nwhy-is-this-bad = "b"\nexample = "c"\nuse-instead = "d"\n'
    examples = (
        '[[rule.valid]]\nfile = "a.py"\ncode = "x"\n[[rule.invalid]]\nfile = "a.py"\ncode = "zzz"\nexpect = ["1:1"]\n'
    )
    write_files(tmp_path, {"tools/legacy-rules.toml": pack + docs + examples})
    config = load_config(tmp_path)
    assert config.exclude and config.rule_packs and config.select and config.ignore and config.allow
    assert run_cli("check", cwd=tmp_path).returncode == 0


def test_init_in_a_real_subprocess(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    result = run_cli("init", cwd=tmp_path)
    assert result.returncode == 0
    assert "Wrote starter settings to" in result.stdout and "(paths: app)" in result.stdout
    assert run_cli("init", cwd=tmp_path).returncode == 2
