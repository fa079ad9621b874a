"""Blade templates: `{{-- --}}` is prose; echoes, directive arguments and @php blocks are PHP."""

from __future__ import annotations

import pytest

from nolegacyruns.findings import Suppression, SuppressionKind
from scanner_support import check, found

PATH = "resources/views/runs.blade.php"


def directive(reason: str) -> Suppression:
    return Suppression(SuppressionKind.DIRECTIVE, reason)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        pytest.param("{{-- inventory_sync_runs --}}\n", [], id="blade-comment"),
        pytest.param("{{--\n  @include('inventory-sync-runs')\n  {{ $x }}\n--}}\n", [], id="blade-comment-hides-blade"),
        pytest.param("<!-- InventorySyncRun -->\n", [], id="html-comment"),
        pytest.param(
            "@include('filament.inventory-sync-runs.table', ['runs' => $runs])\n",
            [(1, 20, "NLR005")],
            id="include-argument",
        ),
        pytest.param(
            "<a href=\"{{ route('filament.admin.resources.backup-schedule-runs.index') }}\">x</a>\n",
            [(1, 45, "NLR005")],
            id="echo-in-attribute",
        ),
        pytest.param("{!! $run->InventorySyncRun !!}\n", [(1, 11, "NLR002")], id="raw-echo"),
        pytest.param(
            "@if (str_contains($type, ')') && $type === 'inventory.sync')\n@endif\n",
            [(1, 45, "NLR004")],
            id="parenthesis-in-a-string-argument",
        ),
        pytest.param(
            "@php\n    $rows = DB::select('select * from Entra_Group_Sync_Runs');\n@endphp\n",
            [(2, 39, "NLR001")],
            id="php-block-with-sql",
        ),
        pytest.param("@php($type = 'backup_schedule.retention')\n", [(1, 15, "NLR004")], id="inline-php"),
        pytest.param("<p>{{ $a }}/admin/inventory-sync-runs</p>\n", [(1, 19, "NLR005")], id="text-after-echo"),
        pytest.param("<p>inventory_{{ $kind }}sync_runs</p>\n", [], id="echo-splits-words"),
        pytest.param("@{{ inventory_sync_runs }}\n", [(1, 5, "NLR001")], id="escaped-echo-is-text"),
        pytest.param("@verbatim {{-- InventorySyncRun --}} @endverbatim\n", [(1, 16, "NLR002")], id="verbatim-is-text"),
        pytest.param("mail ops@inventory_sync_runs.example\n", [(1, 10, "NLR001")], id="e-mail-is-not-a-directive"),
        pytest.param(
            "<?php /* inventory_sync_runs */ echo 'inventory_sync_runs'; ?>\n", [(1, 39, "NLR001")], id="php-tags"
        ),
    ],
)
def test_blade(code: str, expected: list[tuple[int, int, str]]) -> None:
    assert found(PATH, code) == expected


def test_blade_comment_is_reported_with_scan_comments() -> None:
    assert found(PATH, "{{-- inventory_sync_runs --}}\n", scan_comments=True) == [(1, 6, "NLR001")]


def test_directive_in_blade_comment_suppresses() -> None:
    code = "@include('inventory-sync-runs.list') {{-- nolegacyruns: ignore[NLR005] kept until the 404 test --}}\n"
    result = check(PATH, code)
    assert [(f.rule, f.suppressed_by) for f in result.findings] == [("NLR005", directive("kept until the 404 test"))]


def test_directive_without_reason_in_blade_comment_is_nlr901() -> None:
    code = "@include('inventory-sync-runs.list') {{-- nolegacyruns: ignore[NLR005] --}}\n"
    assert found(PATH, code) == [(1, 11, "NLR005"), (1, 43, "NLR901")]


def test_a_blade_file_the_php_lexer_chokes_on_is_scanned_plainly(monkeypatch: pytest.MonkeyPatch) -> None:
    from pygments.lexers.templates import HtmlPhpLexer

    def broken(self: object, text: str) -> None:
        raise ValueError("lexer bug")

    monkeypatch.setattr(HtmlPhpLexer, "get_tokens_unprocessed", broken)
    assert found(PATH, "{{-- inventory_sync_runs --}}\n") == [(1, 1, "NLR900"), (1, 6, "NLR001")]


def test_after_many_unclosed_parentheses_arguments_are_read_as_html() -> None:
    code = "@if( " * 60 + "@include('inventory-sync-runs')\n"
    assert found(PATH, code) == [(1, 311, "NLR005")]
