"""Run the reference migrations from Python, for tests, benchmarks and the demo."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from app.db import create_engine, normalize_url

__all__ = ["ALEMBIC_INI", "alembic_config", "current_revision", "downgrade", "head_revision", "upgrade"]

ALEMBIC_INI = Path(__file__).resolve().parent.parent / "database" / "alembic.ini"


def alembic_config(database_url: str) -> Config:
    """Return an Alembic config for *database_url* that leaves the caller's logging alone."""
    config = Config(str(ALEMBIC_INI))
    config.attributes["database_url"] = normalize_url(database_url)
    config.attributes["configure_logging"] = False
    return config


def upgrade(database_url: str, revision: str = "head", *, run_type_map: Mapping[str, str] | None = None) -> None:
    """Upgrade the database at *database_url* to *revision*.

    *run_type_map* maps run types outside the allow-list to canonical ones for the cutover
    (revision 2026_02_12_000001), as `alembic -x run_type_map=old:new,...` does.
    """
    config = alembic_config(database_url)
    if run_type_map:
        config.attributes["run_type_map"] = dict(run_type_map)
    command.upgrade(config, revision)


def head_revision() -> str:
    """Return the newest revision."""
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def downgrade(database_url: str, revision: str) -> None:
    """Downgrade the database at *database_url* to *revision*."""
    command.downgrade(alembic_config(database_url), revision)


def current_revision(database_url: str) -> str | None:
    """Return the revision the database is at, or None before the first one."""
    engine = create_engine(database_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
