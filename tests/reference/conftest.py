"""Fixtures for the reference application: databases on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import time
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

HERE = Path(__file__).resolve().parent
REFERENCE = HERE.parents[1] / "reference"
for path in (REFERENCE, HERE):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from browser import find_browser, headless_chromium  # noqa: E402
from pgserver import PostgresServer, find_bin_dir, running_server  # noqa: E402
from refsupport import ENGINES, Clock, World  # noqa: E402
from websupport import DEMO_NOW, Clients  # noqa: E402

from app import db, demo, migrate  # noqa: E402
from app.main import create_app  # noqa: E402
from app.runs import RunStore  # noqa: E402

HEAD_TEMPLATE = "reference_head"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """Run one PostgreSQL server for the session; without one, fail in CI and skip elsewhere."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        message = (
            "PostgreSQL binaries (initdb, pg_ctl) not found in $PG_BIN_DIR, on PATH or in /usr/lib/postgresql/*/bin"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with running_server(bin_dir) as server:
        yield server


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """Run one headless Chromium for the session; without chromium and chromedriver, fail in CI and skip elsewhere."""
    found = find_browser()
    if found is None:
        message = "chromium and chromedriver not found ($CHROMIUM_BIN, $CHROMEDRIVER_BIN or PATH)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with headless_chromium(*found) as driver:
        yield driver


@pytest.fixture(scope="session")
def pg_head_template(pg_server: PostgresServer) -> str:
    """Return a database at head that tests copy, so each test need not migrate."""
    migrate.upgrade(pg_server.create_database(HEAD_TEMPLATE))
    return HEAD_TEMPLATE


@pytest.fixture(scope="session")
def sqlite_head_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a SQLite file at head that tests copy."""
    path = tmp_path_factory.mktemp("head") / "reference.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=ENGINES)
def engine_name(request: pytest.FixtureRequest) -> str:
    """Run the test once per engine."""
    return str(request.param)


@pytest.fixture
def empty_url(engine_name: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Yield the URL of an empty database."""
    if engine_name == "sqlite":
        yield f"sqlite:///{tmp_path / 'reference.db'}"
        return
    server: PostgresServer = request.getfixturevalue("pg_server")
    with server.scratch_database() as url:
        yield url


@contextmanager
def _head_copy(engine_name: str, request: pytest.FixtureRequest, directory: Path) -> Iterator[str]:
    """Yield the URL of a fresh copy of the database at head."""
    if engine_name == "sqlite":
        target = directory / "reference.db"
        shutil.copyfile(request.getfixturevalue("sqlite_head_template"), target)
        yield f"sqlite:///{target}"
        return
    server: PostgresServer = request.getfixturevalue("pg_server")
    with server.scratch_database(template=request.getfixturevalue("pg_head_template")) as url:
        yield url


@pytest.fixture
def head_url(engine_name: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Yield the URL of a fresh database at head."""
    with _head_copy(engine_name, request, tmp_path) as url:
        yield url


@pytest.fixture(scope="session", params=ENGINES)
def demo_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Yield a database at head seeded with the demo, once per engine; the tests using it only read."""
    with _head_copy(request.param, request, tmp_path_factory.mktemp("demo")) as url:
        engine = db.create_engine(url)
        try:
            demo.seed(engine, now=DEMO_NOW)
        finally:
            engine.dispose()
        yield url


@pytest.fixture(scope="session")
def demo_engine(demo_url: str) -> Iterator[Engine]:
    """Yield an engine on the demo database, for reading what the viewer should show."""
    engine = db.create_engine(demo_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def demo_clients(demo_url: str) -> Iterator[Clients]:
    """Yield the viewer over the demo database, with a client per demo login signed in through the form."""
    app = create_app(demo_url)
    clients = Clients(app)
    yield clients
    clients.close()
    app.state.viewer.engine.dispose()


@pytest.fixture
def engine(head_url: str) -> Iterator[Engine]:
    """Yield an engine on a fresh database at head."""
    engine = db.create_engine(head_url)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine: Engine) -> RunStore:
    """Return a run store whose clock moves a minute per reading."""
    return RunStore(engine, clock=Clock())


@pytest.fixture
def world(engine: Engine) -> World:
    """Seed two workspaces, their members, tenants and backup schedules."""
    w = World()
    roles = {w.owner: "owner", w.manager: "manager", w.operator: "operator", w.billing: "billing"}
    schedule = {"tenant_id": w.tenant, "time_of_day": time(2, 0), "retention_keep_last": 2}
    with engine.begin() as connection:
        connection.execute(db.workspaces.insert(), [{"name": "Contoso"}, {"name": "Fabrikam"}])
        connection.execute(
            db.users.insert(), [{"email": f"user{u}@example.test", "name": f"User {u}"} for u in range(1, 6)]
        )
        connection.execute(
            db.workspace_memberships.insert(),
            [{"workspace_id": w.workspace, "user_id": user, "role": role} for user, role in roles.items()],
        )
        connection.execute(
            db.tenants.insert(),
            [
                {"workspace_id": w.workspace, "name": "Contoso EU"},
                {"workspace_id": w.workspace, "name": "Contoso US"},
                {"workspace_id": w.other_workspace, "name": "Fabrikam"},
            ],
        )
        connection.execute(
            db.backup_schedules.insert(),
            [
                {**schedule, "name": "Nightly", "frequency": "daily", "is_enabled": True},
                {**schedule, "name": "Sunday", "frequency": "weekly", "day_of_week": 6, "is_enabled": True},
                {**schedule, "name": "Paused", "frequency": "daily", "is_enabled": False},
            ],
        )
    return w
