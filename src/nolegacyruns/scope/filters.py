"""Which paths the configuration and the .gitignore files leave out: `ScopeFilter`, asked path by path.

Folders are named by their root-relative posix path as a plain string, `.` for the root: the walk and
git's listing ask about every file, and building a path object for each costs more than the answer.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from ..config.loading import Config

if TYPE_CHECKING:
    import pathspec

EXCLUDED = "exclude"
GITIGNORED = ".gitignore"
OUTSIDE = "outside paths"
ROOT_FOLDER = "."


def parent_folder(relpath: str) -> str:
    """The folder a root-relative path is in (`.` for the root)."""
    return relpath.rpartition("/")[0] or ROOT_FOLDER


def _compile_lenient(lines: Iterable[str]) -> pathspec.GitIgnoreSpec | None:
    """Compile .gitignore lines as git does: a bad pattern is dropped, not fatal."""
    import pathspec  # loaded only for a tree that has .gitignore files

    good = []
    for line in lines:
        try:
            pathspec.GitIgnoreSpec.from_lines([line])
        except (ValueError, re.error):
            continue
        good.append(line)
    spec = pathspec.GitIgnoreSpec.from_lines(good)
    return spec if good else None


def _compile_exclude(patterns: Iterable[str]) -> pathspec.GitIgnoreSpec:
    import pathspec  # loaded only for a configuration that excludes something

    return pathspec.GitIgnoreSpec.from_lines(patterns)


class GitIgnores:
    """The .gitignore files of a tree, read once each; deeper files win, as in git."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._specs: dict[str, pathspec.GitIgnoreSpec | None] = {}
        self._chains: dict[str, tuple[tuple[str, pathspec.GitIgnoreSpec], ...]] = {}
        self._present: set[str] | None = None

    def seen(self, folder: str, holds_one: bool) -> None:
        """The walk listed folder: whether it holds a .gitignore (when not, no need to try opening one)."""
        if not holds_one:
            self._specs.setdefault(folder, None)
        elif self._present is not None:
            self._present.add(folder)

    def only_in(self, folders: Iterable[str]) -> None:
        """The folders that hold a .gitignore (git listed it): no other folder is tried, unless walked."""
        self._present = set(folders)

    def _spec(self, folder: str) -> pathspec.GitIgnoreSpec | None:
        if folder not in self._specs:
            lines: list[str] = []
            if self._present is None or folder in self._present:
                try:
                    with open(os.path.join(self.root, folder, ".gitignore"), encoding="utf-8", errors="replace") as f:
                        lines = f.read().splitlines()
                except OSError:
                    pass
            self._specs[folder] = _compile_lenient(lines) if lines else None
        return self._specs[folder]

    def _chain(self, folder: str) -> tuple[tuple[str, pathspec.GitIgnoreSpec], ...]:
        """The (folder prefix, spec) pairs that apply below folder, outermost first; cached per folder."""
        cached = self._chains.get(folder)
        if cached is None:
            top = folder == ROOT_FOLDER
            above = () if top else self._chain(parent_folder(folder))
            spec = self._spec(folder)
            prefix = "" if top else folder + "/"
            cached = above + (((prefix, spec),) if spec is not None else ())
            self._chains[folder] = cached
        return cached

    def applies_in(self, folder: str) -> bool:
        """Does any .gitignore bear on paths directly in folder?"""
        return bool(self._chain(folder))

    def ignores_in(self, folder: str, text: str) -> bool:
        """Is `text` (a root-relative posix path inside folder, `/`-terminated for folders) ignored?"""
        decided = False
        for prefix, spec in self._chain(folder):
            result = spec.check_file(text[len(prefix) :])
            if result.include is not None:
                decided = result.include
        return decided


class ScopeFilter:
    """Decides, path by path, whether a file or folder stays in scope."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.exclude = _compile_exclude(config.exclude) if config.exclude else None
        self.gitignores = GitIgnores(config.root) if config.respect_gitignore else None
        self.paths = [PurePosixPath(p.replace("\\", "/").strip("/")) for p in config.paths]

    def under_paths(self, relpath: PurePosixPath) -> bool:
        return any(relpath == p or p in relpath.parents or str(p) in ("", ".") for p in self.paths)

    def reason_left_out(self, relpath: PurePosixPath, is_dir: bool) -> str | None:
        return self.reason_in_folder(str(relpath.parent), relpath.as_posix(), is_dir)

    def keeps_all_in(self, folder: str) -> bool:
        """No exclude pattern and no .gitignore bears on folder: everything directly in it stays."""
        return self.exclude is None and (self.gitignores is None or not self.gitignores.applies_in(folder))

    def reason_in_folder(self, folder: str, relpath: str, is_dir: bool) -> str | None:
        """Why relpath (a posix path below the root, inside folder) is left out, or None."""
        text = relpath + ("/" if is_dir else "")
        if self.exclude is not None and self.exclude.match_file(text):
            return EXCLUDED
        if self.gitignores is not None and self.gitignores.ignores_in(folder, text):
            return GITIGNORED
        return None

    def reason_for_named_file(self, relpath: PurePosixPath, is_dir: bool = False) -> str | None:
        """Check a file (or folder) named on the command line, including every folder above it.

        A folder is matched as a folder (`gen/` ignores it), so a `!gen/keep.py` below an ignored
        folder stays out, as it does in git and in the walk.
        """
        if not self.under_paths(relpath):
            return OUTSIDE
        for folder in reversed(relpath.parents):
            if str(folder) != "." and (reason := self.reason_left_out(folder, True)):
                return reason
        return self.reason_left_out(relpath, is_dir)
