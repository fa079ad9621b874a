"""Time `nolegacyruns check` on the Django source release against ripgrep, semgrep and a libcst parse of every file.

Reproduces the speed table of the README on a clean clone. The tree is Django's source release from the
package index (`pip download --no-binary :all: --no-deps Django==5.2.*`, the newest 5.2.x), checked with
`paths = ["."]`, in three plantings generated from it:

- `clean`: as released;
- `10pct`: a legacy table name appended to every 10th Python file (283 of 2,823);
- `every`: the same line appended to every Python file, so every one holds a token.

Each tool runs as a whole process; the runs alternate between tools (run 1 of each tool, then run 2 …)
so that load from other work on the machine falls on all of them alike, and the table shows medians of
wall time, CPU time (user + system, including reaped child processes) and peak memory (`ru_maxrss` of
the process or of its largest child, from `wait4` in a small launcher, whose own ~5 MB is the floor).
One unmeasured run of each tool warms the page cache.

- `nolegacyruns` is timed cold (an empty cache directory for every run) and, when it has `--cache-dir`,
  warm (a cache filled by two unmeasured runs, the second of which leaves a replay record, so that
  an unchanged tree is replayed) and cached (a cache filled by one unmeasured run, where no replay
  record can be written: the per-file cache alone, as after any change);
- `ripgrep` (`rg`) and `semgrep` run when installed (neither is a dependency): ripgrep searches every
  file for the tokens of the bundled rule packs; semgrep runs a Python rule (it parses every .py file) and
  a regex rule for every other file, with an empty `.semgrepignore` so that it does not skip `tests/`;
- `parse-all` is one Python process that runs `libcst.parse_module` on every .py file, the cost of a
  design that parses each file with libcst (timed on the `every` tree only, where it is the yardstick).

With `--git` each tree is first committed to a git repository, so that nolegacyruns (and ripgrep and
semgrep) take the file list from git as they do in a real project.

    python bench/bench_scan.py [--runs 5] [--trees clean,10pct,every] [--sdist FILE] [--git] [--json FILE] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the project depends on tomli below 3.11
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
DJANGO = "Django==5.2.*"
PLANTED_LINE = '\nLEGACY_TABLE = "inventory_sync_runs"\n'
SETTLE_SECONDS = 2.1
TREES: dict[str, int] = {"clean": 0, "10pct": 10, "every": 1}  # plant in every Nth .py file; 0: none
# Forks (not vforks) the command from a small process and reports its own wait4 figures: a child of this
# script would inherit this script's peak memory at exec. The floor is the launcher's own ~5 MB.
LAUNCHER = """
import os, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
with open(sys.argv[1], "w") as report:
    report.write(f"{wall} {usage.ru_utime + usage.ru_stime} {usage.ru_maxrss}")
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
"""
PARSE_ALL = """
import os, sys
import libcst
failed = parsed = 0
for folder, dirs, files in os.walk(sys.argv[1]):
    dirs.sort()
    for name in sorted(files):
        if name.endswith(".py"):
            with open(os.path.join(folder, name), "rb") as handle:
                source = handle.read()
            try:
                libcst.parse_module(source)
                parsed += 1
            except Exception:
                failed += 1
print(parsed, failed)
"""


@dataclass(frozen=True, slots=True)
class Sample:
    """One whole-process run of a tool."""

    wall: float
    cpu: float
    maxrss_mb: float
    exit_code: int
    note: str = ""


@dataclass(slots=True)
class Tool:
    """A command to time on a tree, with an optional step before each run (not timed)."""

    name: str
    command: list[str]
    ok_exit: frozenset[int]
    before_each: Callable[[], None] = lambda: None
    describe: Callable[[bytes], str] = lambda _out: ""
    samples: list[Sample] = field(default_factory=list)
    unmeasured_runs: int = 1


def measure(command: Sequence[str], cwd: Path, env: dict[str, str]) -> tuple[Sample, bytes]:
    """Run a command to its end through the launcher; wall, CPU and peak memory of the command alone."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile() as usage:
        launcher = [sys.executable, "-I", "-S", "-c", LAUNCHER, usage.name, *command]
        exit_code = subprocess.run(
            launcher, cwd=cwd, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL
        ).returncode
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
        wall, cpu, maxrss_kb = (float(value) for value in Path(usage.name).read_text().split())
    if exit_code > 3:
        sys.stderr.write(stderr.decode(errors="replace")[-2000:])
    return Sample(wall, cpu, maxrss_kb / 1024, exit_code), stdout


def legacy_tokens() -> list[str]:
    """Every token of the bundled rule packs, for the grep-like tools."""
    tokens: set[str] = set()
    for pack in sorted((ROOT / "rules").glob("*.toml")):
        for rule in tomllib.loads(pack.read_text(encoding="utf-8")).get("rule", []):
            tokens.update(rule.get("tokens", []))
    return sorted(tokens)


def django_sdist(cache: Path) -> Path:
    """The newest Django 5.2.x source release, downloaded once into the cache folder."""
    cache.mkdir(parents=True, exist_ok=True)
    found = sorted(cache.glob("[Dd]jango-5.2.*.tar.gz"), key=_version_key)
    if found:
        return found[-1]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-binary",
            ":all:",
            "--no-deps",
            DJANGO,
            "-d",
            str(cache),
        ],
        check=True,
    )
    return sorted(cache.glob("[Dd]jango-5.2.*.tar.gz"), key=_version_key)[-1]


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", path.name))


def build_tree(sdist: Path, into: Path, every: int) -> tuple[int, int]:
    """Unpack the release into `into`, plant the line in every Nth .py file; return (.py files, planted)."""
    shutil.unpack_archive(str(sdist), str(into.parent / (into.name + ".unpack")))
    (top,) = (into.parent / (into.name + ".unpack")).iterdir()
    top.rename(into)
    if os.geteuid() == 0:  # root unpacks with the archive's owners, whose trees git refuses ("dubious ownership")
        for path in [into, *into.rglob("*")]:
            os.lchown(path, 0, 0)
    (into.parent / (into.name + ".unpack")).rmdir()
    (into / "nolegacyruns.toml").write_text('paths = ["."]\n', encoding="utf-8")
    (into / ".semgrepignore").write_text("", encoding="utf-8")  # semgrep's default skips tests/
    python_files = sorted(into.rglob("*.py"))
    planted = 0
    for index, path in enumerate(python_files):
        if every and index % every == 0:
            with path.open("ab") as handle:
                handle.write(PLANTED_LINE.encode())
            planted += 1
    return len(python_files), planted


def commit_tree(path: Path) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com"}
    env |= {"GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "tree"]):
        subprocess.run(["git", *command], cwd=path, env=env, check=True)


def has_option(option: str) -> bool:
    help_text = subprocess.run(
        [sys.executable, "-m", "nolegacyruns", "check", "--help"], capture_output=True, text=True, check=True
    ).stdout
    return option in help_text


def semgrep_rules(tokens: Sequence[str], into: Path) -> Path:
    pattern = "|".join(re.escape(token) for token in tokens)
    rules = {
        "rules": [
            {
                "id": "legacy-run-token-python",
                "languages": ["python"],
                "severity": "ERROR",
                "message": "legacy run token",
                "pattern-regex": pattern,
            },
            {
                "id": "legacy-run-token",
                "languages": ["regex"],
                "severity": "ERROR",
                "message": "legacy run token",
                "pattern-regex": pattern,
                "paths": {"exclude": ["*.py"]},
            },
        ]
    }
    path = into / "semgrep-rules.json"  # semgrep reads JSON as YAML
    path.write_text(json.dumps(rules), encoding="utf-8")
    return path


def _nlr_summary(stdout: bytes) -> str:
    summary = json.loads(stdout)["summary"]
    return f"{summary['findings']} findings, {summary['files_scanned']} files"


def _rg_summary(stdout: bytes) -> str:
    counts = [int(line.rsplit(b":", 1)[1]) for line in stdout.splitlines()]
    return f"{sum(counts)} matches in {len(counts)} files"


def _semgrep_summary(stdout: bytes) -> str:
    report = json.loads(stdout)
    return f"{len(report['results'])} findings, {len(report['paths']['scanned'])} files"


def tools_for(tree: str, path: Path, work: Path, tokens: Sequence[str], cache_option: bool) -> list[Tool]:
    check = [sys.executable, "-m", "nolegacyruns", "check", "--format", "json", "--no-baseline", "."]
    cold_cache = work / f"{tree}-cold-cache"
    warm_cache = work / f"{tree}-warm-cache"

    def empty_cold_cache() -> None:
        shutil.rmtree(cold_cache, ignore_errors=True)

    tools = [
        Tool(
            "nolegacyruns cold",
            check + (["--cache-dir", str(cold_cache)] if cache_option else []),
            frozenset({0, 1}),
            empty_cold_cache,
            _nlr_summary,
        ),
    ]
    if cache_option:
        warm = [*check, "--cache-dir", str(warm_cache)]
        tools.append(Tool("nolegacyruns warm", warm, frozenset({0, 1}), describe=_nlr_summary, unmeasured_runs=2))
        # The per-file cache alone, as after any change: a file where the replay folder would be keeps
        # the check from leaving a record.
        cached_cache = work / f"{tree}-cached-cache"
        cached_cache.mkdir(parents=True, exist_ok=True)
        (cached_cache / "replay").write_text("no replay records here\n", encoding="utf-8")
        cached = [*check, "--cache-dir", str(cached_cache)]
        tools.append(Tool("nolegacyruns cached", cached, frozenset({0, 1}), describe=_nlr_summary))
    if shutil.which("rg"):
        pattern = "|".join(re.escape(token) for token in tokens)
        tools.append(
            Tool("ripgrep", ["rg", "--count-matches", "-e", pattern, "."], frozenset({0, 1}), describe=_rg_summary)
        )
    semgrep = shutil.which("semgrep")
    if semgrep:
        rules = semgrep_rules(tokens, work)
        tools.append(
            Tool(
                "semgrep",
                [
                    semgrep,
                    "scan",
                    "--config",
                    str(rules),
                    "--json",
                    "--quiet",
                    "--metrics=off",
                    "--disable-version-check",
                    "--max-target-bytes=0",
                    "--timeout=0",
                    ".",
                ],
                frozenset({0, 1}),
                describe=_semgrep_summary,
            )
        )
    if tree == "every":
        tools.append(
            Tool(
                "parse-all",
                [sys.executable, "-c", PARSE_ALL, "."],
                frozenset({0}),
                describe=lambda out: "{} parsed, {} failed".format(*out.decode().split()),
            )
        )
    return tools


def run_tree(tree: str, path: Path, tools: list[Tool], runs: int, env: dict[str, str]) -> None:
    for tool in tools:  # warm the page cache; fill the warm cache (and leave its replay record)
        for _ in range(tool.unmeasured_runs):
            tool.before_each()
            sample, stdout = measure(tool.command, path, env)
            if sample.exit_code not in tool.ok_exit:
                raise SystemExit(f"{tree}: {tool.name} exited {sample.exit_code}: {' '.join(tool.command)}")
        print(f"  {tool.name:<18} {tool.describe(stdout)}", flush=True)
    for _ in range(runs):
        for tool in tools:
            tool.before_each()
            sample, _ = measure(tool.command, path, env)
            if sample.exit_code not in tool.ok_exit:
                raise SystemExit(f"{tree}: {tool.name} exited {sample.exit_code}")
            tool.samples.append(sample)


def _median(tool: Tool, attribute: str) -> float:
    return statistics.median(getattr(sample, attribute) for sample in tool.samples)


def table(tree: str, tools: list[Tool]) -> Iterator[str]:
    yield f"{'tool':<18} {'wall s':>8} {'CPU s':>8} {'peak MB':>8}   (medians of {len(tools[0].samples)} runs)"
    for tool in tools:
        wall, cpu, peak = (_median(tool, attribute) for attribute in ("wall", "cpu", "maxrss_mb"))
        yield f"{tool.name:<18} {wall:8.3f} {cpu:8.3f} {peak:8.1f}"
    by_name = {tool.name: tool for tool in tools}
    for ours in ("nolegacyruns cold", "nolegacyruns warm", "nolegacyruns cached"):
        if ours not in by_name:
            continue
        for other in ("ripgrep", "semgrep", "parse-all"):
            if other in by_name:
                wall = _median(by_name[ours], "wall") / _median(by_name[other], "wall")
                cpu = _median(by_name[ours], "cpu") / _median(by_name[other], "cpu")
                yield f"{ours} / {other}: {wall:.2f}x wall, {cpu:.2f}x CPU"


def machine() -> str:
    model = ""
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        model = platform.processor()
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{model}, {cpus} CPUs usable, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def versions() -> str:
    parts = []
    for name, command in (
        ("nolegacyruns", [sys.executable, "-m", "nolegacyruns", "--version"]),
        ("ripgrep", ["rg", "--version"]),
        ("semgrep", ["semgrep", "--version"]),
    ):
        if shutil.which(command[0]) or command[0] == sys.executable:
            try:  # semgrep may look for a newer version over the network first
                out = subprocess.run(command, capture_output=True, text=True, timeout=30).stdout.strip().splitlines()
            except subprocess.TimeoutExpired:
                out = []
            parts.append(f"{name} {out[0].split()[-1] if out else '?'}")
    import libcst

    parts.append(f"libcst {getattr(libcst, '__version__', None) or _dist_version('libcst')}")
    return ", ".join(parts)


def _dist_version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="measured runs of each tool on each tree (default 5)")
    parser.add_argument("--trees", default=",".join(TREES), help="comma-separated, of: " + ", ".join(TREES))
    parser.add_argument("--sdist", type=Path, help="a Django source release to use instead of downloading one")
    parser.add_argument(
        "--download-cache",
        type=Path,
        default=Path.home() / ".cache" / "nolegacyruns-bench",
        help="where the downloaded release is kept (default ~/.cache/nolegacyruns-bench)",
    )
    parser.add_argument("--json", type=Path, help="also write every sample to FILE")
    parser.add_argument("--keep", action="store_true", help="keep the generated trees")
    parser.add_argument("--git", action="store_true", help="commit each tree to a git repository (git lists its files)")
    args = parser.parse_args()
    trees = [name.strip() for name in args.trees.split(",") if name.strip()]
    unknown = [name for name in trees if name not in TREES]
    if unknown:
        parser.error(f"--trees: unknown {', '.join(unknown)}; choose from {', '.join(TREES)}")
    sdist = args.sdist or django_sdist(args.download_cache)
    # As users run it: no cache folder from the environment, and Python's bytecode cache on (the
    # unmeasured first run writes it for an editable install).
    dropped = ("NOLEGACYRUNS_CACHE_DIR", "PYTHONDONTWRITEBYTECODE")
    env = {key: value for key, value in os.environ.items() if key not in dropped}
    env["SEMGREP_SEND_METRICS"] = "off"
    tokens = legacy_tokens()
    cache_option = has_option("--cache-dir")
    work = Path(tempfile.mkdtemp(prefix="nlr-bench-"))
    print(f"machine: {machine()}")
    tools_used = versions()
    print(f"tools: {tools_used}")
    print(f"release: {sdist.name}; work folder: {work}")
    load_before = os.getloadavg()
    results: dict[str, list[dict[str, object]]] = {}
    try:
        for tree in trees:
            path = work / tree
            python_files, planted = build_tree(sdist, path, TREES[tree])
            if args.git:
                commit_tree(path)
            # A check trusts no stat of a file changed in the 2 s before it (as git, for the same reason);
            # the files of a real tree are older.
            time.sleep(SETTLE_SECONDS)
            print(f"\n{tree}: {python_files} .py files, a legacy token planted in {planted}", flush=True)
            tools = tools_for(tree, path, work, tokens, cache_option)
            run_tree(tree, path, tools, args.runs, env)
            for line in table(tree, tools):
                print(f"  {line}")
            results[tree] = [
                {"tool": tool.name, "command": tool.command, "samples": [asdict(sample) for sample in tool.samples]}
                for tool in tools
            ]
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    load_after = os.getloadavg()
    print(f"\nload average (1, 5, 15 min): before {_load(load_before)}, after {_load(load_after)}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "machine": machine(),
                    "tools": tools_used,
                    "release": sdist.name,
                    "load": [load_before, load_after],
                    "trees": results,
                },
                indent=1,
            )
        )
    return 0


def _load(load: tuple[float, float, float]) -> str:
    return ", ".join(f"{value:.2f}" for value in load)


if __name__ == "__main__":
    sys.exit(main())
