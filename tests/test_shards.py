"""`check --shard K/N` splits the files by path; `merge` joins the shard reports into the whole check's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_support import invoke
from helpers import CLEAN_MODULE, LEGACY_MODULE, write_files
from nolegacyruns.errors import UsageError
from nolegacyruns.scope.shard import Shard

FILES = {f"app/m{n:02d}.py": (LEGACY_MODULE if n % 3 == 0 else CLEAN_MODULE) for n in range(30)}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = write_files(
        tmp_path / "project",
        {
            "nolegacyruns.toml": "",
            **FILES,
            "app/bad.py": b"X = '\xff inventory_sync_runs'\n",
            "app/logo.png": b"\x89PNG\x00\x00",
        },
    )
    (root / "app/allowed.py").write_text('T = "inventory_sync_runs"  # nolegacyruns: ignore[NLR001] kept\n')
    return root


def _shard_reports(root: Path, count: int, fmt: str, *extra: str) -> list[Path]:
    paths = []
    for index in range(1, count + 1):
        path = root.parent / f"shard-{index}.{fmt}"
        result = invoke(
            root, "check", "--no-cache", "--format", fmt, "--shard", f"{index}/{count}", "-o", str(path), *extra
        )
        assert result.exit_code in (0, 1), result.output
        paths.append(path)
    return paths


def test_shards_partition_the_files_deterministically() -> None:
    paths = [f"app/m{n}.py" for n in range(1000)]
    for count in (1, 2, 3, 7):
        owners = [[index for index in range(1, count + 1) if Shard(index, count).holds(path)] for path in paths]
        assert all(len(found) == 1 for found in owners)
    sizes = [sum(Shard(index, 4).holds(path) for path in paths) for index in range(1, 5)]
    assert min(sizes) > 200  # spread, not lumped


@pytest.mark.parametrize("spec", ["0/3", "4/3", "3", "a/b", "1/0", "-1/2"])
def test_a_bad_shard_is_a_usage_error(spec: str, project: Path) -> None:
    with pytest.raises(UsageError):
        Shard.parse(spec)
    result = invoke(project, "check", "--shard", spec)
    assert result.exit_code == 2
    assert "--shard" in result.stderr


@pytest.mark.parametrize("fmt", ["json", "sarif"])
@pytest.mark.parametrize("count", [1, 3])
def test_merged_shards_equal_the_whole_check(project: Path, fmt: str, count: int) -> None:
    whole = invoke(project, "check", "--no-cache", "--format", fmt)
    merged = invoke(project, "merge", *map(str, _shard_reports(project, count, fmt)))
    assert merged.exit_code == whole.exit_code == 1
    expected, got = json.loads(whole.stdout), json.loads(merged.stdout)
    if fmt == "json":
        assert got == expected
    else:
        assert got["runs"][0]["results"] == expected["runs"][0]["results"]
        assert [rule["id"] for rule in got["runs"][0]["tool"]["driver"]["rules"]] == [
            rule["id"] for rule in expected["runs"][0]["tool"]["driver"]["rules"]
        ]
        assert got["runs"][0]["invocations"][0]["exitCode"] == 1


def test_a_shard_reports_only_its_own_files(project: Path) -> None:
    first, second = (json.loads(path.read_text()) for path in _shard_reports(project, 2, "json"))
    paths = [{f["path"] for f in report["findings"]} for report in (first, second)]
    assert paths[0] and paths[1] and not paths[0] & paths[1]
    assert first["shard"] == {"index": 1, "count": 2}


def test_a_clean_merge_exits_0_and_writes_a_file(tmp_path: Path) -> None:
    root = write_files(tmp_path / "p", {"nolegacyruns.toml": "", "app/a.py": CLEAN_MODULE, "app/b.py": CLEAN_MODULE})
    reports = _shard_reports(root, 2, "json")
    result = invoke(root, "merge", "-o", str(tmp_path / "all.json"), *map(str, reports))
    assert result.exit_code == 0
    assert "passed" in result.stdout
    assert json.loads((tmp_path / "all.json").read_text())["summary"]["files_scanned"] == 2


def test_a_missing_duplicate_or_mixed_shard_is_refused(project: Path, tmp_path: Path) -> None:
    one, two, three = map(str, _shard_reports(project, 3, "json"))
    missing = invoke(project, "merge", one, two)
    assert missing.exit_code == 2
    assert "missing shard 3/3" in missing.stderr
    assert "also" in invoke(project, "merge", one, two, three, one).stderr
    sarif = _shard_reports(project, 1, "sarif")[0]
    assert "different formats" in invoke(project, "merge", one, str(sarif)).stderr
    (tmp_path / "junk.json").write_text("{}")
    assert "neither" in invoke(project, "merge", str(tmp_path / "junk.json")).stderr
    assert invoke(project, "merge", str(tmp_path / "none.json")).exit_code == 2


def test_fixed_baseline_entries_of_a_deleted_file_count_once(project: Path) -> None:
    assert invoke(project, "baseline").exit_code == 0
    (project / "app/m00.py").unlink()
    whole = json.loads(invoke(project, "check", "--no-cache", "--format", "json").stdout)
    merged = json.loads(invoke(project, "merge", *map(str, _shard_reports(project, 3, "json"))).stdout)
    assert merged["fixed"] == whole["fixed"] != []
    assert merged["summary"] == whole["summary"]
