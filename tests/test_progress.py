"""The progress line: on a terminal, after a second, files done/total on stderr; silent otherwise."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from cli_support import invoke
from helpers import CLEAN_MODULE, write_files
from nolegacyruns.scan import progress as progress_module
from nolegacyruns.scan.progress import Progress, wants_progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_nothing_is_drawn_in_the_first_second_then_done_over_total_and_wiped() -> None:
    now = [0.0]
    stream = _Terminal()
    bar = Progress(stream, clock=lambda: now[0])
    bar.start(10)
    bar.advance(3)
    assert stream.getvalue() == ""
    now[0] = 1.5
    bar.advance(2)
    assert stream.getvalue().endswith("nolegacyruns: 5/10 files checked")
    now[0] = 1.55
    bar.advance(1)  # within a tenth of a second: not redrawn
    assert "6/10" not in stream.getvalue()
    bar.advance(4)  # the last file is always shown
    assert stream.getvalue().endswith("10/10 files checked")
    bar.close()
    assert stream.getvalue().endswith("\r\x1b[K")


@pytest.mark.parametrize(
    ("terminal", "quiet", "ci", "shown"),
    [
        pytest.param(True, False, None, True, id="terminal"),
        pytest.param(False, False, None, False, id="pipe"),
        pytest.param(True, True, None, False, id="quiet"),
        pytest.param(True, False, "true", False, id="ci"),
    ],
)
def test_shown_only_to_a_person_at_a_terminal(
    monkeypatch: pytest.MonkeyPatch, terminal: bool, quiet: bool, ci: str | None, shown: bool
) -> None:
    monkeypatch.delenv("CI", raising=False)
    if ci:
        monkeypatch.setenv("CI", ci)
    stream = _Terminal() if terminal else io.StringIO()
    assert wants_progress(stream, quiet) is shown


def test_a_slow_check_on_a_terminal_draws_the_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_files(tmp_path, {"nolegacyruns.toml": "", **{f"app/m{n}.py": CLEAN_MODULE for n in range(5)}})
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(progress_module, "DELAY_SECONDS", 0.0)
    monkeypatch.setattr("nolegacyruns.cli.wants_progress", lambda stream, quiet: not quiet)
    result = invoke(root, "check", "--no-cache")
    assert "nolegacyruns: 5/5 files checked" in result.stderr
    assert result.stdout.startswith("nolegacyruns passed")
    assert "files checked" not in invoke(root, "check", "--no-cache", "--quiet").stderr
