"""pre-commit: the hooks manifest, per-batch behaviour, and a real `git commit` through pre-commit."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pre_commit.clientlib import load_manifest

import nolegacyruns
from cli_support import invoke
from helpers import CLEAN_MODULE, LEGACY_MODULE, write_files

REPO = Path(__file__).resolve().parents[1]
MANIFEST = REPO / ".pre-commit-hooks.yaml"


def test_manifest_is_valid_for_pre_commit() -> None:
    hooks = {hook["id"]: hook for hook in load_manifest(str(MANIFEST))}
    assert set(hooks) == {"nolegacyruns", "nolegacyruns-project", "nolegacyruns-fix"}
    per_file, project, fix = hooks["nolegacyruns"], hooks["nolegacyruns-project"], hooks["nolegacyruns-fix"]
    for hook in (per_file, fix):
        assert (hook["language"], hook["pass_filenames"], hook["types"]) == ("python", True, ["text"])
    assert (project["pass_filenames"], project["always_run"]) == (False, True)
    assert [hook["entry"] for hook in (per_file, project, fix)] == ["nolegacyruns check"] * 2 + ["nolegacyruns fix"]
    assert all(hook["minimum_pre_commit_version"] != "0" for hook in hooks.values())


@pytest.fixture
def project(tmp_path: Path) -> Path:
    files = {"nolegacyruns.toml": 'paths = ["app"]\n', "app/clean.py": CLEAN_MODULE, "app/legacy.py": LEGACY_MODULE}
    return write_files(tmp_path, {**files, "docs/legacy.py": LEGACY_MODULE, "README.md": "inventory_sync_runs\n"})


def test_a_batch_with_no_file_in_scope_passes_quietly(project: Path) -> None:
    result = invoke(project, "check", "docs/legacy.py", "README.md")
    assert (result.exit_code, result.output) == (0, "")


def test_each_batch_reports_only_its_own_files(project: Path) -> None:
    clean = invoke(project, "check", "app/clean.py", "README.md")
    legacy = invoke(project, "check", "app/legacy.py", "docs/legacy.py")
    assert clean.exit_code == 0 and clean.stdout.endswith("1 file scanned; 0 skipped; 0 suppressed.\n")
    assert legacy.exit_code == 1
    assert legacy.stdout.startswith("app/legacy.py:3:10: NLR001 ")
    assert "docs/legacy.py" not in legacy.stdout


def test_the_whole_project_check_still_refuses_an_empty_scope(tmp_path: Path) -> None:
    write_files(tmp_path, {"nolegacyruns.toml": 'paths = ["app"]\n', "README.md": "hello\n"})
    assert invoke(tmp_path, "check").exit_code == 2


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False)


def _git_env(tmp_path: Path) -> dict[str, str]:
    """An isolated git (no user or system config) and pre-commit cache, so the test runs anywhere."""
    gitconfig = tmp_path / "gitconfig"
    gitconfig.write_text(
        "[user]\n\tname = Hook Test\n\temail = hook@example.com\n[init]\n\tdefaultBranch = main\n"
        "[commit]\n\tgpgsign = false\n[safe]\n\tdirectory = *\n",
        encoding="utf-8",
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith(("GIT_", "PRE_COMMIT"))}
    env |= {"GIT_CONFIG_GLOBAL": str(gitconfig), "GIT_CONFIG_NOSYSTEM": "1", "PRE_COMMIT_HOME": str(tmp_path / "cache")}
    env |= {"NO_COLOR": "1", "PRE_COMMIT_COLOR": "never"}
    return env


def test_real_pre_commit_passes_a_clean_commit_and_blocks_a_legacy_one(tmp_path: Path) -> None:
    started = time.monotonic()
    env = _git_env(tmp_path)
    head = _run(["git", "rev-parse", "HEAD"], REPO, env).stdout.strip()
    committed = _run(["git", "cat-file", "-e", f"{head}:.pre-commit-hooks.yaml"], REPO, env)
    assert committed.returncode == 0, f"{REPO} HEAD ({head}) has no committed .pre-commit-hooks.yaml"
    work = tmp_path / "work"
    hooks = "".join(f"  - id: {hook}\n" for hook in ("nolegacyruns-fix", "nolegacyruns", "nolegacyruns-project"))
    config = f"repos:\n- repo: {REPO}\n  rev: {head}\n  hooks:\n{hooks}"
    write_files(
        work,
        {".pre-commit-config.yaml": config, "nolegacyruns.toml": 'paths = ["app"]\n', "app/clean.py": CLEAN_MODULE},
    )
    for args in (["git", "init", "-q"], [sys.executable, "-m", "pre_commit", "install"], ["git", "add", "."]):
        assert _run(args, work, env).returncode == 0

    clean = _run(["git", "commit", "-m", "clean start"], work, env)
    assert clean.returncode == 0, clean.stdout + clean.stderr

    write_files(work, {"app/jobs.py": "import os\n\nrows = 'SELECT * FROM inventory_sync_runs'\n"})
    _run(["git", "add", "app/jobs.py"], work, env)
    blocked = _run(["git", "commit", "-m", "legacy"], work, env)
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, output
    assert "app/jobs.py:3:23: NLR001 legacy run table `inventory_sync_runs`" in output
    assert "nolegacyruns (legacy run tokens in changed files)" in output and "Failed" in output

    # Committed past the hook, the legacy file is seen only by the whole-project hook.
    assert _run(["git", "commit", "-q", "--no-verify", "-m", "legacy, unchecked"], work, env).returncode == 0
    write_files(work, {"app/clean.py": CLEAN_MODULE + "\nMORE = 1\n"})
    _run(["git", "add", "app/clean.py"], work, env)
    untouched = _run(["git", "commit", "-m", "unrelated"], work, env)
    lines = (untouched.stdout + untouched.stderr).splitlines()
    assert untouched.returncode != 0
    assert any(
        line.startswith("nolegacyruns (legacy run tokens in changed files)") and line.endswith("Passed")
        for line in lines
    )
    assert any(line.startswith("nolegacyruns (whole project)") and line.endswith("Failed") for line in lines)
    assert any(line.startswith("app/jobs.py:3:23: NLR001") for line in lines)

    # The fix hook rewrites a safe legacy spelling in the commit's files; pre-commit fails a hook that changes files.
    write_files(work, {"app/columns.py": "def f(item):\n    return item.baseline_run_id\n"})
    _run(["git", "add", "app/columns.py"], work, env)
    fixed = _run(["git", "commit", "-m", "columns"], work, env)
    output = fixed.stdout + fixed.stderr
    assert fixed.returncode != 0 and "files were modified by this hook" in output, output
    assert "app/columns.py: fixed 1 (NLR003)" in output
    assert (work / "app/columns.py").read_text() == "def f(item):\n    return item.baseline_operation_run_id\n"
    print(f"real pre-commit test took {time.monotonic() - started:.0f}s with nolegacyruns {nolegacyruns.__version__}")
