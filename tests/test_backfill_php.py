"""NLR101 in PHP (Laravel): Eloquent and query-builder writes of canonical runs fed by a legacy source."""

from __future__ import annotations

from pathlib import Path

import pytest

from nolegacyruns.config.loading import Config
from nolegacyruns.rules.pack import load_rules
from nolegacyruns.rules.ruleset import RuleSet
from nolegacyruns.scan.engine import check_source

RULESET = RuleSet(load_rules())
CONFIG = Config(root=Path("/nonexistent"))


def backfills(code: str, path: str = "app/Console/Commands/Backfill.php") -> list[tuple[int, int, str]]:
    result = check_source(path, f"<?php\n{code}".encode(), RULESET, CONFIG)
    return [(f.line, f.column, f.message) for f in result.active if f.rule == "NLR101"]


def places(code: str) -> list[tuple[int, int]]:
    return [(line, column) for line, column, _ in backfills(code)]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        pytest.param(
            "function h() {\n"
            "    InventorySyncRun::query()->chunk(200, function ($rows) {\n"
            "        foreach ($rows as $row) {\n"
            "            OperationRun::create(['status' => $row->status]);\n"
            "        }\n"
            "    });\n"
            "}\n",
            [(5, 13)],
            id="chunk-closure-foreach-create",
        ),
        pytest.param(
            "function h() {\n"
            "    InventorySyncRun::chunkById(500, function ($rows) {\n"
            "        OperationRun::insert($rows->map(fn ($r) => ['status' => $r->status])->all());\n"
            "    });\n"
            "}\n",
            [(4, 9)],
            id="chunk-by-id-insert",
        ),
        pytest.param(
            "function h() {\n    foreach (InventorySyncRun::cursor() as $r) {\n"
            "        OperationRun::firstOrCreate(['key' => $r->id]);\n    }\n}\n",
            [(4, 9)],
            id="cursor-foreach-first-or-create",
        ),
        pytest.param(
            "function h() {\n"
            "    foreach (EntraGroupSyncRun::lazy() as $r): OperationRun::updateOrCreate([]); endforeach;\n"
            "}\n",
            [(3, 48)],
            id="alternative-foreach-syntax",
        ),
        pytest.param(
            "function h() {\n    InventorySyncRun::lazyById(100)->each(fn ($r) => OperationRun::forceCreate([]));\n}\n",
            [(3, 54)],
            id="lazy-by-id-each-arrow-function",
        ),
        pytest.param(
            "function h() {\n    BackupScheduleRun::all()->map(fn ($r) => OperationRun::insertOrIgnore([]));\n}\n",
            [(3, 46)],
            id="all-map-insert-or-ignore",
        ),
        pytest.param(
            "function h() {\n    $rows = InventorySyncRun::get();\n"
            "    OperationRun::upsert($rows->toArray(), ['id']);\n}\n",
            [(4, 5)],
            id="bound-variable-upsert",
        ),
        pytest.param(
            "function h() {\n    $rows = InventorySyncRun::get();\n"
            "    OperationRun::query()->where('x', 1)->insert($rows->all());\n}\n",
            [(4, 5)],
            id="builder-chain-insert",
        ),
        pytest.param(
            "function h() {\n    \\App\\Models\\OperationRun::create(['s' => InventorySyncRun::first()->status]);\n}\n",
            [(3, 5)],
            id="direct-argument-fully-qualified",
        ),
        pytest.param(
            "function h() {\n    $legacy = DB::table('backup_schedule_runs')->get();\n    foreach ($legacy as $r) {\n"
            "        DB::table('operation_runs')->insert(['status' => $r->status]);\n    }\n}\n",
            [(5, 20)],
            id="db-table-foreach-insert",
        ),
        pytest.param(
            "function h() {\n    DB::table('operation_runs')->insertUsing(['status'],\n"
            "        DB::table('entra_group_sync_runs')->select('status'));\n}\n",
            [(3, 16)],
            id="insert-using-subquery",
        ),
        pytest.param(
            "function h() {\n    DB::table('backup_schedule_runs as b')->orderBy('id')->each(function ($r) {\n"
            "        DB::connection('pg')->table('operation_runs as o')->upsert([(array) $r], ['id']);\n    });\n}\n",
            [(4, 38)],
            id="db-table-each-upsert-with-aliases",
        ),
        pytest.param(
            "function h() {\n    foreach (InventorySyncRun::all() as $legacy) {\n"
            "        $run = new OperationRun(['type' => 'inventory_sync']);\n        $run->save();\n    }\n}\n",
            [(4, 20)],
            id="new-then-save-in-a-loop",
        ),
        pytest.param(
            "function h() {\n    $old = InventorySyncRun::first();\n    $run = new OperationRun();\n"
            "    $run->status = $old->status;\n    $run->saveQuietly();\n}\n",
            [(4, 16)],
            id="new-with-a-property-from-a-bound-variable",
        ),
        pytest.param(
            "function h() {\n    $old = InventorySyncRun::first();\n"
            "    (new OperationRun(['s' => $old->status]))->save();\n}\n",
            [(4, 10)],
            id="new-saved-at-once",
        ),
        pytest.param(
            "function h($tenant) {\n    $tenant->inventorySyncRuns()->each(function ($r) use ($tenant) {\n"
            "        $tenant->operationRuns()->create(['status' => $r->status]);\n    });\n}\n",
            [(4, 18)],
            id="relation-write-in-a-closure-over-a-legacy-relation",
        ),
        pytest.param(
            "function h($tenant) {\n"
            "    $tenant->operationRun()->createMany($tenant->backupScheduleRuns->toArray());\n"
            "}\n",
            [(3, 14)],
            id="relation-write-from-a-legacy-relation",
        ),
        pytest.param(
            "function h() {\n    $rows = InventorySyncRun::all();\n    DB::transaction(function () use ($rows) {\n"
            "        foreach ($rows as $r) { OperationRun::create([]); }\n    });\n}\n",
            [(5, 33)],
            id="closure-uses-a-bound-variable",
        ),
        pytest.param(
            "function h() {\n    InventorySyncRun::chunk(10, function ($rows) {\n"
            "        DB::transaction(function () { OperationRun::create([]); });\n    });\n}\n",
            [(4, 39)],
            id="closure-nested-in-a-fed-closure",
        ),
        pytest.param(
            "function h() {\n    $rows = DB::select(<<<SQL\n        SELECT * FROM inventory_sync_runs\n        SQL);\n"
            "    foreach ($rows as $r) { OperationRun::create([]); }\n}\n",
            [(6, 29)],
            id="heredoc-sql-bound-to-a-variable",
        ),
        pytest.param(
            "class C {\n    public function handle(): int {\n        foreach (InventorySyncRun::cursor() as $r) {\n"
            "            OperationRun::create([]);\n        }\n        return 0;\n    }\n}\n",
            [(5, 13)],
            id="method",
        ),
        pytest.param(
            "Artisan::command('x', function () {\n"
            "    foreach (BackupScheduleRun::cursor() as $r) { OperationRun::create([]); }\n"
            "});\n",
            [(3, 51)],
            id="top-level-closure",
        ),
        pytest.param(
            "use App\\Models\\InventorySyncRun as LegacyRun;\nfunction h() {\n"
            "    foreach (LegacyRun::all() as $r) { OperationRun::create(['status' => $r->status]); }\n}\n",
            [(4, 40)],
            id="legacy-model-imported-under-an-alias",
        ),
        pytest.param(
            "use App\\Models\\{OperationRun as Run, Tenant};\nfunction h() {\n"
            "    foreach (EntraGroupSyncRun::all() as $r) { Run::create([]); }\n}\n",
            [(4, 48)],
            id="canonical-model-imported-under-an-alias",
        ),
        pytest.param(
            "function h() {\n    $rows = [];\n    foreach (EntraGroupSyncRun::cursor() as $legacy) {\n"
            "        $rows[] = ['status' => $legacy->status];\n    }\n    OperationRun::insert($rows);\n}\n",
            [(7, 5)],
            id="rows-collected-in-a-loop-then-inserted",
        ),
        pytest.param(
            "function h() {\n    array_map(fn ($r) => OperationRun::create(['s' => $r->status]), "
            "EntraGroupSyncRun::all()->all());\n}\n",
            [(3, 26)],
            id="closure-before-the-legacy-rows-it-maps",
        ),
    ],
)
def test_backfill_forms_are_reported_at_the_canonical_write(code: str, expected: list[tuple[int, int]]) -> None:
    assert places(code) == expected


@pytest.mark.parametrize(
    "code",
    [
        pytest.param(
            "function h() {\n    InventorySyncRun::query()->each(function ($r) {\n"
            "        Finding::where('x', $r->id)->update(['operation_run_id' => $r->operation_run_id]);\n    });\n}\n",
            id="mapping-references-to-existing-runs",
        ),
        pytest.param(
            "function h() {\n    DB::statement('UPDATE findings SET operation_run_id = r.operation_run_id "
            "FROM inventory_sync_runs r');\n    OperationRun::create([]);\n}\n",
            id="sql-mapping-then-an-unrelated-write",
        ),
        pytest.param(
            "function h() {\n    foreach (OperationRun::where('status', 'failed')->cursor() as $run) {\n"
            "        OperationRun::create(['type' => $run->type]);\n    }\n    $n = InventorySyncRun::count();\n}\n",
            id="loop-over-canonical-runs",
        ),
        pytest.param(
            "function h() {\n    Tenant::query()->each(function ($t) {\n"
            "        $t->operationRuns()->create([]);\n    });\n"
            "    DB::table('operation_runs')->insert([]);\n    $n = InventorySyncRun::count();\n}\n",
            id="canonical-writes-from-non-legacy-data",
        ),
        pytest.param(
            "function h() {\n    foreach (DB::table('backup_schedule_runs')->cursor() as $r) { echo $r->id; }\n"
            "    $x = OperationRun::count();\n}\n",
            id="legacy-read-writing-nothing-canonical",
        ),
        pytest.param(
            "function h() {\n    // foreach (InventorySyncRun::all() as $r) { OperationRun::create([]); }\n"
            "    /* OperationRun::insert(InventorySyncRun::all()->toArray()); */\n}\n",
            id="comments",
        ),
        pytest.param(
            "function h() {\n    $rows = InventorySyncRun::all();\n    $rows = Tenant::all();\n"
            "    OperationRun::insert($rows->toArray());\n}\n",
            id="rebound-variable",
        ),
        pytest.param(
            "function h() {\n    OperationRun::insert($rows);\n    $rows = InventorySyncRun::all();\n}\n",
            id="write-before-the-binding",
        ),
        pytest.param(
            "class C {\n    function a() { $rows = InventorySyncRun::all(); }\n"
            "    function b() { OperationRun::insert($rows); }\n}\n",
            id="binding-in-another-method",
        ),
        pytest.param(
            "function h() {\n    $rows = InventorySyncRun::all();\n    DB::transaction(function () {\n"
            "        OperationRun::insert($rows);\n    });\n}\n",
            id="closure-without-use-sees-nothing",
        ),
        pytest.param(
            "function h() {\n    foreach (InventorySyncRun::all() as $r) {\n        $run = new OperationRun([]);\n"
            "        $runs[] = $run;\n    }\n}\n",
            id="new-model-never-saved",
        ),
        pytest.param(
            "function h() {\n    foreach (InventorySyncRun::all() as $r) {\n"
            "        OperationRun::whereKey($r->operation_run_id)->update(['note' => 'mapped']);\n"
            "        $r->operationRuns()->count();\n    }\n}\n",
            id="reads-and-updates-are-not-creations",
        ),
        pytest.param(
            "function h() {\n    $make = function () { OperationRun::create([]); };\n"
            "    $n = InventorySyncRun::count();\n}\n",
            id="closure-assigned-not-fed",
        ),
        pytest.param(
            "function h() {\n    foreach (InventorySyncRun::all() as $run) { $this->line($run->id); }\n"
            "    foreach (OperationRun::where('status', 'failed')->get() as $run) {\n"
            "        OperationRun::create(['type' => $run->type]);\n    }\n}\n",
            id="a-loop-over-canonical-runs-rebinds-its-variable",
        ),
        pytest.param(
            "function h() {\n    $legacy = InventorySyncRun::first();\n"
            "    OperationRun::query()->get()\n"
            "        ->each(fn ($legacy) => OperationRun::create(['t' => $legacy->type]));\n}\n",
            id="a-parameter-shadows-the-outer-variable",
        ),
        pytest.param(
            "function h($finding) {\n    $legacy = InventorySyncRun::first();\n"
            "    $finding->operationRun()->associate($legacy->operation_run_id)->save();\n}\n",
            id="associating-a-reference-saves-the-parent",
        ),
        pytest.param(
            "function h() {\n    foreach (InventorySyncRun::all() as $legacy) {\n"
            "        OperationRun::whereKey($legacy->operation_run_id)->first()?->forceFill(['x' => 1])->save();\n"
            "    }\n}\n",
            id="saving-an-existing-run-is-an-update",
        ),
    ],
)
def test_legitimate_patterns_stay_silent(code: str) -> None:
    assert backfills(code) == []


def test_the_message_names_the_legacy_source_its_line_and_the_variable() -> None:
    code = (
        "function h() {\n    $rows = DB::table('backup_schedule_runs')->get();\n\n"
        "    OperationRun::insert($rows->all());\n}\n"
    )
    [(line, column, message)] = backfills(code)
    assert (line, column) == (5, 5)
    assert "legacy source `backup_schedule_runs` through `$rows` (line 3)" in message


def test_the_analyzer_runs_only_where_a_canonical_target_and_a_legacy_source_are_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from nolegacyruns.scan.analyzers import backfill_php

    calls: list[str] = []
    real = backfill_php.backfill_hits

    def counted(*args: object) -> object:
        calls.append("x")
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(backfill_php, "backfill_hits", counted)
    backfills("OperationRun::create([]);\n")
    backfills("$n = InventorySyncRun::count();\n")
    assert calls == []
    backfills("foreach (InventorySyncRun::all() as $r) { OperationRun::create([]); }\n")
    assert calls == ["x"]
