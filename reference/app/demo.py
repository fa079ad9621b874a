"""Seed a demo database through the services and serve the operations viewer.

Run from reference/: `python -m app.demo [--database-url URL] [--host HOST] [--port PORT] [--seed-only]`.
Workspaces, users, memberships, tenants and backup schedules are plain rows (no service creates
them); every run, finding and inventory item comes from the services, as in production.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

import sqlalchemy as sa
import uvicorn
from sqlalchemy.engine import Engine

from app import migrate
from app.db import (
    DATA_DIR,
    backup_schedules,
    create_engine,
    findings,
    inventory_items,
    operation_runs,
    tenants,
    users,
    workspace_memberships,
    workspaces,
)
from app.graph import InMemoryGraphClient, ObservedGroup, ObservedPolicy
from app.main import create_app
from app.rbac import Role
from app.run_types import RunOutcome
from app.runs import RunStore
from app.services import BackupSchedules, DriftDetector, EntraGroupSync, InventorySync
from app.web.passwords import hash_password

__all__ = ["DEMO_PASSWORD", "DEMO_USERS", "DemoUser", "is_seeded", "main", "seed"]

DEMO_PASSWORD = "demo"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DAYS = 6
WORKSPACES = ("Contoso", "Fabrikam")
TENANTS = (("Contoso", "Contoso EU"), ("Contoso", "Contoso US"), ("Fabrikam", "Fabrikam HQ"))


@dataclass(frozen=True, slots=True)
class DemoUser:
    """A demo login and its role in each workspace it belongs to."""

    email: str
    name: str
    roles: Mapping[str, Role]

    def describe(self) -> str:
        """Return the user's roles, such as "owner of Contoso"."""
        return ", ".join(f"{role.value} of {workspace}" for workspace, role in self.roles.items())


DEMO_USERS = (
    DemoUser("owner@contoso.test", "Olivia Owner", {"Contoso": Role.OWNER}),
    DemoUser("manager@contoso.test", "Mateo Manager", {"Contoso": Role.MANAGER}),
    DemoUser("operator@contoso.test", "Oskar Operator", {"Contoso": Role.OPERATOR}),
    DemoUser("billing@contoso.test", "Bea Billing", {"Contoso": Role.BILLING}),
    DemoUser("owner@fabrikam.test", "Farah Owner", {"Fabrikam": Role.OWNER}),
    DemoUser("consultant@example.test", "Casey Consultant", {"Contoso": Role.OPERATOR, "Fabrikam": Role.BILLING}),
)


class _DemoClock:
    """Demo time: set to each simulated day, moving two minutes per reading."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=2)
        return self.now


def is_seeded(engine: Engine) -> bool:
    """Return whether the database already holds workspaces."""
    with engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(workspaces)).scalar_one() > 0


def seed(engine: Engine, *, now: datetime | None = None) -> None:
    """Fill an empty database at head with the demo: DAYS days of syncs, drift and backups up to *now*."""
    start = (now or datetime.now(timezone.utc)).replace(hour=0, minute=0, second=0, microsecond=0)
    start -= timedelta(days=DAYS)
    clock = _DemoClock(start)
    store = RunStore(engine, clock=clock)
    tenant_ids, user_ids = _seed_rows(engine)
    graph = InMemoryGraphClient()
    inventory, groups = InventorySync(store, graph), EntraGroupSync(store, graph)
    drift, backups = DriftDetector(engine, clock=clock), BackupSchedules(store)
    schedule_ids = _seed_schedules(engine, tenant_ids)
    operator = user_ids["operator@contoso.test"]
    last_good: dict[int, int] = {}
    for day in range(DAYS):
        clock.now = start + timedelta(days=day, hours=1)
        for tenant_id in tenant_ids.values():
            graph.policies[tenant_id] = _policies(tenant_id, day)
            graph.groups[tenant_id] = [ObservedGroup(f"g{tenant_id}-{n}", f"Group {n}") for n in range(3 + day)]
        _outages(graph, tenant_ids, day)
        for tenant_id in tenant_ids.values():
            run = inventory.run(tenant_id, initiator_user_id=operator if day == 0 else None)
            if run.outcome is RunOutcome.SUCCEEDED:
                if tenant_id in last_good:
                    drift.compare(last_good[tenant_id], run.id)
                last_good[tenant_id] = run.id
            groups.run(tenant_id)
        clock.now = start + timedelta(days=day, hours=2)
        for dispatch in backups.dispatch_due(clock.now):
            if dispatch.created and day < DAYS - 1:
                backups.execute(dispatch.run.id)
        backups.apply_retention(schedule_ids["Contoso EU nightly"])
    clock.now = start + timedelta(days=DAYS - 1, hours=3)
    old = schedule_ids["Fabrikam archive"]
    backups.execute(backups.dispatch_now(old, initiator_user_id=user_ids["owner@fabrikam.test"]).id)
    backups.purge(old, initiator_user_id=user_ids["owner@fabrikam.test"])
    store.start(backups.dispatch_now(schedule_ids["Contoso US weekly"], initiator_user_id=operator).id)


def _seed_rows(engine: Engine) -> tuple[dict[str, int], dict[str, int]]:
    """Insert workspaces, tenants, users and memberships; return tenant and user ids by name and email."""
    password_hash = hash_password(DEMO_PASSWORD)
    with engine.begin() as connection:
        workspace_ids = {
            name: connection.execute(workspaces.insert().values(name=name).returning(workspaces.c.id)).scalar_one()
            for name in WORKSPACES
        }
        tenant_ids = {
            name: connection.execute(
                tenants.insert().values(workspace_id=workspace_ids[workspace], name=name).returning(tenants.c.id)
            ).scalar_one()
            for workspace, name in TENANTS
        }
        user_ids = {
            user.email: connection.execute(
                users.insert()
                .values(email=user.email, name=user.name, password_hash=password_hash)
                .returning(users.c.id)
            ).scalar_one()
            for user in DEMO_USERS
        }
        connection.execute(
            workspace_memberships.insert(),
            [
                {"workspace_id": workspace_ids[workspace], "user_id": user_ids[user.email], "role": role.value}
                for user in DEMO_USERS
                for workspace, role in user.roles.items()
            ],
        )
    return tenant_ids, user_ids


def _seed_schedules(engine: Engine, tenant_ids: Mapping[str, int]) -> dict[str, int]:
    plans = (
        ("Contoso EU nightly", "Contoso EU", "daily", None, True),
        ("Contoso US weekly", "Contoso US", "weekly", 0, True),
        ("Fabrikam nightly", "Fabrikam HQ", "daily", None, True),
        ("Fabrikam archive", "Fabrikam HQ", "daily", None, False),
    )
    with engine.begin() as connection:
        return {
            name: connection.execute(
                backup_schedules.insert()
                .values(
                    tenant_id=tenant_ids[tenant],
                    name=name,
                    frequency=frequency,
                    time_of_day=time(1, 30),
                    day_of_week=day_of_week,
                    retention_keep_last=3,
                    is_enabled=enabled,
                )
                .returning(backup_schedules.c.id)
            ).scalar_one()
            for name, tenant, frequency, day_of_week, enabled in plans
        }


def _policies(tenant_id: int, day: int) -> list[ObservedPolicy]:
    """Return the tenant's policies on *day*: one changes on day 2, one arrives on day 3, one leaves on day 4."""
    policies = [
        ObservedPolicy(f"t{tenant_id}-baseline", "deviceConfiguration", "Security baseline", {"level": "high"}),
        ObservedPolicy(f"t{tenant_id}-bitlocker", "deviceConfiguration", "BitLocker", {"cipher": "xts-aes-256"}),
        ObservedPolicy(f"t{tenant_id}-firewall", "deviceConfiguration", "Firewall", {"inbound": "block"}),
        ObservedPolicy(f"t{tenant_id}-compliance", "deviceCompliancePolicy", "Compliance", {"minimum_os": "10.0"}),
    ]
    if day >= 2:
        policies[2] = ObservedPolicy(f"t{tenant_id}-firewall", "deviceConfiguration", "Firewall", {"inbound": "allow"})
    if day >= 3:
        policies.append(ObservedPolicy(f"t{tenant_id}-defender", "deviceConfiguration", "Defender", {"cloud": True}))
    if day >= 4:
        del policies[1]
    return policies


def _outages(graph: InMemoryGraphClient, tenant_ids: Mapping[str, int], day: int) -> None:
    """Make the directory fail now and then, so the demo has failed runs too."""
    graph.outages.clear()
    if day == 1:
        graph.outages[tenant_ids["Contoso US"]] = "Graph answered 503 Service Unavailable"
    if day == 3:
        graph.outages[tenant_ids["Fabrikam HQ"]] = "Graph answered 429 Too Many Requests"


def _summary(engine: Engine) -> str:
    with engine.connect() as connection:
        counts = {
            label: connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for label, table in (
                ("tenants", tenants),
                ("operation runs", operation_runs),
                ("findings", findings),
                ("inventory items", inventory_items),
            )
        }
    return ", ".join(f"{count} {label}" for label, count in counts.items())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m app.demo", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=f"sqlite:///{DATA_DIR / 'demo.db'}",
        help="database to migrate, seed and serve (default: reference/data/demo.db)",
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"address to serve on (default: {DEFAULT_HOST})")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port to serve on (default: {DEFAULT_PORT})")
    parser.add_argument(
        "--secure-cookies",
        action="store_true",
        help="mark the session cookie Secure, for serving behind HTTPS (browsers then send it over HTTPS only)",
    )
    parser.add_argument("--seed-only", action="store_true", help="migrate and seed, then exit without serving")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Migrate and seed the demo database, print the logins, and serve the viewer unless --seed-only."""
    args = _parser().parse_args(argv)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(args.database_url)
    engine = create_engine(args.database_url)
    try:
        if is_seeded(engine):
            print("The database already holds data; seeding skipped.")
        else:
            print(f"Seeding {DAYS} days of demo runs; the directory outages it reports are part of the demo.")
            seed(engine)
        print(f"Demo database: {_summary(engine)}.")
    finally:
        engine.dispose()
    print(f"Sign in with any of these logins; the password is {DEMO_PASSWORD!r} for all:")
    width = max(len(user.email) for user in DEMO_USERS)
    for user in DEMO_USERS:
        print(f"  {user.email:<{width}}  {user.describe()}")
    if args.seed_only:
        return 0
    print(f"Operations viewer: http://{args.host}:{args.port}/login (Ctrl+C stops it)", flush=True)
    uvicorn.run(create_app(args.database_url, secure_cookies=args.secure_cookies), host=args.host, port=args.port)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
