"""The guard as a test: `pytest --nolegacyruns` (or `nolegacyruns = true` in the ini) adds one item per checked tree.

Registered through the `pytest11` entry point and off unless asked for: without the option or the
ini setting it adds no item and changes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .api import baseline_for, run, scope_for
from .config.loading import Config, load_config
from .errors import UsageError
from .report.model import Report
from .report.text import format_text

OPTION = "--nolegacyruns"
INI = "nolegacyruns"
_DEST = "nolegacyruns"


class GuardFailure(Exception):
    """The guard found legacy uses, or could not run; the message is the report a person reads."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("nolegacyruns", "legacy run guard")
    group.addoption(
        OPTION,
        action="store_true",
        default=False,
        dest=_DEST,
        help="Check the project for legacy run tokens: one test item per configured path.",
    )
    parser.addini(
        INI, type="bool", default=False, help="Run the nolegacyruns guard in every test run (as --nolegacyruns)."
    )


def enabled(config: pytest.Config) -> bool:
    return bool(config.getoption(_DEST) or config.getini(INI))


def _targets(config: Config, tree: str | None) -> tuple[list[Path], list[Path]]:
    """The (folders, files) that check one configured path (None: the whole project)."""
    target = config.root / tree if tree is not None else config.root
    return ([target], []) if target.is_dir() else ([], [target])


def check_tree(project: Path, tree: str | None) -> Report:
    """Check one configured path of the project at `project` (None: the whole project)."""
    config = load_config(project)
    folders, files = _targets(config, tree)
    return run(config, folders, files, baseline=baseline_for(config, True))


class GuardItem(pytest.Item):
    """One checked tree: passes when the guard finds nothing that fails a check."""

    def __init__(self, *, project: Path, tree: str | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.project = project
        self.tree = tree

    def runtest(self) -> None:
        try:
            report = check_tree(self.project, self.tree)
        except UsageError as error:
            raise GuardFailure("\n".join(f"nolegacyruns: error: {p}" for p in error.problems)) from None
        if report.failed:
            raise GuardFailure(format_text(report).rstrip("\n"))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, GuardFailure):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"nolegacyruns: {self.tree or 'project'}"


def _trees(project: Path) -> list[str | None]:
    """The configured paths with a file in scope; the whole project when none has one (its check then says why).

    A path that is missing, empty, or holds only binary, excluded or ignored files gets no item:
    `check` passes such a path too, as long as the project as a whole has something to check.
    """
    try:
        config = load_config(project)
    except UsageError:
        return [None]
    trees: list[str | None] = [
        path
        for path in config.paths
        if (config.root / path).exists() and scope_for(config, *_targets(config, path)).files
    ]
    return trees or [None]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    if not enabled(config):
        return
    project = config.rootpath
    guard = [
        GuardItem.from_parent(session, name=f"nolegacyruns[{tree or '.'}]", project=project, tree=tree)
        for tree in _trees(project)
    ]
    items[:0] = guard
