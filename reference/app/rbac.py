"""Decide what a workspace member may do: roles, capabilities and the membership lookup."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from app.db import workspace_memberships

__all__ = ["OPERATIONS_VIEW", "ROLE_CAPABILITIES", "Role", "can", "role_in_workspace"]

OPERATIONS_VIEW = "operations.view"


class Role(str, Enum):
    """A member's role in a workspace."""

    OWNER = "owner"
    MANAGER = "manager"
    OPERATOR = "operator"
    BILLING = "billing"


ROLE_CAPABILITIES: Mapping[Role, frozenset[str]] = {
    Role.OWNER: frozenset({OPERATIONS_VIEW}),
    Role.MANAGER: frozenset({OPERATIONS_VIEW}),
    Role.OPERATOR: frozenset({OPERATIONS_VIEW}),
    Role.BILLING: frozenset(),
}


def role_in_workspace(engine: Engine, user_id: int, workspace_id: int) -> Role | None:
    """Return *user_id*'s role in *workspace_id*, or None for a non-member."""
    statement = sa.select(workspace_memberships.c.role).where(
        workspace_memberships.c.user_id == user_id, workspace_memberships.c.workspace_id == workspace_id
    )
    with engine.connect() as connection:
        role = connection.execute(statement).scalar()
    return Role(role) if role is not None else None


def can(engine: Engine, user_id: int, workspace_id: int, capability: str) -> bool:
    """Return whether *user_id* holds *capability* in *workspace_id*."""
    role = role_in_workspace(engine, user_id, workspace_id)
    return role is not None and capability in ROLE_CAPABILITIES[role]
