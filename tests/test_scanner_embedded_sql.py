"""SQL held in Python and PHP strings is read as SQL, with positions in the original file."""

from __future__ import annotations

import pytest

from nolegacyruns.scan.scanners.php import scan_php
from nolegacyruns.scan.scanners.python import scan_python
from scanner_support import found


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        pytest.param(
            "rows = db.execute(\n"
            '    "SELECT id "\n'
            '    "FROM Inventory_Sync_Runs "\n'
            "    \"WHERE type = 'inventory.sync'\"\n"
            ")\n",
            [(3, 11, "NLR001"), (4, 20, "NLR004")],
            id="implicit-concatenation-across-lines",
        ),
        pytest.param(
            'QUERY = """\n    select *\n    from Backup_Schedule_Runs\n"""\n',
            [(3, 10, "NLR001")],
            id="triple-quoted",
        ),
        pytest.param(
            'q = f"SELECT * FROM {schema}.Entra_Group_Sync_Runs WHERE id = {run_id}"\n',
            [(1, 30, "NLR001")],
            id="f-string-literal-parts",
        ),
        pytest.param(
            'q = ("UPDATE drift_findings "\n     f"SET Current_Run_Id = {run}")\n',
            [(2, 12, "NLR003")],
            id="f-string-in-concatenation",
        ),
        pytest.param('q = "SELECT *\\nFROM Inventory_Sync_Runs"\n', [(1, 21, "NLR001")], id="escape-before-a-name"),
        pytest.param(
            'q = r"WITH x AS (SELECT 1) SELECT * FROM Inventory_Sync_Runs"\n', [(1, 42, "NLR001")], id="raw-string"
        ),
        pytest.param(
            'q = "SELECT * FROM inventory_sync_runs"\n', [(1, 20, "NLR001")], id="found-by-both-readings-once"
        ),
        pytest.param('LABEL = "Inventory_Sync_Runs"\n', [], id="not-a-statement"),
        pytest.param('LABEL = "Selected: Inventory_Sync_Runs"\n', [], id="keyword-must-be-a-word"),
        pytest.param(
            'def f():\n    """Select rows from Inventory_Sync_Runs."""\n', [], id="docstring-is-prose-not-sql"
        ),
        pytest.param('q = f"SELECT * FROM inventory_{kind}sync_runs"\n', [], id="interpolation-does-not-glue"),
        pytest.param("q = \"SELECT 'Inventory.Sync' FROM t\"\n", [], id="sql-strings-stay-exact"),
        pytest.param(
            'op.execute("-- backfill\\nINSERT INTO t SELECT * FROM Inventory_Sync_Runs")\n',
            [(1, 54, "NLR001")],
            id="leading-line-comment",
        ),
        pytest.param(
            'op.execute("/* x */ DELETE FROM Inventory_Sync_Runs")\n', [(1, 33, "NLR001")], id="leading-block-comment"
        ),
        pytest.param(
            'op.execute("""\n    -- one\n    /* two */\n    SELECT * FROM Inventory_Sync_Runs\n""")\n',
            [(4, 19, "NLR001")],
            id="comments-on-lines-of-their-own",
        ),
        pytest.param('op.execute("-- Inventory_Sync_Runs\\nSELECT 1")\n', [], id="leading-comment-is-prose"),
        pytest.param('ARGS = "--select Inventory_Sync_Runs"\n', [], id="option-is-not-a-comment-before-sql"),
        pytest.param('q = "/* x */ Inventory_Sync_Runs"\n', [], id="comment-then-no-statement"),
    ],
)
def test_sql_in_python_strings(code: str, expected: list[tuple[int, int, str]]) -> None:
    assert found("app/queries.py", code) == expected


def test_python_sql_fragment_maps_back_to_the_file() -> None:
    code = 'rows = db.execute(\n    "SELECT id "\n    "FROM inventory_sync_runs "\n    f"WHERE id = {run_id}"\n)\n'
    [fragment] = scan_python("app/q.py", code).sql_fragments
    assert fragment.text == "SELECT id FROM inventory_sync_runs WHERE id = ?"
    position = fragment.text.index("inventory_sync_runs")
    assert code[fragment.file_offset(position) :].startswith("inventory_sync_runs ")
    assert fragment.file_offset(fragment.text.index("?")) == code.index("{run_id}")


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        pytest.param(
            "<?php\n$rows = DB::select(<<<SQL\n    SELECT * FROM Inventory_Sync_Runs\n    SQL);\n",
            [(3, 19, "NLR001")],
            id="heredoc-closing-marker-indented",
        ),
        pytest.param(
            "<?php\n$sql = <<<'SQL'\nDELETE FROM operation_runs\n"
            "WHERE type = 'backup_schedule.purge' AND Last_Seen_Run_Id IS NULL\nSQL;\n",
            [(4, 15, "NLR004"), (4, 42, "NLR003")],
            id="nowdoc",
        ),
        pytest.param(
            '<?php\n$sql = <<<"SQL"\n  SELECT {$cols} FROM Backup_Schedule_Runs\n  SQL;\n',
            [(3, 23, "NLR001")],
            id="quoted-heredoc-with-interpolation",
        ),
        pytest.param(
            '<?php\n$q = "SELECT * FROM {$schema}.Inventory_Sync_Runs WHERE id = $id";\n',
            [(2, 31, "NLR001")],
            id="double-quoted-with-interpolation",
        ),
        pytest.param("<?php\n$q = 'select * from Inventory_Sync_Runs';\n", [(2, 21, "NLR001")], id="single-quoted"),
        pytest.param("<?php\n$label = 'Inventory_Sync_Runs';\n", [], id="not-a-statement"),
        pytest.param(
            '<?php\nDB::statement("-- backfill\\nDELETE FROM Inventory_Sync_Runs");\n',
            [(2, 41, "NLR001")],
            id="leading-line-comment",
        ),
        pytest.param(
            "<?php\n$q = '/* x */ SELECT * FROM Inventory_Sync_Runs';\n",
            [(2, 29, "NLR001")],
            id="leading-block-comment",
        ),
        pytest.param("<?php\n$text = <<<TXT\nInventory_Sync_Runs\nTXT;\n", [], id="heredoc-not-a-statement"),
    ],
)
def test_sql_in_php_strings(code: str, expected: list[tuple[int, int, str]]) -> None:
    assert found("app/Repo.php", code) == expected


def test_php_heredoc_fragment() -> None:
    code = "<?php\n$sql = <<<SQL\nINSERT INTO operation_runs SELECT * FROM x\nSQL;\n"
    [fragment] = scan_php("app/Repo.php", code).sql_fragments
    assert fragment.text == "INSERT INTO operation_runs SELECT * FROM x"
    assert fragment.file_offset(0) == code.index("INSERT")
