"""Python files are read the way CPython reads them: the reproductions of silent passes, through the CLI."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest

from helpers import run_cli, write_files

BOM = codecs.BOM_UTF8


def _findings(root: Path, source: bytes) -> tuple[int, list[tuple[int, int, str]]]:
    write_files(root, {"nolegacyruns.toml": "", "app/m.py": source})
    result = run_cli("check", "--format", "json", cwd=root)
    findings = json.loads(result.stdout)["findings"]
    return result.returncode, [(f["line"], f["column"], f["rule"]) for f in findings]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param(
            b"\x0cfrom app.models import InventorySyncRun\n", [(1, 25, "NLR002")], id="form-feed-at-line-start"
        ),
        pytest.param(
            b"   \x0cfrom app.models import InventorySyncRun\n", [(1, 28, "NLR002")], id="form-feed-after-spaces"
        ),
        pytest.param(
            b"def f():\n\x0c    return InventorySyncRun\n", [(2, 13, "NLR002")], id="form-feed-in-indentation"
        ),
        pytest.param(b'x = 1\ry = "inventory_sync_runs"\r', [(2, 6, "NLR001")], id="lone-carriage-returns"),
        pytest.param(BOM + b'x = (\r\n\t"inventory_sync_runs")\r\n', [(2, 3, "NLR001")], id="bom-crlf-tab"),
        pytest.param(
            b'# -*- coding: latin-1 -*-\nx = "caf\xe9", "inventory_sync_runs"\n',
            [(2, 14, "NLR001")],
            id="latin-1-cookie",
        ),
        pytest.param(
            'x = 1\n# coding: latin-1\ny = "é", "inventory_sync_runs"\n'.encode(),
            [(3, 11, "NLR001")],
            id="cookie-on-line-2-after-code-is-no-cookie",
        ),
    ],
)
def test_tokens_are_found_where_cpython_reads_them(
    tmp_path: Path, source: bytes, expected: list[tuple[int, int, str]]
) -> None:
    assert _findings(tmp_path, source) == (1, expected)


@pytest.mark.parametrize(
    ("source", "notice"),
    [
        pytest.param(BOM + BOM + b'x = "inventory_sync_runs"\n', "U+FEFF", id="double-bom"),
        pytest.param(
            BOM + b'# coding: latin-1\nx = "inventory_sync_runs"\n', "byte order mark", id="bom-and-latin-1-cookie"
        ),
        *(
            pytest.param(
                f'# coding: {codec}\nx = "inventory_sync_runs"\n'.encode(), f"names '{codec}'", id=f"{codec}-cookie"
            )
            for codec in ("utf-16", "utf-32", "utf_16_le", "cp037", "punycode")
        ),
    ],
)
def test_a_file_cpython_refuses_is_reported_and_still_checked(tmp_path: Path, source: bytes, notice: str) -> None:
    write_files(tmp_path, {"nolegacyruns.toml": "", "app/m.py": source})
    result = run_cli("check", "--format", "json", cwd=tmp_path)
    findings = json.loads(result.stdout)["findings"]
    assert result.returncode == 1
    assert [f["rule"] for f in findings] == ["NLR900", "NLR001"]
    assert notice in findings[0]["message"]
