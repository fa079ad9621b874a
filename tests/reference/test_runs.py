"""The run store: lifecycle, idempotent creation and listing."""

from __future__ import annotations

import pytest
from refsupport import World, counting_statements

from app.run_types import RunOutcome, RunStatus, RunType
from app.runs import InvalidTransition, RunFilter, RunStore


def test_a_run_moves_from_queued_through_running_to_completed(store: RunStore, world: World) -> None:
    queued = store.create(
        world.workspace, RunType.INVENTORY_SYNC, tenant_id=world.tenant, initiator_user_id=world.owner
    )
    assert (queued.status, queued.outcome, queued.started_at) == (RunStatus.QUEUED, None, None)

    running = store.start(queued.id)
    assert running.status is RunStatus.RUNNING and running.started_at is not None

    done = store.complete(queued.id, RunOutcome.PARTIALLY_SUCCEEDED, {"items_observed": 7})
    assert (done.status, done.outcome, dict(done.summary_counts)) == (
        RunStatus.COMPLETED,
        RunOutcome.PARTIALLY_SUCCEEDED,
        {"items_observed": 7},
    )
    assert done.created_at < done.started_at < done.completed_at  # type: ignore[operator]
    assert store.get(queued.id) == done


def test_fail_records_the_error_beside_the_existing_context(store: RunStore, world: World) -> None:
    run = store.create(world.workspace, RunType.BACKUP_SCHEDULE_RUN, context={"backup_schedule_id": 3})
    failed = store.fail(run.id, "storage account unreachable")
    assert (failed.status, failed.outcome) == (RunStatus.COMPLETED, RunOutcome.FAILED)
    assert failed.context == {"backup_schedule_id": 3, "error": "storage account unreachable"}


def test_complete_adds_to_the_context(store: RunStore, world: World) -> None:
    run = store.create(world.workspace, RunType.BACKUP_SCHEDULE_RETENTION, context={"backup_schedule_id": 1})
    store.start(run.id)
    done = store.complete(run.id, RunOutcome.SUCCEEDED, {"backup_sets_removed": 2}, context={"removed": [4, 5]})
    assert done.context == {"backup_schedule_id": 1, "removed": [4, 5]}


@pytest.mark.parametrize(
    "steps",
    [
        pytest.param(("complete",), id="complete-while-queued"),
        pytest.param(("start", "start"), id="start-twice"),
        pytest.param(("start", "complete", "complete"), id="complete-twice"),
        pytest.param(("start", "complete", "fail"), id="fail-after-completion"),
    ],
)
def test_lifecycle_steps_out_of_order_are_refused(store: RunStore, world: World, steps: tuple[str, ...]) -> None:
    run = store.create(world.workspace, RunType.ENTRA_GROUP_SYNC)
    actions = {
        "start": lambda: store.start(run.id),
        "complete": lambda: store.complete(run.id, RunOutcome.SUCCEEDED, {}),
        "fail": lambda: store.fail(run.id, "late"),
    }
    for step in steps[:-1]:
        actions[step]()
    before = store.get(run.id)
    with pytest.raises(InvalidTransition):
        actions[steps[-1]]()
    assert store.get(run.id) == before


def test_a_run_cannot_complete_as_cancelled(store: RunStore, world: World) -> None:
    run = store.start(store.create(world.workspace, RunType.INVENTORY_SYNC).id)
    with pytest.raises(ValueError, match="cancelled"):
        store.complete(run.id, RunOutcome.CANCELLED, {})


def test_steps_on_a_missing_run_say_so(store: RunStore, world: World) -> None:
    assert store.get(999) is None
    with pytest.raises(LookupError, match="999"):
        store.start(999)
    with pytest.raises(LookupError, match="999"):
        store.fail(999, "gone")


def test_create_once_returns_the_existing_run_for_a_known_key(store: RunStore, world: World) -> None:
    first, created = store.create_once(world.workspace, RunType.BACKUP_SCHEDULE_RUN, idempotency_key="slot-1")
    again, created_again = store.create_once(world.workspace, RunType.BACKUP_SCHEDULE_RUN, idempotency_key="slot-1")
    other, created_other = store.create_once(world.workspace, RunType.BACKUP_SCHEDULE_RUN, idempotency_key="slot-2")
    assert (created, created_again, created_other) == (True, False, True)
    assert again == first and other.id != first.id
    assert store.list().total == 2


@pytest.fixture
def mixed_runs(store: RunStore, world: World) -> list[int]:
    """Create 12 runs across workspaces, tenants, types and statuses; return ids oldest first."""
    plan = [
        (world.workspace, world.tenant, RunType.INVENTORY_SYNC),
        (world.workspace, world.second_tenant, RunType.ENTRA_GROUP_SYNC),
        (world.workspace, world.tenant, RunType.BACKUP_SCHEDULE_RUN),
        (world.other_workspace, world.other_tenant, RunType.INVENTORY_SYNC),
    ] * 3
    ids = []
    for index, (workspace, tenant, run_type) in enumerate(plan):
        run = store.create(workspace, run_type, tenant_id=tenant)
        if index % 2:
            store.start(run.id)
        ids.append(run.id)
    return ids


@pytest.mark.parametrize(
    ("filter", "expected"),
    [
        pytest.param(RunFilter(), list(range(12)), id="everything"),
        pytest.param(RunFilter(workspace_id=2), [3, 7, 11], id="workspace"),
        pytest.param(RunFilter(workspace_ids=frozenset({2, 99})), [3, 7, 11], id="workspaces"),
        pytest.param(RunFilter(workspace_ids=frozenset()), [], id="no-workspaces"),
        pytest.param(RunFilter(tenant_id=2), [1, 5, 9], id="tenant"),
        pytest.param(RunFilter(type=RunType.BACKUP_SCHEDULE_RUN), [2, 6, 10], id="type"),
        pytest.param(RunFilter(status=RunStatus.RUNNING), [1, 3, 5, 7, 9, 11], id="status"),
        pytest.param(
            RunFilter(workspace_id=1, type=RunType.INVENTORY_SYNC, status=RunStatus.QUEUED), [0, 4, 8], id="combined"
        ),
        pytest.param(RunFilter(type=RunType.BACKUP_SCHEDULE_PURGE), [], id="nothing-matches"),
    ],
)
def test_list_filters_and_orders_newest_first(
    store: RunStore, mixed_runs: list[int], filter: RunFilter, expected: list[int]
) -> None:
    page = store.list(filter, per_page=50)
    assert [run.id for run in page.runs] == [mixed_runs[i] for i in reversed(expected)]
    assert page.total == len(expected)


def test_list_pages_through_the_runs(store: RunStore, mixed_runs: list[int]) -> None:
    pages = [store.list(page=n, per_page=5) for n in (1, 2, 3)]
    assert [[run.id for run in page.runs] for page in pages] == [
        mixed_runs[::-1][:5],
        mixed_runs[::-1][5:10],
        mixed_runs[::-1][10:],
    ]
    assert [(page.total, page.pages, page.has_previous, page.has_next) for page in pages] == [
        (12, 3, False, True),
        (12, 3, True, True),
        (12, 3, True, False),
    ]
    assert store.list(page=4, per_page=5).runs == []


@pytest.mark.parametrize(("page", "per_page"), [pytest.param(0, 5, id="page-0"), pytest.param(1, 0, id="per-page-0")])
def test_list_rejects_pages_before_the_first(store: RunStore, page: int, per_page: int) -> None:
    with pytest.raises(ValueError):
        store.list(page=page, per_page=per_page)


def test_list_takes_the_same_number_of_queries_whatever_it_returns(store: RunStore, mixed_runs: list[int]) -> None:
    with counting_statements(store.engine) as small:
        store.list(RunFilter(workspace_id=2), per_page=1)
    with counting_statements(store.engine) as large:
        store.list(per_page=50)
    assert len(small) == len(large) == 2
