"""JavaScript, YAML, JSON and plain text; and what happens when a lexer chokes."""

from __future__ import annotations

import pytest

from nolegacyruns.filekinds import BLADE, JAVASCRIPT, PHP, SQL, TEMPLATE, TEXT, kind_of
from nolegacyruns.findings import Suppression, SuppressionKind
from scanner_support import check, found


def directive(reason: str) -> Suppression:
    return Suppression(SuppressionKind.DIRECTIVE, reason)


@pytest.mark.parametrize(
    ("path", "code", "expected"),
    [
        pytest.param("r/a.js", "// inventory_sync_runs\n/* InventorySyncRun */\n", [], id="js-comments"),
        pytest.param("r/a.js", "import { InventorySyncRun } from './models';\n", [(1, 10, "NLR002")], id="js-import"),
        pytest.param(
            "r/a.js", "const url = `/admin/inventory-sync-runs/${id}`;\n", [(1, 21, "NLR005")], id="js-template-literal"
        ),
        pytest.param("r/a.js", "inventory.sync();\n", [], id="js-method-call"),
        pytest.param("r/a.ts", "const t: RunType = 'entra_group.sync';\n", [(1, 21, "NLR004")], id="typescript"),
        pytest.param("r/a.tsx", '<Link to="/admin/backup-schedule-runs" />;\n', [(1, 18, "NLR005")], id="tsx"),
        pytest.param("r/a.yaml", "# inventory_sync_runs\nkey: value\n", [], id="yaml-comment"),
        pytest.param(
            "r/a.yaml", "schedule:\n  type: backup_schedule.run\n", [(2, 9, "NLR004")], id="yaml-plain-scalar"
        ),
        pytest.param("r/a.yml", "inventory_sync_runs:\n  keep: 30\n", [(1, 1, "NLR001")], id="yaml-key"),
        pytest.param("r/a.yaml", "types: [inventory.sync, x]\n", [(1, 9, "NLR004")], id="yaml-flow-sequence"),
        pytest.param(
            "r/a.yaml", "sql: |\n  DELETE FROM inventory_sync_runs\n", [(2, 15, "NLR001")], id="yaml-block-scalar"
        ),
        pytest.param(
            "r/a.json",
            '{"table": "entra_group_sync_runs", "inventory.sync": 1}\n',
            [(1, 12, "NLR001"), (1, 37, "NLR004")],
            id="json-keys-and-values",
        ),
        pytest.param(
            "r/notes.txt", "See inventory_sync_runs # not a comment here\n", [(1, 5, "NLR001")], id="plain-text"
        ),
    ],
)
def test_file(path: str, code: str, expected: list[tuple[int, int, str]]) -> None:
    assert found(path, code) == expected


def test_plain_text_directive_may_sit_on_any_line() -> None:
    result = check("r/notes.txt", "inventory_sync_runs nolegacyruns: ignore[NLR001] documented history\n")
    assert [(f.rule, f.suppressed_by) for f in result.findings] == [("NLR001", directive("documented history"))]


def test_a_lexer_that_reads_mostly_errors_chokes() -> None:
    result = check("r/data.json", "<<<< inventory_sync_runs >>>> ]]] }}}\n")
    assert [(f.line, f.column, f.rule) for f in result.active] == [(1, 1, "NLR900"), (1, 6, "NLR001")]
    assert "could not read much of the file; scanned as plain text" in result.active[0].message


def test_a_lexer_that_raises_chokes(monkeypatch: pytest.MonkeyPatch) -> None:
    from pygments.lexers.data import YamlLexer

    def broken(self: object, text: str) -> None:
        raise IndexError("lexer bug")

    monkeypatch.setattr(YamlLexer, "get_tokens_unprocessed", broken)
    result = check("r/a.yaml", "# inventory_sync_runs\n")
    assert [(f.line, f.column, f.rule) for f in result.active] == [(1, 1, "NLR900"), (1, 3, "NLR001")]


def test_a_file_too_large_to_lex_is_scanned_plainly(monkeypatch: pytest.MonkeyPatch) -> None:
    from nolegacyruns.scan.scanners import pygments_lexed

    monkeypatch.setattr(pygments_lexed, "MAX_LEXED_CHARS", 10)
    result = check("r/a.js", "// a comment that names inventory_sync_runs\n")
    assert [f.rule for f in result.active] == ["NLR900", "NLR001"]
    assert "too many for the JavaScript lexer" in result.active[0].message


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        pytest.param("resources/views/a.blade.php", BLADE, id="blade-before-php"),
        pytest.param("app/Http/Kernel.php", PHP, id="php"),
        pytest.param("templates/a.html.twig", TEMPLATE, id="twig"),
        pytest.param("database/a.MYSQL", SQL, id="suffix-case"),
        pytest.param("resources/js/a.mts", JAVASCRIPT, id="typescript-module"),
        pytest.param("routes/README", TEXT, id="no-suffix"),
    ],
)
def test_file_kind_by_name(path: str, kind: str) -> None:
    assert kind_of(path) == kind
