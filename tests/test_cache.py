"""The content cache: same findings with and without it, invalidated by any change, never trusted when corrupt."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from cli_support import invoke
from helpers import ACME_PACK, age_files, write_files
from nolegacyruns.scan import engine
from nolegacyruns.scan.cache import CACHE_DIR_NAME, CACHE_ENV, LAYOUT

PROJECT = {
    "nolegacyruns.toml": (
        'paths = ["app", "database"]\n'
        "[[allow]]\n"
        'paths = ["app/allowed.py"]\n'
        'rules = ["NLR001"]\n'
        'reason = "the cutover reads the old table once"\n'
    ),
    "app/legacy.py": 'TABLE = "inventory_sync_runs"\nMODEL = "BackupScheduleRun"\n# inventory_sync_runs in a comment\n',
    "app/allowed.py": 'TABLE = "inventory_sync_runs"\n',
    "app/directives.py": (
        'A = "inventory_sync_runs"  # nolegacyruns: ignore[NLR001] kept for the export\n'
        'B = "entra_group_sync_runs"  # nolegacyruns: ignore[NLR001]\n'
        'C = "clean"  # nolegacyruns: ignore[NLR003] nothing here\n'
    ),
    "app/clean.py": "def f():\n    return 1\n",
    "app/image.py": b"\x00\x01binary inventory_sync_runs",
    "database/m.sql": "SELECT * FROM backup_schedule_runs;\nSELECT 1;\n",
}
DIFF = "--- a/app/legacy.py\n+++ b/app/legacy.py\n@@ -1,2 +1,2 @@\n TABLE = 1\n-x\n+MODEL = 2\n"


def _project(tmp_path: Path) -> Path:
    root = write_files(tmp_path / "project", PROJECT)
    age_files(root)
    return root


def _check(root: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = invoke(root, "check", "--format", "json", *args, env=env)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, result.stdout


def _no_analysis(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    analysed: list[str] = []
    real = engine.analyse_source

    def counting(relpath: str, *args: Any, **kwargs: Any) -> Any:
        analysed.append(relpath)
        return real(relpath, *args, **kwargs)

    monkeypatch.setattr(engine, "analyse_source", counting)
    return analysed


@pytest.mark.parametrize(
    "args",
    [
        pytest.param((), id="plain"),
        pytest.param(("--format", "sarif"), id="sarif-with-suppressions"),
        pytest.param(("--format", "text"), id="text"),
        pytest.param(("--diff", "changes.diff"), id="diff-mode"),
        pytest.param(("--baseline", "base.json"), id="baseline"),
    ],
)
def test_findings_are_identical_cold_warm_and_without_cache(tmp_path: Path, args: tuple[str, ...]) -> None:
    root = _project(tmp_path)
    (root / "changes.diff").write_text(DIFF)
    assert invoke(root, "baseline", "--baseline", "base.json").exit_code == 0
    # The baseline records the findings of legacy.py; a new one appears afterwards.
    (root / "app/legacy.py").write_text(PROJECT["app/legacy.py"] + 'NEW = "backup_schedule_runs"\n')  # type: ignore[operator]
    age_files(root)
    without = _check(root, "--no-cache", *args)
    assert not (root / CACHE_DIR_NAME).exists()
    cold = _check(root, *args)
    assert (root / CACHE_DIR_NAME).is_dir()
    warm = _check(root, *args)
    assert without == cold == warm


def test_a_warm_check_reads_no_unchanged_file_and_sees_every_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(tmp_path)
    first = _check(root)
    analysed = _no_analysis(monkeypatch)
    assert _check(root) == first
    assert analysed == []  # size, mtime and inode unchanged: taken from the cache
    os.utime(root / "app/clean.py")  # touched, same content: the digest matches
    assert _check(root) == first
    assert analysed == []
    (root / "app/clean.py").write_text('X = "inventory_sync_runs"\n')
    _, report = _check(root)
    assert analysed == ["app/clean.py"]
    assert any(f["path"] == "app/clean.py" for f in json.loads(report)["findings"])


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param("paths =", "scan-comments = true\npaths =", id="scan-comments"),
        pytest.param("reads the old table once", "is reviewed", id="allow-reason"),
        pytest.param('rules = ["NLR001"]', 'rules = ["NLR002"]', id="allow-rules"),
    ],
)
def test_any_configuration_change_gives_the_uncached_result(tmp_path: Path, old: str, new: str) -> None:
    root = _project(tmp_path)
    before = _check(root, "--format", "sarif")
    config = root / "nolegacyruns.toml"
    config.write_text(config.read_text().replace(old, new, 1))
    after = _check(root, "--format", "sarif")
    assert after != before
    assert after == _check(root, "--no-cache", "--format", "sarif")


def test_an_edited_rule_pack_invalidates_the_cache(tmp_path: Path) -> None:
    root = _project(tmp_path)
    write_files(root, {"packs/acme.toml": ACME_PACK, "app/gadgets.py": "T = 'gadget_runs'\n"})
    age_files(root)
    config = root / "nolegacyruns.toml"
    config.write_text("rule-packs = ['packs']\n" + config.read_text())
    assert "ACME001" not in _check(root)[1]
    (root / "packs/acme.toml").write_text(ACME_PACK.replace("widget_runs", "gadget_runs"))
    assert "ACME001" in _check(root, "--no-cache")[1]
    assert "ACME001" in _check(root)[1]


def _shards(root: Path, folder: str = CACHE_DIR_NAME) -> list[Path]:
    return sorted((root / folder).glob(f"{LAYOUT}/*/*.json"))


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda text: "{not json", id="not-json"),
        pytest.param(lambda text: text[: len(text) // 2], id="truncated"),
        pytest.param(lambda text: text.replace('"settings":"', '"settings":"x'), id="foreign-settings"),
        pytest.param(lambda text: json.dumps([1, 2, 3]), id="wrong-shape"),
        pytest.param(lambda text: text.replace("[]]", '[["x"]]]'), id="bad-entry"),
        pytest.param(lambda text: "\udcff".encode("utf-8", "surrogateescape").decode("latin-1"), id="not-utf8"),
    ],
)
def test_a_corrupt_or_foreign_cache_is_ignored_and_rebuilt(tmp_path: Path, damage: Any) -> None:
    root = _project(tmp_path)
    expected = _check(root)
    for shard in _shards(root):
        shard.write_text(damage(shard.read_text()), encoding="latin-1")
    assert _check(root) == expected
    for shard in _shards(root):
        json.loads(shard.read_text())  # rewritten whole
    assert _check(root) == expected


def test_an_entry_claiming_a_clean_file_is_not_trusted_once_the_content_differs(tmp_path: Path) -> None:
    root = _project(tmp_path)
    expected = _check(root)
    for shard in _shards(root):
        document = json.loads(shard.read_text())
        for entry in document["entries"].values():
            entry[0] = "0" * 64  # another digest
            entry[1] = None  # and no stat: the file is read and its digest compared
            if entry[3] is not None:
                entry[3] = []  # "nothing to say"
        shard.write_text(json.dumps(document))
    assert _check(root) == expected


def test_cache_folder_gitignore_option_and_environment(tmp_path: Path) -> None:
    root = _project(tmp_path)
    _check(root)
    assert (root / CACHE_DIR_NAME / ".gitignore").read_text().splitlines()[-1] == "*"
    elsewhere = tmp_path / "ci-cache"
    _check(root, "--cache-dir", str(elsewhere))
    assert _shards(elsewhere, ".")
    from_env = tmp_path / "env-cache"
    _check(root, env={CACHE_ENV: str(from_env)})
    assert _shards(from_env, ".")
    listed = invoke(root, "check", "--list-files").stdout
    assert CACHE_DIR_NAME not in listed
    assert invoke(root, "check", "--no-cache", "--cache-dir", str(elsewhere)).exit_code == 2


def test_a_file_that_cannot_be_read_is_never_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _project(tmp_path)
    real_open = os.open

    def failing_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if str(file).endswith("clean.py"):
            raise PermissionError(13, "Permission denied")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(os, "open", failing_open)  # how the check reads every file
    result = invoke(root, "check")
    assert "app/clean.py: error: cannot read" in result.stdout
    monkeypatch.undo()
    entries = {path for shard in _shards(root) for path in json.loads(shard.read_text())["entries"]}
    assert "app/clean.py" not in entries
    assert "app/legacy.py" in entries


def test_concurrent_checks_sharing_a_cache_agree_and_leave_it_whole(tmp_path: Path) -> None:
    root = _project(tmp_path)
    write_files(root, {f"app/more_{n}.py": f'X{n} = "inventory_sync_runs"\n' for n in range(60)})
    age_files(root)
    expected = subprocess.run(
        [sys.executable, "-m", "nolegacyruns", "check", "--no-cache", "--format", "json"],
        cwd=root,
        capture_output=True,
        text=True,
    ).stdout
    command = [sys.executable, "-m", "nolegacyruns", "check", "--format", "json"]
    processes = [subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, text=True) for _ in range(4)]
    outputs = [process.communicate()[0] for process in processes]
    assert outputs == [expected] * 4
    for shard in _shards(root):
        json.loads(shard.read_text())
    assert not list((root / CACHE_DIR_NAME).rglob("*.tmp"))


def test_caches_of_other_settings_unused_for_a_week_are_dropped(tmp_path: Path) -> None:
    root = _project(tmp_path)
    layout = root / CACHE_DIR_NAME / LAYOUT
    old, recent = layout / ("0" * 32), layout / ("1" * 32)
    for folder in (old, recent):
        write_files(folder, {"00.json": "{}"})
    week_ago = time.time() - 8 * 24 * 3600
    os.utime(old, (week_ago, week_ago))
    _check(root)
    assert not old.exists()
    assert recent.is_dir()
    assert len(_shards(root)) > 1


def test_a_findings_fix_survives_the_cache(tmp_path: Path) -> None:
    root = _project(tmp_path)
    cold = json.loads(_check(root)[1])
    warm = json.loads(_check(root)[1])
    assert (root / CACHE_DIR_NAME).is_dir() and cold == warm
    fixes = {f["token"]: f["fix"] for f in warm["findings"]}
    assert fixes["BackupScheduleRun"] == {"replacement": "OperationRun", "applicability": "unsafe"}


def _outside(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    """A folder of the host beside the project, with a week-old folder and a file in it."""
    outside = write_files(tmp_path / "host", {"old/keep.txt": "keep\n", "notes.txt": "mine\n"})
    week_ago = time.time() - 8 * 24 * 3600
    os.utime(outside / "old", (week_ago, week_ago))
    return outside, {str(p.relative_to(outside)): p.read_bytes() for p in outside.rglob("*") if p.is_file()}


def _unchanged(outside: Path, before: dict[str, bytes]) -> bool:
    return {str(p.relative_to(outside)): p.read_bytes() for p in outside.rglob("*") if p.is_file()} == before


@pytest.mark.parametrize(
    "planted",
    [
        pytest.param("", id="cache-folder"),
        pytest.param(LAYOUT, id="layout-folder"),
    ],
)
def test_a_symbolic_link_planted_in_the_project_cache_is_never_written_through(tmp_path: Path, planted: str) -> None:
    """A repository can commit `.nolegacyruns_cache` (or a folder in it) as a link to a folder of the host."""
    root = _project(tmp_path)
    outside, before = _outside(tmp_path)
    link = root / CACHE_DIR_NAME / planted if planted else root / CACHE_DIR_NAME
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(outside)
    expected = _check(root, "--no-cache")
    for _ in range(3):
        assert _check(root) == expected
        done = subprocess.run(
            [sys.executable, "-m", "nolegacyruns", "check", "--format", "json"], cwd=root, capture_output=True
        )
        assert (done.returncode, done.stdout.decode()) == expected
    assert _unchanged(outside, before)
    assert link.is_symlink()


def test_a_cache_file_planted_as_a_link_is_left_alone(tmp_path: Path) -> None:
    root = _project(tmp_path)
    outside, before = _outside(tmp_path)
    _check(root)
    shard = _shards(root)[0]
    shard.unlink()
    shard.symlink_to(outside / "notes.txt")
    (root / "app/legacy.py").write_text('TABLE = "entra_group_sync_runs"\n', encoding="utf-8")
    for _ in range(2):
        assert _check(root) == _check(root, "--no-cache")
    assert _unchanged(outside, before)
    assert shard.is_symlink()


def test_an_edit_that_keeps_the_size_and_puts_the_mtime_back_is_seen(tmp_path: Path) -> None:
    """As `cp -p`, `touch -r` or `rsync -t` leave a file: only its ctime tells."""
    root = _project(tmp_path)
    path = root / "app/legacy.py"
    _check(root)
    before = path.stat()
    text = path.read_text(encoding="utf-8").replace("inventory_sync_runs", "inventory_sync_rxns")
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert _check(root) == _check(root, "--no-cache")
