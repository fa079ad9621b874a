"""Scope in a git work tree: git lists the files, so every ignore source git reads applies."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from helpers import GIT_ENV, LEGACY_MODULE, git, write_files
from nolegacyruns.config.loading import load_config
from nolegacyruns.scope import discovery
from nolegacyruns.scope.discovery import BINARY, Scope, discover
from nolegacyruns.scope.filters import EXCLUDED, GITIGNORED

PROJECT = {
    "nolegacyruns.toml": "exclude = ['app/vendor/', '*.gen.py']\n",
    ".gitignore": "build/\n*.log\n",
    "app/models.py": LEGACY_MODULE,
    "app/vendor/lib.py": LEGACY_MODULE,
    "app/schema.gen.py": LEGACY_MODULE,
    "app/build/out.py": LEGACY_MODULE,
    "app/run.log": "inventory_sync_runs",
    "app/sub/.gitignore": "*.tmp.py\n!keep.tmp.py\n",
    "app/sub/a.tmp.py": LEGACY_MODULE,
    "app/sub/keep.tmp.py": LEGACY_MODULE,
    "app/logo.png": b"\x89PNG\r\n\x1a\n\x00\x00inventory_sync_runs",
    "routes/web.py": LEGACY_MODULE,
    "tests/test_x.py": LEGACY_MODULE,
}


@pytest.fixture(autouse=True)
def _isolated_git(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)


def _walked(tmp_path: Path) -> Scope:
    return discover(load_config(write_files(tmp_path / "plain", PROJECT)))


def _not_ignored(left_out: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return sorted(entry for entry in left_out if entry[1] != GITIGNORED)


@pytest.mark.parametrize("committed", [pytest.param(False, id="untracked"), pytest.param(True, id="committed")])
def test_git_lists_the_same_scope_as_the_walk(tmp_path: Path, committed: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = write_files(tmp_path / "repo", PROJECT)
    git(repo, "init", "-q")
    if committed:
        git(repo, "add", ".")
        git(repo, "commit", "-q", "-m", "start")
    listed: list[Path] = []
    real = discovery.git_files_and_unreadable
    monkeypatch.setattr(
        discovery, "git_files_and_unreadable", lambda root, start: listed.append(root) or real(root, start)
    )
    scope = discover(load_config(repo))
    assert listed  # git was asked
    walked = _walked(tmp_path)
    assert (
        scope.files == walked.files == ["app/models.py", "app/sub/.gitignore", "app/sub/keep.tmp.py", "routes/web.py"]
    )
    # What git ignores it does not list; every other file left out is named as the walk names it.
    assert _not_ignored(scope.left_out) == _not_ignored(walked.left_out)
    assert {("app/vendor/", EXCLUDED), ("app/logo.png", BINARY)} <= set(scope.left_out)


def test_a_tracked_file_a_gitignore_matches_stays_out_as_in_the_walk(tmp_path: Path) -> None:
    repo = write_files(tmp_path, {**PROJECT, "app/build/more/deep.py": LEGACY_MODULE})
    git(repo, "init", "-q")
    git(repo, "add", "-f", "app/build", "app/run.log", ".")
    scope = discover(load_config(repo))
    assert "app/build/out.py" not in scope.files
    assert "app/run.log" not in scope.files
    assert ("app/build/", GITIGNORED) in scope.left_out


def test_info_exclude_is_honoured(tmp_path: Path) -> None:
    repo = write_files(tmp_path, {"nolegacyruns.toml": "", "app/a.py": LEGACY_MODULE, "app/local.py": LEGACY_MODULE})
    git(repo, "init", "-q")
    (repo / ".git" / "info").mkdir(exist_ok=True)
    (repo / ".git" / "info" / "exclude").write_text("app/local.py\n")
    assert discover(load_config(repo)).files == ["app/a.py"]


def test_core_excludes_file_is_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = write_files(tmp_path / "repo", {"nolegacyruns.toml": "", "app/a.py": LEGACY_MODULE, "app/a.py.orig": "x"})
    git(repo, "init", "-q")
    (tmp_path / "global-ignore").write_text("*.orig\n")
    (tmp_path / "gitconfig").write_text(f"[core]\n\texcludesFile = {tmp_path / 'global-ignore'}\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    assert discover(load_config(repo)).files == ["app/a.py"]
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    assert discover(load_config(repo)).files == ["app/a.py", "app/a.py.orig"]


def test_a_nested_repository_and_a_deleted_file(tmp_path: Path) -> None:
    repo = write_files(tmp_path, {"nolegacyruns.toml": "", "app/a.py": LEGACY_MODULE, "app/gone.py": LEGACY_MODULE})
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "start")
    (repo / "app/gone.py").unlink()  # still in the index
    nested = write_files(repo / "app" / "vendored", {"lib.py": LEGACY_MODULE})
    git(nested, "init", "-q")
    assert discover(load_config(repo)).files == ["app/a.py", "app/vendored/lib.py"]


def test_list_files_names_what_git_ignores(tmp_path: Path) -> None:
    repo = write_files(tmp_path, PROJECT)
    git(repo, "init", "-q")
    scope = discover(load_config(repo), explain=True)
    assert ("app/build/", GITIGNORED) in scope.left_out
    assert ("app/run.log", GITIGNORED) in scope.left_out
    assert ("app/sub/a.tmp.py", GITIGNORED) in scope.left_out


def test_respect_gitignore_false_walks_every_file(tmp_path: Path) -> None:
    repo = write_files(tmp_path, {**PROJECT, "nolegacyruns.toml": "respect-gitignore = false\n"})
    git(repo, "init", "-q")
    assert "app/build/out.py" in discover(load_config(repo)).files


def test_the_gitignore_files_that_git_lists_and_those_of_a_walked_nested_repository_apply(tmp_path: Path) -> None:
    """Git's listing names every .gitignore it tracks, so no other folder is tried; a nested repository
    that git does not enter is walked, and the .gitignore files the walk sees apply there."""
    repo = write_files(
        tmp_path / "repo",
        {
            "nolegacyruns.toml": "",
            "app/deep/er/.gitignore": "gen_*.py\n",
            "app/deep/er/gen_a.py": LEGACY_MODULE,
            "app/deep/er/kept.py": LEGACY_MODULE,
            "app/nested/.gitignore": "out_*.py\n",
            "app/nested/out_b.py": LEGACY_MODULE,
            "app/nested/kept.py": LEGACY_MODULE,
        },
    )
    git(repo / "app/nested", "init", "-q")
    git(repo, "init", "-q")
    git(repo, "add", "nolegacyruns.toml", "app/deep")
    git(repo, "add", "-f", "app/deep/er/gen_a.py")  # tracked all the same: left out as the walk leaves it
    git(repo, "commit", "-q", "-m", "start")
    scope = discover(load_config(repo))
    assert scope.files == [
        "app/deep/er/.gitignore",
        "app/deep/er/kept.py",
        "app/nested/.gitignore",
        "app/nested/kept.py",
    ]
    assert ("app/deep/er/gen_a.py", GITIGNORED) in scope.left_out
    assert ("app/nested/out_b.py", GITIGNORED) in scope.left_out


def _recording_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A `git` first on PATH that notes each start, then runs the real git."""
    real = shutil.which("git")
    assert real is not None
    tools = tmp_path / "tools"
    tools.mkdir()
    started = tmp_path / "git-started"
    (tools / "git").write_text(f'#!/bin/sh\necho "$@" >> {started}\nexec {real} "$@"\n', encoding="utf-8")
    (tools / "git").chmod(0o755)
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}{os.environ['PATH']}")
    return started


def test_git_is_not_started_where_no_git_folder_is_in_or_above_the_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = _recording_git(tmp_path, monkeypatch)
    assert not any((folder / ".git").exists() for folder in [tmp_path, *tmp_path.parents])
    scope = discover(load_config(write_files(tmp_path / "plain", PROJECT)))
    assert scope.files == _walked(tmp_path / "again").files
    assert not started.exists()


def test_a_linked_work_tree_and_a_root_reached_through_a_link_are_listed_by_git(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = _recording_git(tmp_path, monkeypatch)
    repo = write_files(tmp_path / "repo", {"nolegacyruns.toml": "", "app/a.py": LEGACY_MODULE})
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "start")
    git(repo, "worktree", "add", "-q", str(tmp_path / "linked"))
    linked = tmp_path / "linked"
    assert (linked / ".git").is_file()
    write_files(linked, {"app/local.py": LEGACY_MODULE})
    (repo / ".git" / "info").mkdir(exist_ok=True)
    (repo / ".git" / "info" / "exclude").write_text("app/local.py\n")  # only git applies it
    assert discover(load_config(linked)).files == ["app/a.py"]
    (tmp_path / "alias").symlink_to(linked)
    assert discover(load_config(tmp_path / "alias")).files == ["app/a.py"]
    assert started.exists()
