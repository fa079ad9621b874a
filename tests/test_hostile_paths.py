"""Hostile trees and hostile configuration on real files: unreadable folders, long paths, links, FIFOs,
devices, paths that leave the project, and writes that fail half-way."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import threading
from pathlib import Path

import pytest

from helpers import LEGACY_MODULE, write_files
from hostile_support import CONFIG, WITHOUT_DAC, make_project, one_error_line, run_check

LEGACY_FINDING = "NLR001 legacy run table `inventory_sync_runs`"


def _in_git(root: Path, git: bool) -> None:
    """Make root a git work tree (then git lists the files) with everything committed, or leave it a plain tree."""
    if git:
        command = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
        subprocess.run(["git", "init", "-q"], cwd=root, check=True)
        subprocess.run([*command, "add", "-A"], cwd=root, check=True)
        subprocess.run([*command, "commit", "-qm", "x"], cwd=root, check=True)


GIT_OR_WALK = pytest.mark.parametrize("git", [pytest.param(False, id="walk"), pytest.param(True, id="git")])


# Unreadable folders and paths too long are no silent pass.


@GIT_OR_WALK
def test_an_unreadable_folder_fails_the_check_naming_it(tmp_path: Path, git: bool) -> None:
    make_project(tmp_path, {"app/locked/legacy.py": LEGACY_MODULE})
    _in_git(tmp_path, git)
    if git:  # untracked, so git must list it from the disk
        subprocess.run(["git", "rm", "-q", "--cached", "-r", "app/locked"], cwd=tmp_path, check=True)
    (tmp_path / "app/locked").chmod(0)
    try:
        code, out, err = run_check(tmp_path, "check", prefix=WITHOUT_DAC)
        listing = run_check(tmp_path, "check", "--list-files", prefix=WITHOUT_DAC)
    finally:
        (tmp_path / "app/locked").chmod(0o755)
    assert code == 2, out
    one_error_line(err, "app/locked", "Permission denied")
    assert "  app/locked/  (unreadable folder: Permission denied)\n" in listing[1]


def _deep_file(root: Path, content: str) -> str:
    """Create app/ddd…/legacy.py with a path longer than PATH_MAX, one folder at a time."""
    part = "d" * 250
    fd = os.open(root / "app", os.O_RDONLY)
    depth = 0
    try:
        while depth * 251 < 4200:
            os.mkdir(part, dir_fd=fd)
            inner = os.open(part, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd, depth = inner, depth + 1
        with open(os.open("legacy.py", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "w") as handle:
            handle.write(content)
    finally:
        os.close(fd)
    return "app/" + "/".join([part] * depth)


def test_a_path_longer_than_the_system_allows_fails_the_check(tmp_path: Path) -> None:
    make_project(tmp_path)
    deep = _deep_file(tmp_path, LEGACY_MODULE)
    code, out, err = run_check(tmp_path, "check")
    assert code == 2, out
    one_error_line(err, "too long")
    assert deep[:40] in err


# One symlink rule: a link that resolves outside the project is not followed (and is listed as such);
# a link inside it is followed, once.


def test_a_file_link_out_of_the_project_is_not_read_and_is_listed(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    write_files(tmp_path, {"outside/legacy.py": LEGACY_MODULE})
    (project / "app/linked.py").symlink_to(tmp_path / "outside/legacy.py")
    code, out, err = run_check(project, "check")
    assert (code, err) == (0, ""), out
    assert out.endswith("1 file scanned; 1 skipped (1 symlink outside the project); 0 suppressed.\n")
    listing = run_check(project, "check", "--list-files")[1]
    assert "  app/linked.py  (symlink outside the project)\n" in listing


@GIT_OR_WALK
def test_a_folder_link_out_of_the_project_is_not_followed_and_is_listed(tmp_path: Path, git: bool) -> None:
    project = make_project(tmp_path / "project")
    write_files(tmp_path, {"outside/legacy.py": LEGACY_MODULE})
    (project / "app/vendored").symlink_to(tmp_path / "outside", target_is_directory=True)
    _in_git(project, git)
    code, out, _ = run_check(project, "check")
    assert code == 0, out
    assert "1 skipped (1 symlink outside the project)" in out
    assert "  app/vendored/  (symlink outside the project)\n" in run_check(project, "check", "--list-files")[1]


@GIT_OR_WALK
def test_a_folder_link_inside_the_project_is_followed(tmp_path: Path, git: bool) -> None:
    make_project(tmp_path, {"shared/legacy.py": LEGACY_MODULE})
    (tmp_path / "app/shared").symlink_to(tmp_path / "shared", target_is_directory=True)
    _in_git(tmp_path, git)
    code, out, _ = run_check(tmp_path, "check")
    assert code == 1
    assert f"app/shared/legacy.py:3:10: {LEGACY_FINDING}" in out


@GIT_OR_WALK
def test_a_folder_link_loop_is_followed_once(tmp_path: Path, git: bool) -> None:
    make_project(tmp_path, {"app/pkg/legacy.py": LEGACY_MODULE})
    (tmp_path / "app/pkg/again").symlink_to("..", target_is_directory=True)
    (tmp_path / "app/pkg/self").symlink_to(".", target_is_directory=True)
    _in_git(tmp_path, git)
    code, out, _ = run_check(tmp_path, "check", timeout=60)
    assert code == 1
    assert out.count(LEGACY_FINDING) == 1
    assert "2 files scanned" in out
    listing = run_check(tmp_path, "check", "--list-files")[1]
    assert "  app/pkg/again/  (symlink to a folder already walked)\n" in listing


# Confinement: what the configuration names for reading or writing stays inside the project.


@pytest.mark.parametrize(
    "setting",
    [
        pytest.param('baseline = "../outside.json"', id="relative"),
        pytest.param('baseline = "{outside}"', id="absolute"),
        pytest.param('baseline = "link.json"', id="symlink"),
    ],
)
@pytest.mark.parametrize("command", [["baseline"], ["check"], ["baseline", "--prune"]])
def test_a_configured_baseline_outside_the_project_is_refused(tmp_path: Path, setting: str, command: list[str]) -> None:
    outside = tmp_path / "outside.json"
    sentinel = '{"findings": [], "tool": "nolegacyruns", "version": 1}\n'
    outside.write_text(sentinel)
    project = make_project(tmp_path / "project", {"app/legacy.py": LEGACY_MODULE})
    (project / "link.json").symlink_to(outside)
    (project / "pyproject.toml").write_text(CONFIG + setting.format(outside=outside) + "\n")
    code, out, err = run_check(project, *command)
    assert code == 2, out
    one_error_line(err, "baseline", "outside the project")
    assert outside.read_text() == sentinel


def test_baseline_from_the_command_line_outside_the_project_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.json"
    project = make_project(tmp_path / "project", {"app/legacy.py": LEGACY_MODULE})
    code, _, err = run_check(project, "baseline", "--baseline", str(outside))
    assert code == 2
    one_error_line(err, str(outside), "outside the project")
    assert not outside.exists()


@pytest.mark.parametrize(
    ("target", "content"),
    [
        pytest.param(".git/hooks/pre-commit", "#!/bin/sh\nexit 0\n", id="git-hook"),
        pytest.param(".git/new-file.json", None, id="anything-in-git"),
        pytest.param("pyproject.toml", None, id="the-configuration"),
        pytest.param("app/legacy.py", None, id="source"),
        pytest.param("broken.json", "{not json", id="not-a-baseline"),
    ],
)
def test_the_baseline_never_replaces_a_file_that_is_no_baseline(
    tmp_path: Path, target: str, content: str | None
) -> None:
    """`baseline` inside the project may still name the wrong file: a hook that runs on the next commit."""
    project = make_project(tmp_path, {"app/legacy.py": LEGACY_MODULE})
    if content is not None:
        write_files(project, {target: content})
    if target.startswith(".git/hooks"):
        (project / target).chmod(0o755)
    (project / "pyproject.toml").write_text(CONFIG + f'baseline = "{target}"\n')
    before = (project / target).read_bytes() if (project / target).exists() else None
    code, out, err = run_check(project, "baseline")
    assert code == 2, out
    one_error_line(err, target)
    after = (project / target).read_bytes() if (project / target).exists() else None
    assert after == before


def test_an_existing_baseline_is_rewritten(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"app/legacy.py": LEGACY_MODULE})
    assert run_check(project, "baseline")[0] == 0
    assert run_check(project, "baseline")[0] == 0
    assert json.loads((project / ".nolegacyruns-baseline.json").read_text())["findings"]


@pytest.mark.parametrize(
    "pack",
    [
        pytest.param("../pack.toml", id="relative"),
        pytest.param("/dev/zero", id="device"),
        pytest.param("zero.toml", id="link-to-device"),
        pytest.param("fifo.toml", id="fifo"),
        pytest.param("packs", id="folder-holding-a-fifo"),
    ],
)
def test_a_rule_pack_that_is_no_regular_file_in_the_project_is_refused_at_once(tmp_path: Path, pack: str) -> None:
    write_files(tmp_path, {"pack.toml": "[pack]\nname = 'x'\n"})
    project = make_project(tmp_path / "project")
    (project / "zero.toml").symlink_to("/dev/zero")
    os.mkfifo(project / "fifo.toml")
    (project / "packs").mkdir()
    os.mkfifo(project / "packs/evil.toml")
    (project / "pyproject.toml").write_text(CONFIG + f"rule-packs = [{pack!r}]\n")
    code, out, err = run_check(project, "check", timeout=30)
    assert code == 2, out
    one_error_line(err, "rule-packs")


def test_a_rule_pack_over_the_size_bound_is_refused(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    with open(project / "huge.toml", "w") as handle:
        handle.write("[pack]\nname = 'huge'\n")
        handle.truncate(64 << 20)  # sparse: nothing on disk, 64 MB to a reader
    (project / "pyproject.toml").write_text(CONFIG + "rule-packs = ['huge.toml']\n")
    code, _, err = run_check(project, "check", timeout=30)
    assert code == 2
    one_error_line(err, "huge.toml", "larger than")


@pytest.mark.parametrize("option", [pytest.param("--baseline", id="baseline"), pytest.param("--diff", id="diff")])
@pytest.mark.parametrize(
    "target",
    [pytest.param("fifo", id="fifo"), pytest.param("/dev/zero", id="device"), pytest.param("big", id="too-big")],
)
def test_baselines_and_diffs_that_are_no_regular_file_of_bounded_size_are_refused_at_once(
    tmp_path: Path, option: str, target: str
) -> None:
    project = make_project(tmp_path, {"app/legacy.py": LEGACY_MODULE})
    os.mkfifo(project / "fifo")
    with open(project / "big", "w") as handle:
        handle.truncate(1 << 30)  # sparse: 1 GB to a reader
    code, out, err = run_check(project, "check", option, target, timeout=30)
    assert code == 2, out
    one_error_line(err, target)


# Atomic writes: the previous baseline or report survives a write that fails half-way.


def _limit_file_size(limit: int) -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))


def _legacyproject(root: Path, files: int) -> Path:
    return make_project(root, {f"app/legacy_{i}.py": LEGACY_MODULE for i in range(files)})


@pytest.mark.parametrize(
    "args", [pytest.param(["baseline"], id="baseline"), pytest.param(["check", "--output", "report.json"], id="output")]
)
def test_a_write_that_fails_half_way_leaves_the_previous_file_whole(tmp_path: Path, args: list[str]) -> None:
    import sys

    project = _legacyproject(tmp_path, 40)
    target = project / (".nolegacyruns-baseline.json" if args == ["baseline"] else "report.json")
    previous = json.dumps({"tool": "nolegacyruns", "version": 1, "findings": []}) + "\n"
    target.write_text(previous)
    done = subprocess.run(
        [sys.executable, "-m", "nolegacyruns", *args, "--format", "json"]
        if args[0] == "check"
        else [sys.executable, "-m", "nolegacyruns", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=lambda: _limit_file_size(4096),
    )
    assert done.returncode == 2, done.stdout
    one_error_line(done.stderr, target.name)
    assert target.read_text() == previous
    assert [p.name for p in project.iterdir() if p.name.startswith(target.name) and p != target] == []


def test_a_reader_never_sees_a_half_written_baseline(tmp_path: Path) -> None:
    import sys

    project = _legacyproject(tmp_path, 400)
    target = project / ".nolegacyruns-baseline.json"
    subprocess.run([sys.executable, "-m", "nolegacyruns", "baseline"], cwd=project, check=True, capture_output=True)
    bad, reads, stop = [], [0], threading.Event()

    def read_forever() -> None:
        while not stop.is_set():
            try:
                json.loads(target.read_bytes())
            except ValueError:
                bad.append(1)
            reads[0] += 1

    reader = threading.Thread(target=read_forever)
    reader.start()
    try:
        for _ in range(3):
            subprocess.run(
                [sys.executable, "-m", "nolegacyruns", "baseline"], cwd=project, check=True, capture_output=True
            )
    finally:
        stop.set()
        reader.join()
    assert reads[0] > 0 and bad == []


# --changed-since takes a revision, never an option for git.


def test_a_changed_since_ref_that_looks_like_an_option_is_refused(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"app/legacy.py": LEGACY_MODULE})
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    subprocess.run([*git, "add", "-A"], cwd=project, check=True)
    subprocess.run([*git, "commit", "-qm", "x"], cwd=project, check=True)
    (project / "app/new.py").write_text(LEGACY_MODULE)
    written = tmp_path / "written"
    code, out, err = run_check(project, "check", f"--changed-since=--output={written}")
    assert code == 2, out
    one_error_line(err, "--changed-since", f"--output={written}")
    assert not written.exists()
    # A real revision still works.
    assert run_check(project, "check", "--changed-since", "HEAD")[0] == 1


def test_a_file_replaced_by_a_fifo_after_the_scope_was_taken_is_an_error_not_a_hang(tmp_path: Path) -> None:
    from nolegacyruns.config.loading import Config
    from nolegacyruns.config.selection import build_ruleset
    from nolegacyruns.scan.engine import examine_file

    os.mkfifo(tmp_path / "m.py")  # nobody ever writes to it: an open() that waits for a writer never returns
    config = Config(root=tmp_path)
    results = []
    reader = threading.Thread(
        target=lambda: results.append(examine_file(tmp_path, "m.py", build_ruleset(config), config)), daemon=True
    )
    reader.start()
    reader.join(10)
    assert not reader.is_alive(), "reading a FIFO blocked the check"
    [examined] = results
    assert examined.error == "cannot read: not a regular file"
    assert examined.analysis is None
