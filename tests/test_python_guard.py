"""Inputs that crash or stall libcst cost only their own file: pre-screen, isolated parse, fallback."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from helpers import run_cli, write_files
from nolegacyruns.scan import isolation
from nolegacyruns.scan.isolation import IsolatedBug, run_isolated

TOKEN_LINE = 'x = "inventory_sync_runs"\n'

PATHOLOGICAL = [
    pytest.param("s = " + "(" * 2000 + "1" + ")" * 2000, True, id="2000-nested-parens-segfault"),
    pytest.param("s = " + "+".join(["1"] * 50_000), True, id="50000-term-chain-segfault"),
    pytest.param("s = " + "-" * 5000 + "1", True, id="5000-unary-minus-stall"),
    pytest.param("s = " + "lambda: " * 5000 + "1", True, id="5000-nested-lambdas-segfault"),
    pytest.param("s = a" + "[0]" * 5000, True, id="5000-subscripts-stall"),
    pytest.param("s = f" + "()" * 50_000, True, id="50000-calls-stall"),
    pytest.param("x = " * 50_000 + "1", True, id="50000-assignments-stall"),
    pytest.param(
        "if x == 0:\n    y = 0\n" + "".join(f"elif x == {i}:\n    y = {i}\n" for i in range(1, 250)),
        False,
        id="250-elif-deep-but-fine",
    ),
    pytest.param("s = " + " + ".join(['"ab"'] * 250), False, id="250-string-concatenations-fine"),
    pytest.param("s = q" + ".a()" * 200, False, id="200-method-chain-fine"),
    pytest.param("s = " + "lambda: " * 600 + "1", False, id="600-nested-lambdas-fine"),
]


@pytest.mark.parametrize(("body", "falls_back"), PATHOLOGICAL)
def test_hard_input_never_takes_the_check_down(tmp_path: Path, body: str, falls_back: bool) -> None:
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
    assert any(f["rule"] == "NLR900" for f in findings) is falls_back


def _segfault() -> None:
    os.kill(os.getpid(), signal.SIGSEGV)


def _sleep() -> None:
    time.sleep(30)


def _too_deep() -> None:
    raise RecursionError("maximum recursion depth exceeded")


def _bug() -> None:
    raise ValueError("a bug")


@pytest.mark.parametrize(
    ("work", "failure"),
    [
        pytest.param(_segfault, "the parser crashed (SIGSEGV)", id="crash"),
        pytest.param(_sleep, "the parser ran longer than 0.5 s", id="deadline"),
        pytest.param(_too_deep, "the parser gave up (RecursionError)", id="recursion"),
    ],
)
def test_isolated_failures_are_reported_not_raised(work: object, failure: str) -> None:
    outcome = run_isolated(work, deadline_seconds=0.5)  # type: ignore[arg-type]
    assert (outcome.value, outcome.failure) == (None, failure)


def test_isolated_value_comes_back_and_a_bug_is_still_a_bug() -> None:
    assert run_isolated(lambda: {"segments": [1, 2, 3]}).value == {"segments": [1, 2, 3]}
    with pytest.raises(IsolatedBug, match="ValueError: a bug"):
        run_isolated(_bug)


def test_a_parser_crash_falls_back_to_the_plain_scan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nolegacyruns import check
    from nolegacyruns.scan.scanners import python as python_scanner

    monkeypatch.setattr(python_scanner.cst, "parse_module", lambda text: _segfault())
    write_files(tmp_path, {"nolegacyruns.toml": "", "app/a.py": TOKEN_LINE})
    report = check(tmp_path)
    assert [(f.rule, f.line) for f in report.findings] == [("NLR900", 1), ("NLR001", 1)]
    assert "the parser crashed (SIGSEGV)" in report.findings[0].message


def test_without_fork_the_parse_runs_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(isolation.os, "fork")
    assert run_isolated(lambda: 42).value == 42
    assert run_isolated(_too_deep).failure == "the parser gave up (RecursionError)"
