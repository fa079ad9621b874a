"""Run the click CLI in-process from a chosen folder, for the tests of the CI-facing features."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from click.testing import CliRunner, Result

from nolegacyruns import cli

FIXTURE = Path(__file__).parent / "fixtures" / "project"


@contextmanager
def working_folder(folder: Path) -> Iterator[None]:
    previous = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(previous)


def invoke(cwd: Path, *args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
    """Run `nolegacyruns ARGS` from cwd; stdout and stderr are kept apart."""
    with working_folder(cwd):
        return CliRunner(env={"NO_COLOR": "1", **(env or {})}).invoke(cli.main, list(args), input=input)
