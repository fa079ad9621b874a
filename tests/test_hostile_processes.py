"""Signals, killed workers and dead parents on real process trees: the check ends, promptly, alone.

Each run starts in a session of its own; its process group then holds the check and every process
it started, so "nothing left behind" is a look at that group after the run. Checks run with
--no-cache: each must do the work whose processes it watches.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import time
from pathlib import Path

import pytest

from helpers import write_files
from hostile_support import (
    CONFIG,
    descendants,
    finish,
    group_members,
    helpers_of,
    kill_group,
    large_tree,
    slow_module,
    start_check,
    wait_for,
)
from nolegacyruns.scan.processes import finish_child, fork_child, receive, send, stop_children

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads processes from /proc (Linux)")
BACKFILL_FINDING = "app/slow/slow_0.py:3:21: NLR101"
# The signal is answered within a second; the bound leaves room for a loaded two-core CI machine.
PROMPT = 5.0


def _busy_children(pid: int) -> list[int]:
    """Processes below the check that are at work on a child of their own (a worker in a parse)."""
    below = helpers_of(pid)
    parents = {proc.ppid for proc in below}
    return [candidate for candidate in (pid, *(proc.pid for proc in below)) if candidate in parents]


def _signal_all(pids: list[int], signum: int) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)


def _left_behind(pgrp: int) -> list[int]:
    """Processes of the run still alive a moment after it exited (reaped children are gone at once)."""
    wait_for(lambda: not group_members(pgrp), 1.0)
    return [proc.pid for proc in group_members(pgrp)]


@pytest.fixture(scope="module")
def big_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return large_tree(tmp_path_factory.mktemp("big"), clean=1600, slow=4)


@pytest.mark.parametrize(
    ("signum", "to_group", "code", "word"),
    [
        pytest.param(signal.SIGINT, True, 130, "interrupted", id="ctrl-c"),
        pytest.param(signal.SIGTERM, False, 143, "terminated", id="sigterm"),
        pytest.param(signal.SIGTERM, True, 143, "terminated", id="sigterm-group"),
    ],
)
@pytest.mark.parametrize("jobs", [pytest.param("2", id="workers"), pytest.param("1", id="one-process")])
def test_a_signal_mid_check_ends_it_at_once_with_nothing_left(
    big_tree: Path, signum: int, to_group: bool, code: int, word: str, jobs: str
) -> None:
    proc = start_check(big_tree, "check", "--no-cache", "--jobs", jobs)
    try:
        # Mid-check: some process is parsing a slow file in a child of its own.
        assert wait_for(lambda: _busy_children(proc.pid), 60), "the check never reached a parse"
        time.sleep(0.5)
        sent = time.monotonic()
        if to_group:
            os.killpg(proc.pid, signum)  # what a terminal's Ctrl-C does
        else:
            os.kill(proc.pid, signum)  # what a CI runner's cancel or `timeout` does
        returncode, out, err = finish(proc, 30)
        elapsed = time.monotonic() - sent
        left = _left_behind(proc.pid)
    finally:
        kill_group(proc.pid)
    assert (returncode, err) == (code, f"nolegacyruns: {word}\n"), out
    assert elapsed < PROMPT
    assert left == []


def test_a_worker_killed_from_outside_costs_no_hang_and_no_orphan(big_tree: Path) -> None:
    proc = start_check(big_tree, "check", "--no-cache", "--jobs", "2")
    try:
        busy = wait_for(lambda: [pid for pid in _busy_children(proc.pid) if pid != proc.pid], 60)
        assert busy, "no worker reached a parse"
        os.kill(busy[0], signal.SIGKILL)
        returncode, out, err = finish(proc, 120)
        left = _left_behind(proc.pid)
    finally:
        kill_group(proc.pid)
    assert left == []
    assert "Traceback" not in err
    # Either its files were checked again (and the findings are all there), or they are named as lost.
    if returncode == 3:
        assert "slow_" in err and "lost" in err
    else:
        assert returncode == 1
        assert all(f"app/slow/slow_{i}.py:3:21: NLR101" in out for i in range(4)), out


def test_a_parse_helper_killed_from_outside_costs_only_that_parse(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {"pyproject.toml": CONFIG, "app/slow/slow_0.py": slow_module(), "app/z_late.py": 'T = "inventory_sync_runs"\n'},
    )
    proc = start_check(tmp_path, "check", "--jobs", "1")
    try:
        helpers = wait_for(lambda: [p.pid for p in helpers_of(proc.pid)], 60)
        assert helpers, "no parse helper appeared"
        time.sleep(0.5)  # into the slow parse
        os.kill(helpers[0], signal.SIGKILL)
        returncode, out, err = finish(proc, 120)
        left = _left_behind(proc.pid)
    finally:
        kill_group(proc.pid)
    assert left == []
    assert (returncode, err) == (1, ""), out
    # The killed parse falls back to the plain scan, said by NLR900; the next file still has its parse.
    assert "app/slow/slow_0.py:1:1: NLR900" in out and "SIGKILL" in out
    assert "app/z_late.py:1:6: NLR001" in out and "z_late.py:1:1: NLR900" not in out


@pytest.mark.parametrize("jobs", [pytest.param("2", id="workers"), pytest.param("1", id="one-process")])
def test_children_die_with_a_killed_check(big_tree: Path, jobs: str) -> None:
    proc = start_check(big_tree, "check", "--no-cache", "--jobs", jobs)
    try:
        assert wait_for(lambda: _busy_children(proc.pid), 60), "the check never reached a parse"
        os.kill(proc.pid, signal.SIGKILL)  # no exit path of ours runs: the children must notice
        proc.wait(10)
        gone = wait_for(lambda: not group_members(proc.pid), 5.0)
        left = [p.pid for p in group_members(proc.pid)]
    finally:
        kill_group(proc.pid)
    assert gone, f"processes outlived the check: {left}"


def test_a_parse_stopped_for_longer_than_a_wall_clock_deadline_gives_the_same_result(tmp_path: Path) -> None:
    """Load must not change a verdict: a parse that gets no CPU for 12 s is judged as an idle machine judges it."""
    write_files(tmp_path, {"pyproject.toml": CONFIG, "app/slow/slow_0.py": slow_module(3000)})
    proc = start_check(tmp_path, "check", "--no-cache", "--format", "json")
    try:
        helpers = wait_for(lambda: [p.pid for p in helpers_of(proc.pid)], 60)
        assert helpers, "no parse helper appeared"
        _signal_all(helpers, signal.SIGSTOP)
        time.sleep(12)
        _signal_all(helpers, signal.SIGCONT)
        returncode, loaded, _ = finish(proc, 120)
    finally:
        kill_group(proc.pid)
    proc = start_check(tmp_path, "check", "--no-cache", "--format", "json")
    try:
        idle = finish(proc, 120)
    finally:
        kill_group(proc.pid)
    assert "NLR900" not in loaded and "NLR101" in loaded
    assert (returncode, loaded) == (idle[0], idle[1])


def test_default_jobs_follow_affinity_and_the_cgroup_quota(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from nolegacyruns.scan import processes

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    monkeypatch.setattr(processes, "_cgroup_quota", lambda: 1.5)
    assert processes.available_cpus() == 2
    monkeypatch.setattr(processes, "_cgroup_quota", lambda: None)
    assert processes.available_cpus() == 4
    (tmp_path / "cpu.max").write_text("150000 100000\n")
    assert processes._read_quota(tmp_path / "cpu.max") == 1.5
    (tmp_path / "cpu.max").write_text("max 100000\n")
    assert processes._read_quota(tmp_path / "cpu.max") is None


def test_a_file_that_kills_its_worker_twice_is_lost_and_only_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from nolegacyruns.config.loading import Config
    from nolegacyruns.config.selection import build_ruleset
    from nolegacyruns.scan import workers

    names = [f"app/m{i}.py" for i in range(6)]
    write_files(tmp_path, dict.fromkeys(names, 'T = "inventory_sync_runs"\n'))
    real = workers.examine_file

    def deadly(root: Path, relpath: str, *args: object, **kwargs: object) -> object:
        if relpath == "app/m3.py":
            os.kill(os.getpid(), signal.SIGKILL)
        return real(root, relpath, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(workers, "examine_file", deadly)
    config = Config(root=tmp_path)
    before = {proc.pid for proc in descendants(os.getpid())}  # a server the session started, say
    results = workers.check_files(tmp_path, names, build_ruleset(config), config, jobs=2)
    assert [r.lost for r in results] == [False, False, False, True, False, False]
    assert "SIGKILL" in (results[3].error or "")
    assert [r.error for r in results if not r.lost] == [None] * 5
    assert {proc.pid for proc in descendants(os.getpid())} <= before


def _burn_then_wait(tasks: int, answers: int) -> None:  # pragma: no cover - runs in a helper
    end = time.process_time() + 0.3
    while time.process_time() < end:
        pass
    send(answers, "burnt")
    while receive(tasks) is not None:
        pass


def _worker_with_a_helper(tasks: int, answers: int) -> None:  # pragma: no cover - runs in a worker
    helper = fork_child(_burn_then_wait)
    send(answers, receive(helper.answers))
    while receive(tasks) is not None:
        pass
    stop_children()


def test_a_finished_worker_leaves_on_its_own_so_its_helpers_cpu_time_is_counted() -> None:
    """A worker without more work is let go (not killed), so it reaps its parse helper first: the CPU time
    both used reaches the check's own account of its children, which the benchmark reads."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    worker = fork_child(_worker_with_a_helper)
    assert receive(worker.answers) == "burnt"
    status = finish_child(worker)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert status is not None and os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    used = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    assert used >= 0.25


def _deaf(tasks: int, answers: int) -> None:  # pragma: no cover - runs in a child
    time.sleep(60)


def test_a_finished_worker_that_does_not_leave_is_killed_after_the_grace() -> None:
    child = fork_child(_deaf)
    started = time.monotonic()
    status = finish_child(child, grace=0.3)
    assert status is not None and os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    assert time.monotonic() - started < PROMPT
