"""NLR101 legacy-run-backfill: statement shapes in SQL and Python, in memory."""

from __future__ import annotations

from pathlib import Path

import pytest

from nolegacyruns.config.loading import Config
from nolegacyruns.rules.pack import load_rules
from nolegacyruns.rules.ruleset import RuleSet
from nolegacyruns.scan.engine import check_source

RULESET = RuleSet(load_rules())
CONFIG = Config(root=Path("/nonexistent"))


def backfills(path: str, code: str) -> list[tuple[int, int]]:
    result = check_source(path, code.encode(), RULESET, CONFIG)
    return [(f.line, f.column) for f in result.active if f.rule == "NLR101"]


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        pytest.param("INSERT INTO operation_runs SELECT * FROM inventory_sync_runs;", [(1, 13)], id="insert-select"),
        pytest.param(
            "insert into OPERATION_RUNS select * from x join Backup_Schedule_Runs b on true;",
            [(1, 13)],
            id="any-case-join",
        ),
        pytest.param('INSERT INTO "Operation_Runs" SELECT * FROM inventory_sync_runs;', [], id="quoted-is-exact"),
        pytest.param('INSERT INTO operation_runs SELECT * FROM "Inventory_Sync_Runs";', [], id="quoted-source-exact"),
        pytest.param(
            "WITH src AS (SELECT * FROM entra_group_sync_runs) INSERT INTO operation_runs SELECT * FROM src;",
            [(1, 63)],
            id="cte",
        ),
        pytest.param(
            "UPDATE ONLY app.operation_runs SET x = 1 FROM backup_schedule_runs b;", [(1, 17)], id="update-only"
        ),
        pytest.param(
            "CREATE TEMP TABLE IF NOT EXISTS operation_runs AS TABLE inventory_sync_runs;",
            [(1, 33)],
            id="create-table-as",
        ),
        pytest.param(
            "CREATE TABLE operation_runs (id int);\nSELECT * FROM inventory_sync_runs;", [], id="separate-statements"
        ),
        pytest.param(
            "DELETE FROM operation_runs USING inventory_sync_runs r WHERE r.operation_run_id = id;",
            [],
            id="delete-is-not-a-backfill",
        ),
        pytest.param(
            "INSERT INTO operation_runs (type) VALUES ('inventory_sync_runs');", [], id="string-is-not-a-source"
        ),
        pytest.param(
            "INSERT INTO operation_runs /* FROM inventory_sync_runs */ VALUES (1);", [], id="comment-is-prose"
        ),
        pytest.param("INSERT INTO operation_runs_archive SELECT * FROM inventory_sync_runs;", [], id="other-table"),
        pytest.param("INSERT INTO `operation_runs` SELECT * FROM `backup_schedule_runs`;", [(1, 14)], id="backticks"),
        pytest.param(
            "UPDATE t SET note = E'it\\'s';\nINSERT INTO operation_runs (id) SELECT id FROM inventory_sync_runs;",
            [(2, 13)],
            id="after-an-escape-string",
        ),
        pytest.param(
            "INSERT INTO operation_runs /* ; */ SELECT * FROM inventory_sync_runs;",
            [(1, 13)],
            id="semicolon-in-a-comment",
        ),
        pytest.param("SELECT id, type INTO operation_runs FROM inventory_sync_runs;", [(1, 22)], id="select-into"),
        pytest.param(
            "SELECT * INTO TEMP TABLE public.operation_runs FROM inventory_sync_runs;",
            [(1, 33)],
            id="select-into-temp-table",
        ),
        pytest.param(
            "SELECT * INTO UNLOGGED operation_runs FROM inventory_sync_runs;", [(1, 24)], id="select-into-unlogged"
        ),
        pytest.param(
            "SELECT a, (SELECT max(b) FROM y) INTO operation_runs FROM backup_schedule_runs;",
            [(1, 39)],
            id="select-into-after-a-subquery",
        ),
        pytest.param(
            "WITH s AS (SELECT * FROM entra_group_sync_runs) SELECT * INTO operation_runs FROM s;",
            [(1, 63)],
            id="cte-select-into",
        ),
        pytest.param(
            "CREATE FUNCTION f() RETURNS int AS $$ DECLARE n int; BEGIN\n"
            "SELECT count(*) INTO n FROM inventory_sync_runs; RETURN n; END $$ LANGUAGE plpgsql;",
            [],
            id="plpgsql-select-into-a-variable",
        ),
        pytest.param(
            "SELECT count(*) INTO STRICT operation_runs FROM inventory_sync_runs;", [], id="plpgsql-select-into-strict"
        ),
        pytest.param(
            "INSERT INTO t SELECT * FROM inventory_sync_runs RETURNING id INTO operation_runs;",
            [],
            id="returning-into-is-not-select-into",
        ),
    ],
)
def test_sql_statements(sql: str, expected: list[tuple[int, int]]) -> None:
    assert backfills("database/x.sql", sql) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        pytest.param(
            'def f(conn):\n    conn.execute(text("INSERT INTO operation_runs SELECT * "\n'
            '                      "FROM inventory_sync_runs"))\n',
            [(2, 36)],
            id="sql-in-concatenated-python-strings",
        ),
        pytest.param(
            "def upgrade(op):\n"
            '    op.execute("-- backfill\\nINSERT INTO operation_runs (id) SELECT id FROM inventory_sync_runs")\n',
            [(2, 42)],
            id="sql-after-a-line-comment",
        ),
        pytest.param(
            "def upgrade(op):\n"
            '    op.execute("/* x */ INSERT INTO operation_runs (id) SELECT id FROM inventory_sync_runs")\n',
            [(2, 37)],
            id="sql-after-a-block-comment",
        ),
        pytest.param(
            "def f(s):\n    s.add_all(OperationRun(t=r.t) for r in s.query(BackupScheduleRun))\n",
            [(2, 15)],
            id="generator-expression",
        ),
        pytest.param(
            "def f(s):\n    for r in s.query(BackupScheduleRun):\n        OperationRun.create(type=r.type)\n",
            [(3, 9)],
            id="create-classmethod",
        ),
        pytest.param(
            "def f(s):\n    rows = s.query(InventorySyncRun)\n\ndef g(s, rows):\n    for r in rows:\n"
            "        s.add(OperationRun())\n",
            [],
            id="local-binding-does-not-leak-between-functions",
        ),
        pytest.param(
            "def f(s):\n    for r in s.query(InventorySyncRun):\n"
            "        def later():\n            return OperationRun()\n",
            [],
            id="nested-function-is-its-own-unit",
        ),
        pytest.param(
            "for r in InventorySyncRun.objects.all():\n    OperationRun.objects.create(type='inventory_sync')\n",
            [(2, 5)],
            id="module-level-loop",
        ),
        pytest.param(
            "def f(s):\n    for r in s.query(InventorySyncRun):\n        for t in r.items:\n"
            "            s.add(OperationRun())\n",
            [(4, 19)],
            id="nested-loops-report-once",
        ),
        pytest.param(
            'def f(conn, s):\n    rows = conn.execute(text("SELECT * FROM inventory_sync_runs")).all()\n'
            '    s.bulk_insert_mappings(OperationRun, [{"status": r.status} for r in rows])\n',
            [(3, 28)],
            id="bulk-insert-mappings-from-a-bound-raw-read",
        ),
        pytest.param(
            "def f(s):\n    rows = s.execute(select(InventorySyncRun)).mappings().all()\n"
            "    s.execute(insert(OperationRun), rows)\n",
            [(3, 22)],
            id="execute-insert-with-bound-rows",
        ),
        pytest.param(
            'def f(c):\n    rows = c.execute("SELECT status FROM backup_schedule_runs").fetchall()\n'
            '    c.executemany("INSERT INTO operation_runs (status) VALUES (?)", rows)\n',
            [(3, 32)],
            id="executemany-sql-with-bound-rows",
        ),
        pytest.param(
            'runs = sa.table("operation_runs")\n\ndef upgrade():\n'
            '    legacy = sa.table("entra_group_sync_runs", sa.column("status"))\n'
            "    rows = op.get_bind().execute(sa.select(legacy.c.status)).mappings().all()\n"
            "    op.bulk_insert(runs, rows)\n",
            [(6, 20)],
            id="alembic-bulk-insert-from-a-legacy-sa-table",
        ),
        pytest.param(
            "def f():\n    history = EntraGroupSyncRun.objects.all()\n"
            "    OperationRun.objects.bulk_create(map(convert, history))\n",
            [(3, 5)],
            id="django-bulk-create-from-a-bound-queryset",
        ),
        pytest.param(
            "def f(s):\n    old = s.query(InventorySyncRun).first()\n    s.add(OperationRun(status=old.status))\n",
            [(3, 11)],
            id="model-built-from-a-bound-row",
        ),
        pytest.param(
            'def f(c, s, tenants):\n    rows = c.execute(text("SELECT * FROM inventory_sync_runs")).all()\n'
            "    rows = [{'tenant_id': t.id} for t in tenants]\n    s.bulk_insert_mappings(OperationRun, rows)\n",
            [],
            id="rebinding-ends-the-source",
        ),
        pytest.param(
            "def f(s):\n    s.bulk_insert_mappings(OperationRun, rows)\n    rows = s.query(InventorySyncRun).all()\n",
            [],
            id="a-write-before-the-binding",
        ),
        pytest.param(
            'def f(c, s):\n    rows = c.execute(text("SELECT id FROM inventory_sync_runs")).all()\n'
            "    s.execute(update(findings).values(x=1), rows)\n",
            [],
            id="mapping-update-is-not-a-canonical-write",
        ),
        pytest.param(
            "def f(s):\n    done = s.query(OperationRun).all()\n    s.bulk_insert_mappings(OperationRun, done)\n",
            [],
            id="canonical-rows-as-data",
        ),
        pytest.param(
            "def f(s):\n    payload = []\n    for legacy in s.query(InventorySyncRun):\n"
            "        payload.append({'status': legacy.status})\n    s.bulk_insert_mappings(OperationRun, payload)\n",
            [(5, 28)],
            id="rows-appended-then-written",
        ),
        pytest.param(
            "def f(s):\n    rows, total = s.query(InventorySyncRun).all(), 0\n"
            "    s.bulk_insert_mappings(OperationRun, rows)\n    s.bulk_insert_mappings(OperationRun, [total])\n",
            [(3, 28)],
            id="unpacking-pairs-names-and-values",
        ),
        pytest.param(
            "def f(s):\n    if (rows := s.query(InventorySyncRun).all()):\n"
            "        s.bulk_insert_mappings(OperationRun, rows)\n",
            [(3, 32)],
            id="walrus",
        ),
        pytest.param(
            "def f(s):\n    run = s.query(InventorySyncRun).first()\n"
            "    for run in s.query(OperationRun).filter_by(status='failed'):\n"
            "        s.add(OperationRun(type=run.type))\n",
            [],
            id="a-loop-variable-rebinds-the-name",
        ),
        pytest.param(
            "def f(s, tenants):\n    legacy = s.query(InventorySyncRun).first()\n"
            "    s.bulk_insert_mappings(OperationRun, [{'tenant_id': legacy.id} for legacy in tenants])\n",
            [],
            id="a-comprehension-variable-is-its-own",
        ),
        pytest.param(
            "def f(s):\n    rows = []\n    rows.append({'status': 'queued'})\n"
            "    s.bulk_insert_mappings(OperationRun, rows)\n",
            [],
            id="non-legacy-rows-appended",
        ),
    ],
)
def test_python_shapes(code: str, expected: list[tuple[int, int]]) -> None:
    assert backfills("app/x.py", code) == expected


def test_backfill_is_reported_even_when_the_legacy_token_rules_are_ignored() -> None:
    ruleset = RuleSet(load_rules(), ["NLR101"])
    code = b"INSERT INTO operation_runs SELECT * FROM inventory_sync_runs;"
    result = check_source("database/x.sql", code, ruleset, CONFIG)
    assert [(f.rule, f.column) for f in result.active] == [("NLR101", 13)]


def test_php_sql_after_a_comment() -> None:
    code = '<?php\nDB::statement("-- backfill\\nINSERT INTO operation_runs SELECT * FROM inventory_sync_runs");\n'
    assert backfills("app/Cutover.php", code) == [(2, 41)]


def test_sql_files_are_lexed_once_for_tokens_and_backfills(monkeypatch: pytest.MonkeyPatch) -> None:
    from nolegacyruns.scan.analyzers import backfill_sql

    def lexed_again(*args: object, **kwargs: object) -> None:
        raise AssertionError("NLR101 lexed SQL the scanner had already lexed")

    monkeypatch.setattr(backfill_sql, "sql_lexed", lexed_again)
    assert backfills("database/x.sql", "INSERT INTO operation_runs SELECT * FROM inventory_sync_runs;") == [(1, 13)]
