"""Inputs that crash or stall a parser cost only their own file.

The Python scanner reads CPython's tokens (CPython raises, never crashes, on hostile input) and
falls back to the plain scan, with NLR900, exactly where CPython itself refuses the file; libcst
runs only for the backfill analyzer, isolated in a child process with a deadline.
"""

from __future__ import annotations

import ast
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import run_cli, write_files
from nolegacyruns.scan import isolation
from nolegacyruns.scan.isolation import IsolatedBug, run_isolated

TOKEN_LINE = 'x = "inventory_sync_runs"\n'

PATHOLOGICAL = [
    pytest.param("s = " + "(" * 2000 + "1" + ")" * 2000, id="2000-nested-parens"),
    pytest.param("s = " + "+".join(["1"] * 50_000), id="50000-term-chain"),
    pytest.param("s = " + "-" * 5000 + "1", id="5000-unary-minus"),
    pytest.param("s = " + "lambda: " * 5000 + "1", id="5000-nested-lambdas"),
    pytest.param("s = a" + "[0]" * 5000, id="5000-subscripts"),
    pytest.param("s = f" + "()" * 50_000, id="50000-calls"),
    pytest.param("x = " * 50_000 + "1", id="50000-assignments"),
    pytest.param(
        "if x == 0:\n    y = 0\n" + "".join(f"elif x == {i}:\n    y = {i}\n" for i in range(1, 250)),
        id="250-elif-deep",
    ),
    pytest.param("s = " + " + ".join(['"ab"'] * 250), id="250-string-concatenations"),
    pytest.param("s = q" + ".a()" * 200, id="200-method-chain"),
    pytest.param("s = " + "lambda: " * 600 + "1", id="600-nested-lambdas"),
]


def _cpython_refuses(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return True
    return False


@pytest.mark.parametrize("body", PATHOLOGICAL)
def test_hard_input_never_takes_the_check_down(tmp_path: Path, body: str) -> None:
    write_files(
        tmp_path,
        {"nolegacyruns.toml": "", "app/hard.py": TOKEN_LINE + body + "\n", "app/other.py": TOKEN_LINE},
    )
    result = run_cli("check", "--format", "json", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    import json

    findings = json.loads(result.stdout)["findings"]
    assert {(f["path"], f["rule"]) for f in findings if f["rule"] == "NLR001"} == {
        ("app/hard.py", "NLR001"),
        ("app/other.py", "NLR001"),
    }
    # NLR900 exactly where the interpreter running the check refuses the file (which of these
    # it refuses depends on its version: 3.11 gives up on the long chains that 3.10 parses).
    assert any(f["rule"] == "NLR900" for f in findings) is _cpython_refuses(TOKEN_LINE + body + "\n")


def _segfault() -> None:
    os.kill(os.getpid(), signal.SIGSEGV)


def _sleep() -> str:
    time.sleep(2)
    return "slept"


def _spin() -> None:
    while True:
        pass


def _too_deep() -> None:
    raise RecursionError("maximum recursion depth exceeded")


def _bug() -> None:
    raise ValueError("a bug")


@pytest.mark.parametrize(
    ("work", "failure"),
    [
        pytest.param(_segfault, "the parser crashed (SIGSEGV)", id="crash"),
        pytest.param(_spin, "the parser used more than its 1 s of CPU time", id="cpu-budget"),
        pytest.param(_too_deep, "the parser gave up (RecursionError)", id="recursion"),
    ],
)
def test_isolated_failures_are_reported_not_raised(work: object, failure: str) -> None:
    outcome = run_isolated(work, cpu_seconds=1)  # type: ignore[arg-type]
    assert (outcome.value, outcome.failure) == (None, failure)


def test_the_budget_counts_cpu_time_not_waiting() -> None:
    """A parse that gets no CPU (a loaded machine) is not judged by the clock."""
    assert run_isolated(_sleep, cpu_seconds=1).value == "slept"


def test_one_helper_serves_many_parses_and_a_new_one_follows_a_crash() -> None:
    isolated: isolation.Isolated[int, int] = isolation.Isolated(lambda n: _crash_on(n))
    try:
        first = isolated.run(1)
        helper = isolated._child
        assert (first.value, isolated.run(2).value, isolated._child) == (1, 2, helper)
        assert isolated.run(0).failure == "the parser crashed (SIGSEGV)"
        assert isolated.run(3).value == 3 and isolated._child is not helper
    finally:
        isolated.close()


def _crash_on(number: int) -> int:
    if number == 0:
        _segfault()
    return number


def test_isolated_value_comes_back_and_a_bug_is_still_a_bug() -> None:
    assert run_isolated(lambda: {"segments": [1, 2, 3]}).value == {"segments": [1, 2, 3]}
    with pytest.raises(IsolatedBug, match="ValueError: a bug"):
        run_isolated(_bug)


def test_the_python_scanner_never_loads_libcst(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from nolegacyruns.scan.scanners.python import scan_python\n"
        f"lexed = scan_python('app/a.py', {TOKEN_LINE!r})\n"
        "print(len(lexed.segments), len(lexed.notices), 'libcst' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["2", "0", "False"]


def test_without_fork_the_parse_runs_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(isolation.os, "fork")
    assert run_isolated(lambda: 42).value == 42
    assert run_isolated(_too_deep).failure == "the parser gave up (RecursionError)"
