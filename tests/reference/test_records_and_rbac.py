"""Looking up records with their workspace, and who may view operations there."""

from __future__ import annotations

import pytest
from refsupport import World
from sqlalchemy.engine import Engine

from app import db
from app.rbac import OPERATIONS_VIEW, ROLE_CAPABILITIES, Role, can, role_in_workspace
from app.records import get_finding, get_inventory_item


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        pytest.param(Role.OWNER, True, id="owner"),
        pytest.param(Role.MANAGER, True, id="manager"),
        pytest.param(Role.OPERATOR, True, id="operator"),
        pytest.param(Role.BILLING, False, id="billing"),
    ],
)
def test_only_billing_lacks_operations_view(role: Role, allowed: bool) -> None:
    assert (OPERATIONS_VIEW in ROLE_CAPABILITIES[role]) is allowed


def test_every_role_has_a_capability_entry() -> None:
    assert set(ROLE_CAPABILITIES) == set(Role)


@pytest.mark.parametrize(
    ("user", "workspace", "allowed"),
    [
        pytest.param("owner", "workspace", True, id="owner"),
        pytest.param("operator", "workspace", True, id="operator"),
        pytest.param("billing", "workspace", False, id="billing"),
        pytest.param("owner", "other_workspace", False, id="member-elsewhere"),
        pytest.param("outsider", "workspace", False, id="non-member"),
    ],
)
def test_can_view_operations(engine: Engine, world: World, user: str, workspace: str, allowed: bool) -> None:
    assert can(engine, getattr(world, user), getattr(world, workspace), OPERATIONS_VIEW) is allowed


def test_role_in_workspace(engine: Engine, world: World) -> None:
    assert role_in_workspace(engine, world.manager, world.workspace) is Role.MANAGER
    assert role_in_workspace(engine, world.manager, world.other_workspace) is None


def test_records_carry_their_workspace(engine: Engine, world: World) -> None:
    with engine.begin() as connection:
        item_id = connection.execute(
            db.inventory_items.insert()
            .values(tenant_id=world.other_tenant, external_id="p1", policy_type="compliance", display_name="P1")
            .returning(db.inventory_items.c.id)
        ).scalar_one()
    item = get_inventory_item(engine, item_id)
    assert item is not None
    assert (item.workspace_id, item.tenant_id, item.external_id, item.last_seen_at) == (
        world.other_workspace,
        world.other_tenant,
        "p1",
        None,
    )
    assert get_inventory_item(engine, item_id + 1) is None
    assert get_finding(engine, 1) is None
