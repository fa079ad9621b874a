"""The files of a git work tree as git sees them: tracked, and untracked unless git ignores them.

Git applies every ignore source (`.gitignore` files, `.git/info/exclude`, `core.excludesFile`) with its
own matcher, faster than a walk and exactly as `git status` does.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path, PurePosixPath

from ..replay.recorder import note_command

_LITERAL = ":(literal)"
_GIT = ("git", "--no-pager")
_ENV_DROPPED = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE")


# What git says, on stderr and with exit 0, of a folder it could not list: the check must not pass over it.
_UNREADABLE = re.compile(r"^warning: could not open directory '(.*)': (.*)$")


def _may_be_in_work_tree(root: Path) -> bool:
    """Whether git could find a repository from root: a `.git` (a folder, or the file of a linked work
    tree or submodule) in root or a folder above it, on the physical path git itself walks up. Without
    one git can only answer "not a git repository", and is not started."""
    folder = os.path.realpath(root)
    while True:
        if os.path.lexists(os.path.join(folder, ".git")):
            return True
        parent = os.path.dirname(folder)
        if parent == folder:
            return False
        folder = parent


def _git(root: Path, *args: str, warnings: list[str] | None = None) -> list[str] | None:
    if not _may_be_in_work_tree(root):
        return None
    env = {key: value for key, value in os.environ.items() if key not in _ENV_DROPPED}
    env["GIT_TERMINAL_PROMPT"] = "0"
    command = [*_GIT, "-C", str(root), *args]
    try:
        result = subprocess.run(command, capture_output=True, env=env, stdin=subprocess.DEVNULL, check=False)
    except OSError:
        return None  # no git
    note_command(command, env, result.returncode, result.stdout, result.stderr)
    if result.returncode != 0:
        return None  # not a work tree (or root is inside .git)
    if warnings is not None:
        warnings += os.fsdecode(result.stderr).splitlines()
    return [os.fsdecode(entry) for entry in result.stdout.split(b"\0") if entry]


def _pathspec(start: PurePosixPath) -> list[str]:
    return [] if str(start) == "." else ["--", _LITERAL + start.as_posix()]


def git_files_and_unreadable(root: Path, start: PurePosixPath) -> tuple[list[str] | None, list[tuple[str, str]]]:
    """Root-relative paths below start that git lists (None when root is in no git work tree), and the
    folders git could not open, with the reason.

    Folders git does not enter (an untracked nested repository) end with `/`; a submodule is listed as
    its folder's path.
    """
    warnings: list[str] = []
    listed = _git(
        root, "ls-files", "-z", "--cached", "--others", "--exclude-standard", *_pathspec(start), warnings=warnings
    )
    unreadable = [(match[1].rstrip("/"), match[2]) for line in warnings if (match := _UNREADABLE.match(line))]
    return listed, unreadable


def git_ignored(root: Path, start: PurePosixPath) -> list[str]:
    """What git ignores below start (a wholly ignored folder once, ending with `/`), for --list-files."""
    listed = _git(
        root, "ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory", *_pathspec(start)
    )
    return listed or []
