"""The fixture project: every finding is exactly where an inline marker says, and nowhere else."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from markers import markers_in, project_markers
from nolegacyruns import check
from nolegacyruns.findings import Suppression, SuppressionKind

FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE = FIXTURES / "project"
ALLOWED = FIXTURES / "allowed_project"
LARAVEL = FIXTURES / "laravel_app"


@pytest.fixture(scope="module")
def report():  # type: ignore[no-untyped-def]
    return check(FIXTURE)


@pytest.mark.parametrize(
    "project",
    [
        pytest.param(FIXTURE, id="project"),
        pytest.param(ALLOWED, id="allowed_project"),
        pytest.param(LARAVEL, id="laravel_app"),
    ],
)
def test_findings_match_the_inline_markers_exactly(project: Path) -> None:
    found = Counter((f.path, f.line, f.rule) for f in check(project).findings)
    expected = project_markers(project)
    missing = sorted((expected - found).elements())
    unexpected = sorted((found - expected).elements())
    assert (missing, unexpected) == ([], [])


def test_the_fixture_has_markers_in_every_scanned_tree(report) -> None:  # type: ignore[no-untyped-def]
    marked = {path.split("/")[0] for path, _, _ in project_markers(FIXTURE)}
    assert "app" in marked
    assert len(report.findings) >= 30


@pytest.mark.parametrize(
    ("relpath", "reason"),
    [
        pytest.param("app/generated/", ".gitignore", id="gitignored-folder"),
        pytest.param("app/blob.bin", "binary", id="binary-file"),
    ],
)
def test_left_out_files_are_named_with_their_reason(report, relpath: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    assert (relpath, reason) in report.scope.left_out


def test_out_of_scope_file_holds_legacy_tokens_but_is_not_checked(report) -> None:  # type: ignore[no-untyped-def]
    assert "backup_schedule_runs" in (FIXTURE / "docs" / "notes.py").read_text()
    assert not any(f.path.startswith("docs/") for f in report.findings)
    assert "docs/notes.py" not in report.scope.files


def test_binary_file_counts_as_skipped(report) -> None:  # type: ignore[no-untyped-def]
    assert report.summary()["files_skipped"] >= 1


def test_suppressed_findings_are_counted_with_their_reasons(report) -> None:  # type: ignore[no-untyped-def]
    reasons = {(f.path, f.line): f.suppressed_by for f in report.suppressed}
    assert reasons[("app/suppressed.py", 2)] == Suppression(SuppressionKind.DIRECTIVE, "named by the cutover migration")
    assert reasons[("app/suppressed.py", 3)] == Suppression(SuppressionKind.DIRECTIVE, "the cutover maps these")
    assert report.summary()["suppressed"] == len(report.suppressed) >= 4


def test_latin1_columns_count_code_points(report) -> None:  # type: ignore[no-untyped-def]
    [finding] = [f for f in report.findings if f.path == "app/latin1.py"]
    assert (finding.line, finding.column, finding.token) == (3, 14, "inventory_sync_runs")


def test_crash_prone_files_fall_back_with_a_warning(report) -> None:  # type: ignore[no-untyped-def]
    warnings = {f.path: f.message for f in report.findings if f.rule == "NLR900"}
    assert "too many nested parentheses" in warnings["app/deep_nesting.py"]
    assert "Python's own parser gave up" in warnings["app/long_chain.py"]
    assert "syntax error" in warnings["app/broken_syntax.py"]
    assert "undecodable" in warnings["app/undecodable.py"]


def test_markers_parse_shifts_and_repeats() -> None:
    text = "a  # expect: NLR002 NLR002\nb\n'''x'''  # expect: NLR001@-1, NLR003\n"
    assert markers_in(text) == Counter({(1, "NLR002"): 2, (2, "NLR001"): 1, (3, "NLR003"): 1})


def test_allow_entry_never_covers_a_backfill_in_the_allowed_migrations() -> None:
    report = check(ALLOWED)
    in_migrations = [f for f in report.findings if f.path.startswith("database/migrations/")]
    assert {f.rule for f in in_migrations} == {"NLR101"}
    assert report.exit_code == 1
    allowed = [f for f in report.suppressed if f.path.startswith("database/migrations/")]
    assert allowed and all(f.rule in {"NLR001", "NLR003", "NLR004"} for f in allowed)
    for finding in allowed:
        assert finding.suppressed_by is not None and finding.suppressed_by.kind is SuppressionKind.ALLOW
        assert finding.suppressed_by.justification.startswith("allowed by nolegacyruns.toml: the cutover")


def test_backfill_message_names_the_legacy_source_and_its_line() -> None:
    [finding] = [f for f in check(ALLOWED).findings if f.path == "app/backfill.py" and f.line == 10]
    assert finding.token == "OperationRun" and finding.column == 21
    assert "legacy source `InventorySyncRun` (line 9)" in finding.message


def test_a_source_bound_to_a_name_is_reported_at_its_binding_line() -> None:
    [finding] = [f for f in check(ALLOWED).findings if f.path == "app/backfill.py" and f.line == 26]
    assert "legacy source `inventory_sync_runs` through `rows` (line 24)" in finding.message


def test_worker_processes_give_the_same_report_as_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    from nolegacyruns.api import run
    from nolegacyruns.config.loading import load_config
    from nolegacyruns.scan import workers

    config = load_config(FIXTURE)
    sequential = run(config, jobs=1)
    monkeypatch.setattr(workers, "_CHUNK", 3)
    assert workers.worker_count(len(sequential.scope.files), 3) == 3
    parallel = run(config, jobs=3)
    assert [r.findings for r in parallel.results] == [r.findings for r in sequential.results]
    assert parallel.summary() == sequential.summary()


def test_the_laravel_app_is_laid_out_like_laravel_with_backfills_and_spellings_in_each_part() -> None:
    marked = project_markers(LARAVEL)
    folders = {path.rsplit("/", 1)[0] if path.startswith("app/") else path.split("/")[0] for path, _, _ in marked}
    assert {"app/Console/Commands", "app/Jobs", "app/Models", "app/Http/Controllers", "database", "routes"} <= folders
    rules_by_folder = {(path.split("/")[1], rule) for path, _, rule in marked if path.startswith("app/")}
    assert {("Console", "NLR101"), ("Jobs", "NLR101"), ("Models", "NLR002"), ("Models", "NLR003")} <= rules_by_folder
