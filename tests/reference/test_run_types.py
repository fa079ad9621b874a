"""The canonical run type allow-list."""

from __future__ import annotations

import pytest
from refsupport import World

from app.run_types import RunType, UnknownRunType, parse_run_type
from app.runs import RunStore


def test_allow_list_holds_exactly_the_five_canonical_types() -> None:
    assert {member.value for member in RunType} == {
        "inventory_sync",
        "entra_group_sync",
        "backup_schedule_run",
        "backup_schedule_retention",
        "backup_schedule_purge",
    }


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("inventory.sync", id="dotted-legacy-type"),
        pytest.param("backup_schedule.purge", id="dotted-purge"),
        pytest.param("INVENTORY_SYNC", id="enum-name-not-value"),
        pytest.param("drift_check", id="unknown"),
        pytest.param("", id="empty"),
    ],
)
def test_parse_rejects_values_outside_the_allow_list(value: str) -> None:
    with pytest.raises(UnknownRunType, match="expected one of: inventory_sync"):
        parse_run_type(value)


@pytest.mark.parametrize("run_type", [pytest.param(t, id=t.value) for t in RunType])
def test_parse_accepts_every_canonical_value(run_type: RunType) -> None:
    assert parse_run_type(run_type.value) is run_type


@pytest.mark.parametrize(
    "value",
    [pytest.param("entra_group.sync", id="dotted"), pytest.param("restore", id="unknown")],
)
def test_store_refuses_to_create_a_run_of_an_unknown_type(store: RunStore, world: World, value: str) -> None:
    with pytest.raises(UnknownRunType):
        store.create(world.workspace, value)
    assert store.list().total == 0
