"""Helpers the viewer tests share: sign in through the real login form, and find demo records."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from datetime import datetime, timezone

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from starlette.applications import Starlette

from app import db
from app.demo import DEMO_PASSWORD
from app.web.passwords import hash_password

with warnings.catch_warnings():
    # Newer Starlette suggests httpx2 for its TestClient; httpx is what this project installs.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

__all__ = [
    "DEMO_NOW",
    "MISSING",
    "Clients",
    "DemoRecords",
    "demo_records",
    "form_token",
    "log_in",
    "new_client",
    "run_ids",
    "set_passwords",
]

DEMO_NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
RUN_ROW = re.compile(r'data-run-id="(\d+)"')


@dataclass(frozen=True)
class DemoRecords:
    """One record of each kind in a workspace, as the path templates name them."""

    run: int
    finding: int
    item: int
    tenant: int
    schedule: int

    def path(self, template: str) -> str:
        """Return *template* with this workspace's ids filled in."""
        return template.format(
            run=self.run, finding=self.finding, item=self.item, tenant=self.tenant, schedule=self.schedule
        )


# Ids no table holds: the viewer must answer for them exactly as for another workspace's records.
MISSING = DemoRecords(run=987654, finding=987654, item=987654, tenant=987654, schedule=987654)


def new_client(app: Starlette) -> TestClient:
    """Return a test client that shows redirects instead of following them."""
    return TestClient(app, follow_redirects=False)


def form_token(html: str) -> str:
    """Return the form token a page carries."""
    match = TOKEN.search(html)
    assert match, "the page has no form token"
    return match.group(1)


def log_in(client: TestClient, email: str, password: str = DEMO_PASSWORD, next: str = "") -> httpx.Response:
    """Fill in and submit the login form as a browser would."""
    token = form_token(client.get("/login").text)
    data = {"email": email, "password": password, "next": next, "csrf_token": token}
    response: httpx.Response = client.post("/login", data=data)
    return response


def run_ids(html: str) -> list[int]:
    """Return the run ids an index page lists, in order."""
    return [int(found) for found in RUN_ROW.findall(html)]


class Clients:
    """A client per login, signed in through the form on first use; None is the anonymous visitor."""

    def __init__(self, app: Starlette) -> None:
        self.app = app
        self._clients: dict[str | None, TestClient] = {}

    def __call__(self, email: str | None) -> TestClient:
        if email not in self._clients:
            client = new_client(self.app)
            if email is not None:
                assert log_in(client, email).status_code == 303
            self._clients[email] = client
        return self._clients[email]

    def close(self) -> None:
        for client in self._clients.values():
            client.close()


def set_passwords(engine: Engine, password: str = DEMO_PASSWORD) -> None:
    """Give every user *password*."""
    with engine.begin() as connection:
        connection.execute(db.users.update().values(password_hash=hash_password(password)))


def demo_records(engine: Engine, workspace: str) -> DemoRecords:
    """Return the first run, finding, inventory item, tenant and backup schedule of demo *workspace*."""
    t, f, i = db.tenants.c, db.findings.c, db.inventory_items.c
    with engine.connect() as connection:
        workspace_id = sa.select(db.workspaces.c.id).where(db.workspaces.c.name == workspace).scalar_subquery()
        tenant_ids = sa.select(t.id).where(t.workspace_id == workspace_id)
        first = {
            "run": sa.select(sa.func.min(db.operation_runs.c.id)).where(db.operation_runs.c.tenant_id.in_(tenant_ids)),
            "finding": sa.select(sa.func.min(f.id)).where(f.tenant_id.in_(tenant_ids)),
            "item": sa.select(sa.func.min(i.id)).where(i.tenant_id.in_(tenant_ids)),
            "tenant": sa.select(sa.func.min(t.id)).where(t.id.in_(tenant_ids)),
            "schedule": sa.select(sa.func.min(db.backup_schedules.c.id)).where(
                db.backup_schedules.c.tenant_id.in_(tenant_ids)
            ),
        }
        ids = {name: connection.execute(statement).scalar_one() for name, statement in first.items()}
    assert all(ids.values()), f"the demo has no record of some kind in {workspace}: {ids}"
    return DemoRecords(**ids)
