"""Time `nolegacyruns check` against ripgrep and grep on the same tree, and print the ratios.

The tree is real code: the installed Python packages of this environment (copied as app/),
plus generated SQL migrations, Jinja and Blade templates under database/ and resources/, with a
few legacy tokens planted so every tool has something to find.

    python bench/bench_scan.py [--runs 3] [--keep] [--plant-every N]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

TOKENS = [
    "inventory_sync_runs",
    "entra_group_sync_runs",
    "backup_schedule_runs",
    "InventorySyncRun",
    "EntraGroupSyncRun",
    "BackupScheduleRun",
    "last_seen_run_id",
    "baseline_run_id",
    "current_run_id",
    "inventory.sync",
    "entra_group.sync",
    "backup_schedule.run",
    "backup_schedule.retention",
    "backup_schedule.purge",
    "inventory-sync-runs",
    "entra-group-sync-runs",
    "backup-schedule-runs",
]
SQL = """-- migration {n}
CREATE TABLE widgets_{n} (id bigserial PRIMARY KEY, name text NOT NULL, created_at timestamptz);
INSERT INTO widgets_{n} (name) SELECT name FROM tenants WHERE id > {n};
UPDATE widgets_{n} SET name = upper(name) WHERE created_at < now() - interval '1 day';
"""
TEMPLATE = """{{% extends "base.html" %}}
{{# page {n} #}}
{{% block content %}}<a href="{{{{ url_for('operations.index', page={n}) }}}}">Operations</a>
<ul>{{% for run in runs %}}<li>{{{{ run.type }}}} {{{{ run.status }}}}</li>{{% endfor %}}</ul>{{% endblock %}}
"""
PLANTED = {
    "database/migrations/9999_planted.sql": "SELECT * FROM inventory_sync_runs;\n",
    "resources/views/planted.html": '<a href="/admin/backup-schedule-runs">old</a>\n',
    "app/planted.py": 'from legacy import InventorySyncRun\nTYPE = "entra_group.sync"\n',
}


def plant_every(root: Path, every: int) -> int:
    """Append a legacy token to every Nth Python file, so those files are parsed in full."""
    planted = 0
    for index, path in enumerate(sorted((root / "app").rglob("*.py"))):
        if index % every == 0:
            with path.open("a", encoding="utf-8", errors="surrogateescape") as handle:
                handle.write('\nLEGACY_TABLE = "inventory_sync_runs"\n')
            planted += 1
    return planted


def build_tree(root: Path) -> int:
    site = Path(sysconfig.get_paths()["purelib"])
    shutil.copytree(site, root / "app", ignore=shutil.ignore_patterns("__pycache__", "*.so", "*.pyc", "nolegacyruns*"))
    for n in range(2000):
        (root / "database" / "migrations").mkdir(parents=True, exist_ok=True)
        (root / "database" / "migrations" / f"{n:04d}_widgets.sql").write_text(SQL.format(n=n))
    for n in range(1000):
        (root / "resources" / "views").mkdir(parents=True, exist_ok=True)
        (root / "resources" / "views" / f"page_{n}.html").write_text(TEMPLATE.format(n=n))
    for relpath, text in PLANTED.items():
        (root / relpath).write_text(text)
    (root / "nolegacyruns.toml").write_text('paths = ["app", "database", "resources", "routes"]\n')
    return sum(1 for p in root.rglob("*") if p.is_file())


def timed(command: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess[bytes]]:
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True)
    return time.perf_counter() - start, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the generated tree")
    parser.add_argument(
        "--plant-every",
        type=int,
        default=0,
        metavar="N",
        help="also plant a legacy token in every Nth Python file (they are then parsed in full)",
    )
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="nlr-bench-"))
    files = build_tree(root)
    if args.plant_every:
        print(f"planted a legacy token in {plant_every(root, args.plant_every)} Python files")
    pattern = "|".join(t.replace(".", r"\.") for t in TOKENS)
    tools = {
        "nolegacyruns": [sys.executable, "-m", "nolegacyruns", "check", "--format", "json", "."],
        "ripgrep": ["rg", "--count-matches", "-e", pattern, "app", "database", "resources"],
        "grep -rE": ["grep", "-rEc", pattern, "app", "database", "resources"],
    }
    print(f"tree: {root} ({files} files)")
    medians = {}
    for name, command in tools.items():
        if shutil.which(command[0]) is None:
            print(f"{name:>13}: not installed, skipped")
            continue
        runs = [timed(command, root) for _ in range(args.runs)]
        medians[name] = statistics.median(t for t, _ in runs)
        detail = ""
        if name == "nolegacyruns":
            summary = json.loads(runs[-1][1].stdout)["summary"]
            detail = f"  ({summary['findings']} findings, {summary['files_scanned']} files scanned)"
        print(f"{name:>13}: median {medians[name]:.3f} s over {args.runs} runs{detail}")
    if "nolegacyruns" in medians:
        for name, seconds in medians.items():
            if name != "nolegacyruns":
                print(f"nolegacyruns / {name}: {medians['nolegacyruns'] / seconds:.1f}x")
    if not args.keep:
        shutil.rmtree(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
