"""The pytest plugin: off unless asked for; then one item per checked tree, failing on legacy uses."""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest

from cli_support import invoke
from helpers import CLEAN_MODULE, LEGACY_MODULE

pytest_plugins = ["pytester"]

PASSING_TEST = "def test_ok():\n    assert True\n"


@pytest.fixture
def legacy(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makefile(".toml", nolegacyruns='paths = ["app", "routes"]\n')
    pytester.mkdir("app")
    pytester.mkdir("routes")
    (pytester.path / "app" / "clean.py").write_text(CLEAN_MODULE, encoding="utf-8")
    (pytester.path / "routes" / "legacy.py").write_text(LEGACY_MODULE, encoding="utf-8")
    pytester.makepyfile(test_app=PASSING_TEST)
    return pytester


def test_registered_through_the_pytest11_entry_point() -> None:
    [entry] = [e for e in entry_points(group="pytest11") if e.name == "nolegacyruns"]
    assert entry.value == "nolegacyruns.pytest_plugin"


def test_off_by_default_adds_no_item(legacy: pytest.Pytester) -> None:
    result = legacy.runpytest("-v")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["collecting ... collected 1 item"])
    result.stdout.no_fnmatch_line("*nolegacyruns[[]*")


def test_option_fails_the_tree_with_a_legacy_use_and_passes_the_clean_one(legacy: pytest.Pytester) -> None:
    result = legacy.runpytest("--nolegacyruns", "-v")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*nolegacyruns[[]app[]] PASSED*",
            "*nolegacyruns[[]routes[]] FAILED*",
            "*routes/legacy.py:3:10: NLR001 legacy run table `inventory_sync_runs`*",
            '*   3 | TABLE = "inventory_sync_runs"*',
            "*nolegacyruns FAILED: 1 finding in 1 file*",
        ]
    )


def test_ini_option_turns_it_on(legacy: pytest.Pytester) -> None:
    legacy.makeini("[pytest]\nnolegacyruns = true\n")
    legacy.runpytest().assert_outcomes(passed=2, failed=1)


def test_a_clean_project_passes(pytester: pytest.Pytester) -> None:
    pytester.makefile(".toml", nolegacyruns='paths = ["app"]\n')
    pytester.mkdir("app")
    (pytester.path / "app" / "clean.py").write_text(CLEAN_MODULE, encoding="utf-8")
    pytester.makepyfile(test_app=PASSING_TEST)
    pytester.runpytest("--nolegacyruns").assert_outcomes(passed=2)


def test_the_baseline_is_honoured(legacy: pytest.Pytester) -> None:
    result = invoke(legacy.path, "baseline")
    assert result.exit_code == 0, result.output
    legacy.runpytest("--nolegacyruns").assert_outcomes(passed=3)


def test_a_configuration_error_fails_the_guard_item(pytester: pytest.Pytester) -> None:
    pytester.makefile(".toml", nolegacyruns='paths = "app"\n')
    pytester.makepyfile(test_app=PASSING_TEST)
    result = pytester.runpytest("--nolegacyruns")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*nolegacyruns: error: nolegacyruns.toml: paths: expected a list of strings*"])


def test_deselecting_with_k_works(legacy: pytest.Pytester) -> None:
    legacy.runpytest("--nolegacyruns", "-k", "not routes").assert_outcomes(passed=2)


def test_in_a_subprocess_through_the_entry_point(legacy: pytest.Pytester) -> None:
    legacy.runpytest_subprocess("--nolegacyruns").assert_outcomes(passed=2, failed=1)


@pytest.mark.parametrize(
    ("config", "routes"),
    [
        pytest.param("", {}, id="empty-folder"),
        pytest.param("", {"logo.png": b"\x89PNG\r\n\x1a\n\x00\x00"}, id="only-a-binary-file"),
        pytest.param('exclude = ["routes/old.py"]\n', {"old.py": LEGACY_MODULE.encode()}, id="only-an-excluded-file"),
    ],
)
def test_a_configured_path_with_nothing_to_check_does_not_fail(
    pytester: pytest.Pytester, config: str, routes: dict[str, bytes]
) -> None:
    pytester.makefile(".toml", nolegacyruns='paths = ["app", "routes"]\n' + config)
    pytester.mkdir("app")
    pytester.mkdir("routes")
    (pytester.path / "app" / "clean.py").write_text(CLEAN_MODULE, encoding="utf-8")
    for name, data in routes.items():
        (pytester.path / "routes" / name).write_bytes(data)
    pytester.makepyfile(test_app=PASSING_TEST)
    assert invoke(pytester.path, "check").exit_code == 0
    result = pytester.runpytest("--nolegacyruns", "-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*nolegacyruns[[]app[]] PASSED*"])
    result.stdout.no_fnmatch_line("*nolegacyruns[[]routes[]]*")


def test_a_project_with_nothing_to_check_fails_as_check_does(pytester: pytest.Pytester) -> None:
    pytester.makefile(".toml", nolegacyruns='paths = ["app", "routes"]\n')
    pytester.mkdir("app")
    (pytester.path / "app" / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    pytester.makepyfile(test_app=PASSING_TEST)
    assert invoke(pytester.path, "check").exit_code == 2
    result = pytester.runpytest("--nolegacyruns", "-v")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["*nolegacyruns[[].[]] FAILED*", "*no file to check under paths [[]'app', 'routes'[]]*"]
    )
