"""Who is signed in, which workspaces they belong to, and the 404-versus-403 access rule."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from starlette.exceptions import HTTPException

from app.db import user_sessions, users, workspace_memberships, workspaces
from app.rbac import OPERATIONS_VIEW, ROLE_CAPABILITIES, Role
from app.web.passwords import verify_password

__all__ = ["Membership", "Viewer", "authenticate", "load_viewer"]


@dataclass(frozen=True, slots=True)
class Membership:
    """The viewer's role in one workspace."""

    workspace_id: int
    workspace_name: str
    role: Role


@dataclass(frozen=True, slots=True)
class Viewer:
    """A signed-in user and their memberships, keyed by workspace id."""

    user_id: int
    name: str
    email: str
    memberships: Mapping[int, Membership]

    def can(self, workspace_id: int, capability: str = OPERATIONS_VIEW) -> bool:
        """Return whether the viewer's role in *workspace_id* grants *capability*."""
        membership = self.memberships.get(workspace_id)
        return membership is not None and capability in ROLE_CAPABILITIES[membership.role]

    @property
    def viewable(self) -> frozenset[int]:
        """Return the workspaces whose operations the viewer may see."""
        return frozenset(workspace_id for workspace_id in self.memberships if self.can(workspace_id))

    def require(self, workspace_id: int, capability: str = OPERATIONS_VIEW) -> None:
        """Raise 404 outside the viewer's workspaces, as for a record that does not exist; 403 without *capability*."""
        if workspace_id not in self.memberships:
            raise HTTPException(404)
        if not self.can(workspace_id, capability):
            raise HTTPException(403)


def load_viewer(engine: Engine, session_id: str, started_after: datetime) -> Viewer | None:
    """Return the user of session *session_id* with their memberships in one query.

    None when there is no such session, or it started before *started_after* (it expired).
    """
    m, s = workspace_memberships.c, user_sessions.c
    statement = (
        sa.select(users.c.id, users.c.name, users.c.email, m.workspace_id, m.role, workspaces.c.name.label("workspace"))
        .select_from(user_sessions)
        .join(users, users.c.id == s.user_id)
        .outerjoin(workspace_memberships, m.user_id == users.c.id)
        .outerjoin(workspaces, workspaces.c.id == m.workspace_id)
        .where(s.id == session_id, s.created_at >= started_after)
    )
    with engine.connect() as connection:
        rows = connection.execute(statement).all()
    if not rows:
        return None
    memberships = {
        row.workspace_id: Membership(row.workspace_id, row.workspace, Role(row.role))
        for row in rows
        if row.workspace_id is not None
    }
    return Viewer(rows[0].id, rows[0].name, rows[0].email, memberships)


def authenticate(engine: Engine, email: str, password: str) -> int | None:
    """Return the id of the user with *email* (in any case) and *password*, or None.

    Should two stored emails differ only in case, the exact spelling wins and neither matches otherwise.
    """
    email = email.strip()
    statement = sa.select(users.c.id, users.c.email, users.c.password_hash).where(
        sa.func.lower(users.c.email) == email.lower()
    )
    with engine.connect() as connection:
        rows = connection.execute(statement).all()
    exact = [row for row in rows if row.email == email]
    row = exact[0] if exact else rows[0] if len(rows) == 1 else None
    stored = row.password_hash if row is not None else None
    return row.id if verify_password(password, stored) and row is not None else None
