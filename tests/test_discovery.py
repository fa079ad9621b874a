"""Scope: configured paths, excludes, nested .gitignore files, binaries, and named files."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from helpers import LEGACY_MODULE, write_files
from nolegacyruns.config.loading import load_config
from nolegacyruns.scope.discovery import BINARY, discover, is_binary, select_named_files
from nolegacyruns.scope.filters import EXCLUDED, GITIGNORED, OUTSIDE


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_files(
        tmp_path,
        {
            "nolegacyruns.toml": "exclude = ['app/vendor/', '*.gen.py']\n",
            ".gitignore": "build/\n*.log\n",
            "app/models.py": LEGACY_MODULE,
            "app/vendor/lib.py": LEGACY_MODULE,
            "app/schema.gen.py": LEGACY_MODULE,
            "app/build/out.py": LEGACY_MODULE,
            "app/run.log": "inventory_sync_runs",
            "app/sub/.gitignore": "*.tmp.py\n!keep.tmp.py\n",
            "app/sub/a.tmp.py": LEGACY_MODULE,
            "app/sub/keep.tmp.py": LEGACY_MODULE,
            "app/logo.png": b"\x89PNG\r\n\x1a\n\x00\x00inventory_sync_runs",
            "routes/web.py": LEGACY_MODULE,
            "tests/test_x.py": LEGACY_MODULE,
        },
    )


def test_scope_respects_paths_excludes_gitignores_and_binaries(project: Path) -> None:
    scope = discover(load_config(project))
    assert scope.files == ["app/models.py", "app/sub/.gitignore", "app/sub/keep.tmp.py", "routes/web.py"]
    left_out = dict(scope.left_out)
    assert left_out["app/vendor/"] == EXCLUDED
    assert left_out["app/schema.gen.py"] == EXCLUDED
    assert left_out["app/build/"] == GITIGNORED
    assert left_out["app/run.log"] == GITIGNORED
    assert left_out["app/sub/a.tmp.py"] == GITIGNORED
    assert left_out["app/logo.png"] == BINARY
    assert scope.skipped == 1


def test_respect_gitignore_false_reads_ignored_files(project: Path) -> None:
    (project / "nolegacyruns.toml").write_text("respect-gitignore = false\n")
    assert "app/build/out.py" in discover(load_config(project)).files


def test_named_files_are_checked_only_when_in_scope(project: Path) -> None:
    names = [project / n for n in ("app/models.py", "tests/test_x.py", "app/vendor/lib.py", "app/build/out.py")]
    scope = select_named_files(load_config(project), names)
    assert scope.files == ["app/models.py"]
    assert dict(scope.left_out) == {
        "tests/test_x.py": OUTSIDE,
        "app/vendor/lib.py": EXCLUDED,
        "app/build/out.py": GITIGNORED,
    }


def test_folder_argument_limits_the_scope_below_it(project: Path) -> None:
    scope = discover(load_config(project), [project / "routes"])
    assert scope.files == ["routes/web.py"]


def test_a_folder_argument_is_matched_as_a_folder_with_every_folder_above_it(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "nolegacyruns.toml": "",
            "app/.gitignore": "gen/\n!gen/keep.py\n",
            "app/gen/keep.py": LEGACY_MODULE,
            "app/gen/deep/keep.py": LEGACY_MODULE,
        },
    )
    config = load_config(tmp_path)
    assert "app/gen/keep.py" not in discover(config).files
    for folder in ("app/gen", "app/gen/deep"):
        scope = discover(config, [tmp_path / folder])
        assert (scope.files, scope.left_out) == ([], [(folder + "/", GITIGNORED)])


def test_a_named_symlink_is_judged_by_its_own_place(tmp_path: Path) -> None:
    write_files(tmp_path, {"nolegacyruns.toml": "", "lib/real.py": LEGACY_MODULE})
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "link.py").symlink_to("../lib/real.py")
    config = load_config(tmp_path)
    assert discover(config).files == ["app/link.py"]
    assert select_named_files(config, [tmp_path / "app" / "link.py"]).files == ["app/link.py"]
    assert dict(select_named_files(config, [tmp_path / "lib" / "real.py"]).left_out) == {"lib/real.py": OUTSIDE}


@pytest.mark.parametrize(
    ("head", "binary"),
    [
        pytest.param(codecs.BOM_UTF16_LE + "text".encode("utf-16-le"), False, id="utf-16-le"),
        pytest.param(codecs.BOM_UTF16_BE + "text".encode("utf-16-be"), False, id="utf-16-be"),
        pytest.param(codecs.BOM_UTF32_LE + "text".encode("utf-32-le"), False, id="utf-32-le"),
        pytest.param(codecs.BOM_UTF32_BE + "text".encode("utf-32-be"), False, id="utf-32-be"),
        pytest.param("text".encode("utf-16-le"), True, id="utf-16-without-bom"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00", True, id="png"),
    ],
)
def test_nul_bytes_mean_binary_unless_a_utf16_or_utf32_bom_says_text(tmp_path: Path, head: bytes, binary: bool) -> None:
    path = tmp_path / "file"
    path.write_bytes(head)
    assert is_binary(path) is binary
