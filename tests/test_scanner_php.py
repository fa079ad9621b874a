"""PHP: comments and docblocks are prose; namespaced names, strings and HTML are scanned."""

from __future__ import annotations

import pytest

from nolegacyruns.findings import Suppression, SuppressionKind
from scanner_support import check, found

PATH = "app/Models/Run.php"


def directive(reason: str) -> Suppression:
    return Suppression(SuppressionKind.DIRECTIVE, reason)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        pytest.param("<?php\n// InventorySyncRun was removed\n", [], id="line-comment"),
        pytest.param("<?php\n# inventory_sync_runs\n", [], id="hash-comment"),
        pytest.param("<?php\n/* backup_schedule_runs */\n", [], id="block-comment"),
        pytest.param("<?php\n/**\n * @see InventorySyncRun\n */\nfunction f() {}\n", [], id="docblock"),
        pytest.param("<?php\nuse App\\Models\\InventorySyncRun;\n", [(2, 16, "NLR002")], id="use-statement"),
        pytest.param(
            "<?php\nuse App\\Models\\{EntraGroupSyncRun, OperationRun};\n", [(2, 17, "NLR002")], id="group-use"
        ),
        pytest.param(
            "<?php\nreturn \\App\\Models\\BackupScheduleRun::query();\n", [(2, 20, "NLR002")], id="fully-qualified-name"
        ),
        pytest.param("<?php\n$run->last_seen_run_id = 1;\n", [(2, 7, "NLR003")], id="property"),
        pytest.param("<?php\n$type = 'inventory.sync';\n", [(2, 10, "NLR004")], id="single-quoted-string"),
        pytest.param('<?php\n$t = "run {$x} backup_schedule.purge";\n', [(2, 16, "NLR004")], id="double-quoted-string"),
        pytest.param("<?php\n$inventory->sync();\n", [], id="method-call-is-no-run-type"),
        pytest.param(
            "<?php\n#[Route('/admin/inventory-sync-runs')]\nfunction index() {}\n",
            [(2, 17, "NLR005")],
            id="attribute-is-not-a-comment",
        ),
        pytest.param(
            '<div><?php echo $x; ?>\n<a href="/admin/inventory-sync-runs">x</a></div>\n',
            [(2, 17, "NLR005")],
            id="html-around-php",
        ),
    ],
)
def test_php(code: str, expected: list[tuple[int, int, str]]) -> None:
    assert found(PATH, code) == expected


def test_php_comments_are_reported_with_scan_comments() -> None:
    code = "<?php\n// InventorySyncRun\n/** inventory_sync_runs */\n"
    assert found(PATH, code, scan_comments=True) == [(2, 4, "NLR002"), (3, 5, "NLR001")]


@pytest.mark.parametrize(
    "comment",
    [
        pytest.param("// nolegacyruns: ignore[NLR002] the cutover migration names it", id="slashes"),
        pytest.param("# nolegacyruns: ignore[NLR002] the cutover migration names it", id="hash"),
        pytest.param("/* nolegacyruns: ignore[NLR002] the cutover migration names it */", id="block"),
    ],
)
def test_directive_in_php_comment(comment: str) -> None:
    result = check(PATH, f"<?php\n$m = InventorySyncRun::class; {comment}\n")
    assert [(f.rule, f.suppressed_by) for f in result.findings] == [
        ("NLR002", directive("the cutover migration names it"))
    ]


def test_directive_in_a_php_string_is_not_a_directive() -> None:
    code = "<?php\n$m = 'InventorySyncRun // nolegacyruns: ignore[NLR002] no';\n"
    assert found(PATH, code) == [(2, 7, "NLR002")]
