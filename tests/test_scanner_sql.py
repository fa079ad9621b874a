"""The SQL scanner: comments, quoted and unquoted names, strings, dollar-quoted bodies, directives."""

from __future__ import annotations

import pytest

from nolegacyruns.findings import Suppression, SuppressionKind
from nolegacyruns.scan.scanners.sql import scan_sql
from scanner_support import check, found


def directive(reason: str) -> Suppression:
    return Suppression(SuppressionKind.DIRECTIVE, reason)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        pytest.param("-- inventory_sync_runs was dropped\nSELECT 1;\n", [], id="dash-comment"),
        pytest.param("/* inventory_sync_runs\n   backup_schedule_runs */ SELECT 1;\n", [], id="block-comment"),
        pytest.param("SELECT * FROM Inventory_Sync_Runs;\n", [(1, 15, "NLR001")], id="mixed-case-unquoted"),
        pytest.param("select * from INVENTORY_SYNC_RUNS;\n", [(1, 15, "NLR001")], id="upper-case-unquoted"),
        pytest.param('SELECT * FROM "Inventory_Sync_Runs";\n', [], id="double-quoted-other-case"),
        pytest.param('SELECT * FROM public."inventory_sync_runs";\n', [(1, 23, "NLR001")], id="double-quoted-exact"),
        pytest.param("SELECT * FROM `Inventory_Sync_Runs`;\n", [], id="backticked-other-case"),
        pytest.param("SELECT * FROM `backup_schedule_runs`;\n", [(1, 16, "NLR001")], id="backticked-exact"),
        pytest.param("SELECT * FROM [Inventory_Sync_Runs];\n", [], id="bracketed-other-case"),
        pytest.param("SELECT * FROM [entra_group_sync_runs];\n", [(1, 16, "NLR001")], id="bracketed-exact"),
        pytest.param(
            "DELETE FROM operation_runs WHERE type = 'inventory.sync';\n",
            [(1, 42, "NLR004")],
            id="dotted-type-in-string",
        ),
        pytest.param("SELECT inventory.sync FROM inventory;\n", [], id="dotted-name-is-not-a-run-type"),
        pytest.param(
            "ALTER TABLE drift_findings DROP COLUMN Baseline_Run_Id;\n",
            [(1, 40, "NLR003")],
            id="column-case-insensitive",
        ),
        pytest.param("SELECT 'it''s inventory.sync';\n", [(1, 15, "NLR004")], id="doubled-quote-in-string"),
        pytest.param("SELECT 1; /* unclosed inventory_sync_runs\n", [], id="unclosed-comment-is-a-comment"),
    ],
)
def test_sql_file(code: str, expected: list[tuple[int, int, str]]) -> None:
    assert found("database/schema.sql", code) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        pytest.param(
            "CREATE FUNCTION purge() RETURNS void AS $$\n"
            "BEGIN\n"
            "  DELETE FROM Inventory_Sync_Runs; -- backup_schedule_runs\n"
            "END;\n"
            "$$ LANGUAGE plpgsql;\n",
            [(3, 15, "NLR001")],
            id="anonymous-dollar-body",
        ),
        pytest.param(
            "CREATE OR REPLACE FUNCTION t() RETURNS trigger LANGUAGE plpgsql AS $body$\n"
            "BEGIN\n"
            "  UPDATE operation_runs SET type = 'backup_schedule.run' WHERE \"Current_Run_Id\" IS NULL;\n"
            "  RETURN NEW;\n"
            "END $body$;\n",
            [(3, 37, "NLR004")],
            id="tagged-dollar-body",
        ),
        pytest.param("DO $$ BEGIN DROP TABLE Backup_Schedule_Runs; END $$;\n", [(1, 24, "NLR001")], id="do-block"),
        pytest.param(
            "DO LANGUAGE plpgsql $x$ BEGIN PERFORM 1 FROM Entra_Group_Sync_Runs; END $x$;\n",
            [(1, 46, "NLR001")],
            id="do-with-language",
        ),
        pytest.param("SELECT $$inventory.sync$$;\n", [(1, 10, "NLR004")], id="dollar-constant-is-a-string"),
        pytest.param(
            "SELECT $q$-- inventory_sync_runs$q$;\n", [(1, 14, "NLR001")], id="dollar-constant-holds-no-comment"
        ),
    ],
)
def test_dollar_quoted(code: str, expected: list[tuple[int, int, str]]) -> None:
    assert found("database/functions.sql", code) == expected


@pytest.mark.parametrize(
    ("path", "code", "expected"),
    [
        pytest.param("db/a.mysql", "# inventory_sync_runs\nSELECT 1;\n", [], id="mysql-hash-comment"),
        pytest.param(
            "db/a.mysql", 'SELECT "inventory.sync";\n', [(1, 9, "NLR004")], id="mysql-double-quotes-are-strings"
        ),
        pytest.param("db/a.mysql", "SELECT * FROM `Inventory_Sync_Runs`;\n", [], id="mysql-backticks-exact"),
        pytest.param("db/a.sql", 'SELECT "inventory.sync";\n', [], id="postgres-double-quotes-are-names"),
    ],
)
def test_dialect_by_file_name(path: str, code: str, expected: list[tuple[int, int, str]]) -> None:
    assert found(path, code) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        pytest.param(
            "UPDATE t SET note = E'it\\'s';\n-- inventory_sync_runs\nSELECT * FROM Inventory_Sync_Runs;\n",
            [(3, 15, "NLR001")],
            id="escaped-quote-does-not-end-the-string",
        ),
        pytest.param("SELECT e'it\\'s' FROM t; -- inventory_sync_runs\n", [], id="lower-case-prefix"),
        pytest.param("SELECT E'it''s \\'x\\'' FROM t; -- inventory_sync_runs\n", [], id="doubled-and-escaped-quotes"),
        pytest.param("SELECT E'C:\\\\' FROM t; -- inventory_sync_runs\n", [], id="escaped-backslash-before-the-end"),
        pytest.param("SELECT E'\\tinventory.sync\\n';\n", [(1, 12, "NLR004")], id="escape-is-not-part-of-a-word"),
        pytest.param("SELECT U&'d\\0061t' FROM t; -- inventory_sync_runs\n", [], id="unicode-escapes-end-at-a-quote"),
        pytest.param("SELECT B'1001', X'1F' FROM t; -- inventory_sync_runs\n", [], id="bit-strings"),
        pytest.param("SELECT 'C:\\' FROM t; -- inventory_sync_runs\n", [], id="plain-string-has-no-escapes"),
    ],
)
def test_escape_strings(code: str, expected: list[tuple[int, int, str]]) -> None:
    assert found("database/m.sql", code) == expected


def test_directive_after_an_escape_string() -> None:
    code = "UPDATE t SET n = E'it\\'s';\nDROP TABLE inventory_sync_runs; -- nolegacyruns: ignore[NLR001] cutover\n"
    assert found("database/m.sql", code) == []


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        pytest.param("SELECT 'it\\'s' FROM t; -- inventory_sync_runs\n", [], id="escaped-quote"),
        pytest.param('SELECT "a\\"b" FROM t; -- inventory_sync_runs\n', [], id="escaped-double-quote"),
        pytest.param("SELECT '\\tinventory.sync';\n", [(1, 11, "NLR004")], id="escape-is-not-part-of-a-word"),
    ],
)
def test_mysql_backslash_escapes(code: str, expected: list[tuple[int, int, str]]) -> None:
    assert found("database/m.mysql", code) == expected


def test_comments_are_reported_with_scan_comments() -> None:
    code = "-- inventory_sync_runs\nSELECT 1; /* InventorySyncRun */\n"
    assert found("a.sql", code, scan_comments=True) == [(1, 4, "NLR001"), (2, 14, "NLR002")]


def test_directive_in_sql_comment_suppresses_with_its_reason() -> None:
    result = check("a.sql", "DROP TABLE inventory_sync_runs; -- nolegacyruns: ignore[NLR001] the cutover drops it\n")
    assert [(f.rule, f.suppressed_by) for f in result.findings] == [("NLR001", directive("the cutover drops it"))]


def test_directive_without_reason_in_sql_comment_is_nlr901() -> None:
    code = "DROP TABLE inventory_sync_runs; -- nolegacyruns: ignore[NLR001]\n"
    assert found("a.sql", code) == [(1, 12, "NLR001"), (1, 36, "NLR901")]


def test_directive_in_function_body_comment() -> None:
    code = (
        "CREATE FUNCTION f() RETURNS void AS $$\n"
        "  DELETE FROM inventory_sync_runs; -- nolegacyruns: ignore[NLR001] cleanup before the drop\n"
        "$$ LANGUAGE sql;\n"
    )
    assert found("a.sql", code) == []


def test_a_directive_in_a_string_is_not_a_directive() -> None:
    code = "SELECT 'inventory_sync_runs -- nolegacyruns: ignore[NLR001] no';\n"
    assert found("a.sql", code) == [(1, 9, "NLR001")]


def test_sql_file_is_one_fragment_for_statement_rules() -> None:
    text = "INSERT INTO operation_runs SELECT * FROM x;\n"
    [fragment] = scan_sql("a.sql", text).sql_fragments
    assert fragment.text == text
    assert fragment.file_offset(12) == 12


def test_a_file_too_large_to_lex_quickly_is_scanned_plainly() -> None:
    unit = "UPDATE drift_findings SET x = x + 1 WHERE id IN (SELECT id FROM t);\n"
    code = "-- inventory_sync_runs\n" + unit * (300_000 // len(unit))
    result = check("database/big.sql", code)
    assert [(f.line, f.rule) for f in result.active] == [(1, "NLR900"), (1, "NLR001")]
    assert "too many for the SQL lexer" in result.active[0].message


def test_a_lexer_that_raises_falls_back_to_plain_text(monkeypatch: pytest.MonkeyPatch) -> None:
    from nolegacyruns.scan.scanners import sql

    def broken(self: object, text: str) -> None:
        raise RuntimeError("lexer bug")

    monkeypatch.setattr(sql._SqlLexer, "get_tokens_unprocessed", broken)
    result = check("a.sql", "-- inventory_sync_runs\nSELECT 1;\n")
    assert [(f.line, f.column, f.rule) for f in result.active] == [(1, 1, "NLR900"), (1, 4, "NLR001")]
    assert "SQL lexer failed (RuntimeError); scanned as plain text" in result.active[0].message
